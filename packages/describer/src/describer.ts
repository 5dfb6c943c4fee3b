/**
 * One describer for every app: image → faces → aligned crops → unit-norm descriptors, for
 * each descriptor the toolkit ships, with the decision thresholds calibrated for it on LFW
 * View 1. verify, identify, the benchmark and PIPER's face part all describe faces here, so a
 * fix to alignment or description lands once.
 *
 *   detect (SSD + 68 landmarks, @deepface-ts/detect)
 *     → align: 'chip' (dlib's face chip), '3d' (DeepFace's frontalization), '2d', or 'box'
 *       (face-api's upright crop of the landmarks' box), @deepface-ts/frontalize / dlib-resnet
 *     → describe: 'dlib' (dlib's ResNet, @deepface-ts/dlib-resnet) or 'deepface'
 *       (our DeepFace network, @deepface-ts/network), L2-normalised
 *
 * Two descriptors of the same person have a high cosine similarity: `threshold` is the
 * same-person decision (score ≥ threshold), `openSetThreshold` the open-set acceptance.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '@deepface-ts/detect';
import { createFaceRecognizer, DESCRIPTOR_SIZE, faceApiCrop, jitteredChips, RECOGNITION_INPUT_SIZE } from '@deepface-ts/dlib-resnet';
import {
  align2d,
  createFrontalizer,
  createTemplate,
  DLIB_CHIP_PADDING,
  extractFaceChip,
  faceChipDetails,
  type TemplateOptions,
} from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { initBackend } from '@deepface-ts/kernels';
import { DeepFaceModel, describeCrops as describeDeepFaceCrops, decodeWeightsFile } from '@deepface-ts/network';
import calibrations from './calibration.json';

export const DESCRIPTOR_NAMES = ['dlib', 'deepface'] as const;
export type DescriptorName = (typeof DESCRIPTOR_NAMES)[number];
export const FACE_ALIGNMENTS = ['chip', '3d', '2d', 'box'] as const;
export type FaceAlignment = (typeof FACE_ALIGNMENTS)[number];

/**
 * The default descriptor: the one with the best accuracy on LFW View 1 (pairsDevTest, with
 * the threshold from pairsDevTrain); see this package's README for the figures.
 */
export const DEFAULT_DESCRIPTOR: DescriptorName = 'dlib';
/** Test-time options of the dlib descriptor chosen on LFW View 1 (see the README). */
export const DLIB_DEFAULTS = { align: 'chip' as FaceAlignment, mirror: true, jitter: 0 };
/** The DeepFace model's alignment: the 3D frontalization it was trained on. */
export const DEEPFACE_DEFAULTS = { align: '3d' as FaceAlignment };

/** Calibrated thresholds of one describer configuration (key: `Describer.id`). */
export interface Calibration {
  /** Same-person decision on cosine similarity: same when score ≥ verify. */
  verify: number;
  /** Open-set acceptance on cosine similarity, at the false-accept rate `openSetFar`. */
  openSet?: number;
  openSetFar?: number;
  /** Where the numbers came from (pairs, accuracy, command). */
  source: string;
}

export interface DescriberOptions {
  /** Default: DEFAULT_DESCRIPTOR. */
  descriptor?: DescriptorName;
  /** DeepFace weights (.safetensors) for descriptor 'deepface'; default: the model shipped with @deepface-ts/network. */
  model?: string;
  /** How faces are aligned; default: 'chip' for dlib, '3d' for deepface. */
  align?: FaceAlignment;
  /** dlib: average the descriptors of the crop and its mirror. Default DLIB_DEFAULTS.mirror. */
  mirror?: boolean;
  /** dlib with align 'chip': average over this many dlib-style jittered chips (0: off). Default DLIB_DEFAULTS.jitter. */
  jitter?: number;
  /** Crop framing for '2d' / '3d' (inter-ocular distance, eye line); default: the DeepFace template's. */
  framing?: Omit<TemplateOptions, 'size'>;
  /** A detector to share; default: one of the describer's own (disposed with it). */
  detector?: FaceDetector;
  backend?: 'wasm' | 'cpu';
  /** Thresholds to use instead of the calibrated ones (e.g. from a command line). */
  threshold?: number;
  /** false: a describer without a calibrated threshold is allowed (its `threshold` is NaN), for calibrating it. Default true. */
  requireThreshold?: boolean;
}

export interface DescribedFace {
  box: DetectedFace['box'];
  score: number;
  landmarks: Float32Array;
  /** The aligned crop the network saw. */
  crop: RgbImage<Uint8Array>;
  /** Unit-norm descriptor. */
  feature: Float32Array;
  /** Length of the descriptor before normalisation (DeepFace: ‖F7‖₂, the web-scale paper's confidence; dlib: its raw norm). */
  norm: number;
}

export interface Describer {
  readonly descriptor: DescriptorName;
  readonly align: FaceAlignment;
  /** Everything that changes the output (descriptor, weights digest, alignment, test-time options): the key for caches and galleries. */
  readonly id: string;
  readonly dim: number;
  /** Side of the square crops the network takes (dlib 150, DeepFace its config's input size). */
  readonly inputSize: number;
  /** Same-person threshold on cosine similarity, and where it came from. */
  readonly threshold: number;
  readonly thresholdSource: string;
  /** Open-set acceptance threshold (score ≥ it: accepted), when calibrated. */
  readonly openSetThreshold: Calibration | undefined;
  readonly detector: FaceDetector;
  /** Every face of the image with its 68 landmarks. */
  detect(image: RgbImage<Uint8Array>): Promise<DetectedFace[]>;
  /** The aligned crop of one face (what the network sees; jittered views aside). */
  crop(image: RgbImage<Uint8Array>, face: Pick<DetectedFace, 'box' | 'landmarks'>, source?: string): Promise<RgbImage<Uint8Array>>;
  /** Descriptors of crops already aligned by `crop` (or raw crops of the network's size), batched. */
  describeCrops(crops: readonly RgbImage<Uint8Array>[]): Promise<{ features: Float32Array[]; norms: Float32Array }>;
  /** The given faces of one image, aligned and described in one batch (with jitter when set). */
  describeFaces<F extends Pick<DetectedFace, 'box' | 'landmarks' | 'score'>>(image: RgbImage<Uint8Array>, faces: readonly F[], source?: string): Promise<DescribedFace[]>;
  /** detect + describeFaces. A face whose alignment fails is reported to `onSkip` and left out. */
  describeImage(image: RgbImage<Uint8Array>, source?: string, onSkip?: (face: DetectedFace, error: Error) => void): Promise<DescribedFace[]>;
  dispose(): void;
}

/** The DeepFace model shipped with @deepface-ts/network. */
export function defaultModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@deepface-ts/network/package.json')), 'models', 'deepface-default.safetensors');
}

/** Calibrations shipped with this package (written by `pnpm --filter @deepface-ts/benchmark-app calibrate … --write`). */
export function shippedCalibration(id: string): Calibration | undefined {
  return (calibrations as Record<string, Calibration>)[id];
}

function unit(v: Float32Array): { feature: Float32Array; norm: number } {
  let ss = 0;
  for (const x of v) ss += x * x;
  const norm = Math.sqrt(ss);
  if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`descriptor has norm ${norm}`);
  const feature = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) feature[i] = v[i]! / norm;
  return { feature, norm };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new RangeError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Cosine similarity of two unit-norm descriptors (their dot product). */
export function similarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`similarity: descriptor lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export async function createDescriber(options: DescriberOptions = {}): Promise<Describer> {
  const descriptor = oneOf(options.descriptor ?? DEFAULT_DESCRIPTOR, DESCRIPTOR_NAMES, 'descriptor');
  const backend = options.backend ?? 'wasm';
  const align = oneOf(options.align ?? (descriptor === 'dlib' ? DLIB_DEFAULTS.align : DEEPFACE_DEFAULTS.align), FACE_ALIGNMENTS, 'align');
  const mirror = options.mirror ?? (descriptor === 'dlib' ? DLIB_DEFAULTS.mirror : false);
  const jitter = options.jitter ?? (descriptor === 'dlib' ? DLIB_DEFAULTS.jitter : 0);
  if (!(Number.isInteger(jitter) && jitter >= 0)) throw new RangeError(`jitter must be a whole number ≥ 0, got ${jitter}`);
  if (descriptor === 'deepface' && (mirror || jitter)) throw new RangeError('mirror and jitter are options of the dlib descriptor');
  if (jitter && align !== 'chip') throw new RangeError(`jitter needs align 'chip', got '${align}'`);
  if (descriptor === 'deepface' && align === 'box') throw new RangeError("align 'box' is face-api's crop for the dlib descriptor");

  await initBackend(backend);
  let size: number;
  let dim: number;
  let id: string;
  let metadataThreshold: { value: number; source: string } | undefined;
  let describeBatch: (crops: readonly RgbImage<Uint8Array>[]) => Promise<Float32Array[]>;
  let dispose: () => void;
  if (descriptor === 'deepface') {
    const modelPath = options.model ?? defaultModelPath();
    if (!existsSync(modelPath)) throw new Error(`${modelPath}: DeepFace model file not found (train one with \`pnpm train\`, or pass --model)`);
    const bytes = readFileSync(modelPath);
    const weights = decodeWeightsFile(bytes, modelPath);
    const model = DeepFaceModel.fromWeights(weights);
    if (!model.representationMax) throw new Error(`${modelPath}: the model has no representation.max (F7 normalisation maxima); it was not finalised by the trainer`);
    size = model.config.inputSize;
    dim = model.representationSize;
    id = `deepface-${model.config.name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}-${align}`;
    const stored = weights.metadata.verify_threshold;
    // The threshold in the model file was calibrated on its own alignment, 3D.
    if (stored !== undefined && align === '3d') metadataThreshold = { value: Number(stored), source: weights.metadata.verify_threshold_source ?? `${modelPath} metadata` };
    describeBatch = async (crops) => {
      const { features } = await describeDeepFaceCrops(model, crops);
      return features;
    };
    dispose = () => model.dispose();
  } else {
    const r = await createFaceRecognizer({ backend });
    size = RECOGNITION_INPUT_SIZE;
    dim = DESCRIPTOR_SIZE;
    id = `dlib-resnet-v1-${align}${mirror ? '-mirror' : ''}${jitter ? `-jitter${jitter}` : ''}`;
    describeBatch = (crops) => r.describe(crops, { mirror });
    dispose = () => r.dispose();
  }
  const template = align === '2d' || align === '3d' ? createTemplate({ ...options.framing, size }) : undefined;
  const frontalizer = align === '3d' ? createFrontalizer(template!) : undefined;
  if (options.framing && template) id += `-io${options.framing.interOcular ?? ''}-el${options.framing.eyeLine ?? ''}`;

  const calibration = shippedCalibration(id);
  const threshold = options.threshold ?? calibration?.verify ?? metadataThreshold?.value;
  if ((threshold === undefined || !Number.isFinite(threshold)) && options.requireThreshold !== false) {
    dispose();
    throw new Error(`${id}: no calibrated threshold for this describer; run \`pnpm --filter @deepface-ts/describer calibrate\` with these options, or pass a threshold`);
  }
  const thresholdSource = options.threshold !== undefined ? 'given by the caller' : (calibration?.source ?? metadataThreshold?.source ?? 'not calibrated');
  const detector = options.detector ?? (await createFaceDetector({ backend }));

  const crop = async (image: RgbImage<Uint8Array>, face: Pick<DetectedFace, 'box' | 'landmarks'>, source = 'image'): Promise<RgbImage<Uint8Array>> => {
    switch (align) {
      case 'chip':
        return extractFaceChip(image, faceChipDetails(face.landmarks, { size, padding: DLIB_CHIP_PADDING }), { dtype: 'uint8', source }) as RgbImage<Uint8Array>;
      case '3d':
        return frontalizer!.frontalize(image, face.landmarks, { dtype: 'uint8', source }).image as RgbImage<Uint8Array>;
      case '2d':
        return (await align2d(image, face.landmarks, { template: template!, fit: 'all', dtype: 'uint8', source })).image as RgbImage<Uint8Array>;
      case 'box':
        return faceApiCrop(image, face.landmarks, source);
    }
  };

  const describeCrops = async (crops: readonly RgbImage<Uint8Array>[]) => {
    const raw = crops.length ? await describeBatch(crops) : [];
    const norms = new Float32Array(raw.length);
    const features = raw.map((r, i) => {
      const u = unit(r);
      norms[i] = u.norm;
      return u.feature;
    });
    return { features, norms };
  };

  /** Faces of one image with their aligned crops → described faces (jittered views cut from the image). */
  const describeAligned = async (image: RgbImage<Uint8Array>, faces: readonly Pick<DetectedFace, 'box' | 'landmarks' | 'score'>[], crops: RgbImage<Uint8Array>[], source: string): Promise<DescribedFace[]> => {
    if (!jitter) {
      const { features, norms } = await describeCrops(crops);
      return faces.map((f, i) => ({ box: f.box, score: f.score, landmarks: Float32Array.from(f.landmarks), crop: crops[i]!, feature: features[i]!, norm: norms[i]! }));
    }
    // dlib-style jittering: the mean of the raw descriptors of `jitter` jittered chips (each mirrored as set).
    const out: DescribedFace[] = [];
    for (const [i, f] of faces.entries()) {
      const details = faceChipDetails(f.landmarks, { size, padding: DLIB_CHIP_PADDING });
      const raws = await describeBatch(jitteredChips(image, details, jitter, 1, { source }));
      const mean = new Float32Array(dim);
      for (const r of raws) for (let k = 0; k < dim; k++) mean[k] += r[k]! / raws.length;
      const u = unit(mean);
      out.push({ box: f.box, score: f.score, landmarks: Float32Array.from(f.landmarks), crop: crops[i]!, feature: u.feature, norm: u.norm });
    }
    return out;
  };

  return {
    descriptor,
    align,
    id,
    dim,
    inputSize: size,
    threshold: threshold ?? NaN,
    thresholdSource,
    openSetThreshold: calibration?.openSet !== undefined ? calibration : undefined,
    detector,
    detect: (image) => detector.detect(image),
    crop,
    describeCrops,
    describeFaces: async (image, faces, source = 'image') => describeAligned(image, faces, await Promise.all(faces.map((f) => crop(image, f, source))), source),
    async describeImage(image, source = 'image', onSkip) {
      const kept: DetectedFace[] = [];
      const crops: RgbImage<Uint8Array>[] = [];
      for (const face of await detector.detect(image)) {
        try {
          crops.push(await crop(image, face, source)); // alignment can fail on a degenerate face: skip it, keep the others
          kept.push(face);
        } catch (e) {
          onSkip?.(face, e as Error);
        }
      }
      return describeAligned(image, kept, crops, source);
    },
    dispose() {
      if (!options.detector) detector.dispose();
      dispose();
    },
  };
}
