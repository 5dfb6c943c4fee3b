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
import { existsSync } from 'node:fs';
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
  mirrorLandmarks,
  type TemplateOptions,
} from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { initBackend } from '@deepface-ts/kernels';
import { DeepFaceModel, describeCrops as describeDeepFaceCrops, describeCropsProjected, decodeWeightsFile, DistillProjection, readWeightsFileBytes } from '@deepface-ts/network';
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
export const DLIB_DEFAULTS = { align: 'chip' as FaceAlignment, mirror: true, jitter: 0, landmarkMirror: false };
/** The DeepFace model's alignment: the 3D frontalization it was trained on. */
export const DEEPFACE_DEFAULTS = { align: '3d' as FaceAlignment };

/** Calibrated thresholds of one describer configuration (key: `Describer.id`). */
export interface Calibration {
  /** Same-person decision on cosine similarity: same when score ≥ verify. */
  verify: number;
  /** Open-set acceptance on cosine similarity, at the false-accept rate `openSetFar`. */
  openSet?: number;
  openSetFar?: number;
  /**
   * Open-set thresholds by gallery size: with N enrolled images, a probe of someone not
   * enrolled is accepted at `openSetFar` when its best score reaches the threshold for N
   * (bigger galleries need higher thresholds). Ascending in `images`.
   */
  openSetByGallery?: { images: number; threshold: number }[];
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
  /**
   * DeepFace: the descriptor read out of the network — `'f7'` (default, the paper's normalised
   * F7) or `'projection'` (a distilled model's projection of F7 onto the teacher's space, unit
   * norm; the weights file must hold one).
   */
  representation?: 'f7' | 'projection';
  /** dlib: average the descriptors of the crop and its mirror. Default DLIB_DEFAULTS.mirror. */
  mirror?: boolean;
  /** dlib with align 'chip': average over this many dlib-style jittered chips (0: off). Default DLIB_DEFAULTS.jitter. */
  jitter?: number;
  /**
   * Landmarks averaged with those found on the left–right mirror of the face box (mirrored
   * back): one more run of the landmark net per face, for steadier alignment. Default
   * DLIB_DEFAULTS.landmarkMirror for dlib, false for DeepFace (its model was trained without).
   */
  landmarkMirror?: boolean;
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
  /** Align '3d' only: the yaw of the fitted 3D camera, degrees (beyond ~45° most of a frontalized crop is mirrored filling). */
  yaw?: number;
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
  /**
   * The open-set threshold for a gallery of `images` enrolled images: interpolated on log N
   * between the calibrated sizes (clamped at the ends: beyond the largest calibrated size more
   * than `openSetFar` of strangers pass). Undefined when not calibrated.
   */
  openSetThresholdFor(images: number): number | undefined;
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

/** A face aligned: the crop, the landmarks it was cut with, and the 3D camera's yaw when frontalized. */
interface Aligned {
  crop: RgbImage<Uint8Array>;
  landmarks: Float32Array;
  yaw?: number;
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

/** See `Describer.openSetThresholdFor`. */
export function openSetThresholdFor(calibration: Calibration | undefined, images: number): number | undefined {
  const table = calibration?.openSetByGallery;
  if (!table || table.length === 0) return calibration?.openSet;
  if (!(images >= 1)) images = 1;
  if (images <= table[0]!.images) return table[0]!.threshold;
  for (let i = 1; i < table.length; i++) {
    const a = table[i - 1]!;
    const b = table[i]!;
    if (images <= b.images) {
      const t = (Math.log(images) - Math.log(a.images)) / (Math.log(b.images) - Math.log(a.images));
      return a.threshold + t * (b.threshold - a.threshold);
    }
  }
  return table[table.length - 1]!.threshold;
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
  const landmarkMirror = options.landmarkMirror ?? (descriptor === 'dlib' ? DLIB_DEFAULTS.landmarkMirror : false);
  if (!(Number.isInteger(jitter) && jitter >= 0)) throw new RangeError(`jitter must be a whole number ≥ 0, got ${jitter}`);
  if (descriptor === 'dlib' && options.representation !== undefined) throw new RangeError("representation is an option of the deepface descriptor");
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
    const bytes = await readWeightsFileBytes(modelPath);
    const weights = decodeWeightsFile(bytes, modelPath);
    const model = DeepFaceModel.fromWeights(weights);
    if (!model.representationMax) throw new Error(`${modelPath}: the model has no representation.max (F7 normalisation maxima); it was not finalised by the trainer`);
    const representation = oneOf(options.representation ?? 'f7', ['f7', 'projection'] as const, 'representation');
    if (representation === 'projection' && !weights.projection) throw new Error(`${modelPath}: representation 'projection' needs a distilled model, and this file has no distill.projection.weight`);
    const projection = representation === 'projection' ? DistillProjection.fromWeights(weights.projection) : undefined;
    size = model.config.inputSize;
    dim = projection ? projection.outputSize : model.representationSize;
    id = `deepface-${model.config.name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}-${align}${projection ? '-proj' : ''}`;
    const stored = weights.metadata.verify_threshold;
    // The threshold in the model file was calibrated on its own alignment, 3D.
    if (stored !== undefined && align === '3d') metadataThreshold = { value: Number(stored), source: weights.metadata.verify_threshold_source ?? `${modelPath} metadata` };
    describeBatch = async (crops) => {
      const { features } = projection ? await describeCropsProjected(model, projection, crops) : await describeDeepFaceCrops(model, crops);
      return features;
    };
    dispose = () => {
      model.dispose();
      projection?.dispose();
    };
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
  if (landmarkMirror) id += '-lmmirror';

  const calibration = shippedCalibration(id);
  const threshold = options.threshold ?? calibration?.verify ?? metadataThreshold?.value;
  if ((threshold === undefined || !Number.isFinite(threshold)) && options.requireThreshold !== false) {
    dispose();
    throw new Error(`${id}: no calibrated threshold for this describer; run \`pnpm --filter @deepface-ts/describer calibrate\` with these options, or pass a threshold`);
  }
  const thresholdSource = options.threshold !== undefined ? 'given by the caller' : (calibration?.source ?? metadataThreshold?.source ?? 'not calibrated');
  const detector = options.detector ?? (await createFaceDetector({ backend }));

  /** The face's landmarks averaged with those of its mirrored box, mirrored back (`landmarkMirror`). */
  const steadyLandmarks = async (image: RgbImage<Uint8Array>, face: Pick<DetectedFace, 'box' | 'landmarks'>): Promise<Float32Array> => {
    const x0 = Math.max(0, Math.floor(face.box.x));
    const y0 = Math.max(0, Math.floor(face.box.y));
    const x1 = Math.min(image.width, Math.ceil(face.box.x + face.box.width));
    const y1 = Math.min(image.height, Math.ceil(face.box.y + face.box.height));
    const w = x1 - x0;
    const h = y1 - y0;
    if (w < 2 || h < 2) return Float32Array.from(face.landmarks);
    const flipped = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = ((y0 + y) * image.width + x0 + x) * 3;
        const o = (y * w + (w - 1 - x)) * 3;
        flipped[o] = image.data[i]!;
        flipped[o + 1] = image.data[i + 1]!;
        flipped[o + 2] = image.data[i + 2]!;
      }
    }
    const found = await detector.landmarks({ width: w, height: h, channels: 3, data: flipped }, { x: 0, y: 0, width: w, height: h });
    // Mirror back about the region's centre column (pixel centres at integers), with the 68-point index swap.
    const back = mirrorLandmarks(found, 2, (w - 1) / 2);
    const out = new Float32Array(136);
    for (let k = 0; k < 68; k++) {
      out[2 * k] = (face.landmarks[2 * k]! + back[2 * k]! + x0) / 2;
      out[2 * k + 1] = (face.landmarks[2 * k + 1]! + back[2 * k + 1]! + y0) / 2;
    }
    return out;
  };

  /** The aligned crop, with the 3D camera's yaw when frontalizing. */
  const alignFace = async (image: RgbImage<Uint8Array>, given: Pick<DetectedFace, 'box' | 'landmarks'>, source: string): Promise<Aligned> => {
    const landmarks = landmarkMirror ? await steadyLandmarks(image, given) : Float32Array.from(given.landmarks);
    if (align === '3d') {
      const f = frontalizer!.frontalize(image, landmarks, { dtype: 'uint8', source });
      return { crop: f.image as RgbImage<Uint8Array>, landmarks, yaw: f.pose.yaw };
    }
    return { crop: await cropAt(image, landmarks, source), landmarks };
  };

  /** The aligned crop for these landmarks. */
  const cropAt = async (image: RgbImage<Uint8Array>, landmarks: ArrayLike<number>, source: string): Promise<RgbImage<Uint8Array>> => {
    switch (align) {
      case 'chip':
        return extractFaceChip(image, faceChipDetails(landmarks, { size, padding: DLIB_CHIP_PADDING }), { dtype: 'uint8', source }) as RgbImage<Uint8Array>;
      case '3d':
        return frontalizer!.frontalize(image, landmarks, { dtype: 'uint8', source }).image as RgbImage<Uint8Array>;
      case '2d':
        return (await align2d(image, landmarks, { template: template!, fit: 'all', dtype: 'uint8', source })).image as RgbImage<Uint8Array>;
      case 'box':
        return faceApiCrop(image, landmarks, source);
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

  /** Faces of one image, aligned → described faces (jittered views cut from the image). */
  const describeAligned = async (image: RgbImage<Uint8Array>, faces: readonly Pick<DetectedFace, 'box' | 'landmarks' | 'score'>[], aligned: Aligned[], source: string): Promise<DescribedFace[]> => {
    const crops = aligned.map((a) => a.crop);
    const pose = (i: number) => (aligned[i]!.yaw === undefined ? {} : { yaw: aligned[i]!.yaw });
    if (!jitter) {
      const { features, norms } = await describeCrops(crops);
      return faces.map((f, i) => ({ box: f.box, score: f.score, landmarks: aligned[i]!.landmarks, crop: crops[i]!, feature: features[i]!, norm: norms[i]!, ...pose(i) }));
    }
    // dlib-style jittering: the mean of the raw descriptors of `jitter` jittered chips (each mirrored as set).
    const out: DescribedFace[] = [];
    for (const [i, f] of faces.entries()) {
      const details = faceChipDetails(aligned[i]!.landmarks, { size, padding: DLIB_CHIP_PADDING });
      const raws = await describeBatch(jitteredChips(image, details, jitter, 1, { source }));
      const mean = new Float32Array(dim);
      for (const r of raws) for (let k = 0; k < dim; k++) mean[k] += r[k]! / raws.length;
      const u = unit(mean);
      out.push({ box: f.box, score: f.score, landmarks: aligned[i]!.landmarks, crop: crops[i]!, feature: u.feature, norm: u.norm });
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
    openSetThresholdFor: (images) => openSetThresholdFor(calibration, images),
    detector,
    detect: (image) => detector.detect(image),
    crop: async (image, face, source = 'image') => (await alignFace(image, face, source)).crop,
    describeCrops,
    describeFaces: async (image, faces, source = 'image') => describeAligned(image, faces, await Promise.all(faces.map((f) => alignFace(image, f, source))), source),
    async describeImage(image, source = 'image', onSkip) {
      const kept: DetectedFace[] = [];
      const crops: Aligned[] = [];
      for (const face of await detector.detect(image)) {
        try {
          crops.push(await alignFace(image, face, source)); // alignment can fail on a degenerate face: skip it, keep the others
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
