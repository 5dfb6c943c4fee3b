import { decodeImage } from '@deepface-ts/datasets';
import { resizeBilinear, type RgbImage } from '@deepface-ts/image';
import { lbpDescriptor, lbpDescriptorLength, type LbpOptions } from '@deepface-ts/lbp';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { createFaceDetector, createFaceRecognizer, DESCRIPTOR_SIZE, RECOGNITION_INPUT_SIZE } from '@deepface-ts/detect';
import { initBackend, tf } from '@deepface-ts/kernels';
import { cropToInput, decodeWeightsFile, DeepFaceModel, normaliseRepresentation } from '@deepface-ts/network';
import { createProgress, type Progress } from '@deepface-ts/progress';
import { createAligner, type Aligner, type Framing } from './align';
import type { Align, DescriptorName } from './args';
import { DescriptorCache } from './cache';

/** How a raw (unaligned) crop is taken: the centre square of side `fraction`·min(w, h), resized to `size`. */
export interface CropSpec {
  fraction: number;
  size: number;
  /**
   * Where the face is, when it is not the image centre (video frames with a face box): the
   * region of the decoded image that stands for the image (the raw crop is its centre square,
   * alignment searches it). `key` names the rule in the cache key.
   */
  region?: { key: string; of(image: RgbImage<Uint8Array>, path: string): RgbImage<Uint8Array> };
}

export interface Descriptor {
  name: DescriptorName;
  /** Crop side the descriptor needs (a network's input size); the dataset's crop size otherwise. */
  inputSize?: number;
  dim: number;
  /** Part of the cache key: change it whenever the output of `describe` changes. */
  version: string;
  /** Histogram bins per cell, for protocols that work per cell (restricted LFW); absent for non-histogram descriptors. */
  binsPerCell?: number;
  /**
   * Framing of aligned crops (the alignment template's inter-ocular distance and eye line as
   * fractions of the crop side); the default template's when absent. A network needs the
   * framing it was trained on; LBP sets its own (see LBP_FRAMING).
   */
  framing?: Framing;
  /** Values can be negative: χ² (made for histograms) does not apply, so verification and identification score by cosine only. */
  signed?: boolean;
  describe(image: RgbImage, source: string): Float32Array;
}

// Settings of the LFW baseline (see packages/lbp README): radius 2, 7×7 cells on a 100×100 crop.
const LBP_OPTIONS: LbpOptions = { radius: 2, grid: [7, 7] };
/**
 * LBP's aligned crops are framed like its raw LFW crop: the centre 0.4 of a 250×250 LFW image
 * is 100 px, with a mean inter-ocular distance of 41.3 px (measured on View 2's 7,701
 * images), so an inter-ocular distance of 0.4 of the crop side frames the aligned crops about
 * as the raw ones — the three alignments compare like for like. Chosen on LFW View 1 (see the
 * README): of 0.32, 0.36 and 0.40 it gives the best 2D and near-best 3D AUC.
 */
const LBP_FRAMING: Framing = { interOcular: 0.4 };
/**
 * Part of the cache key of aligned descriptors: bump it whenever detection or alignment
 * changes their output (v2: SSD 'auto' input size, 2D fit on all 68 landmarks without re-detection).
 */
export const ALIGNMENT_VERSION = 'v2';

export async function createDescriptor(name: DescriptorName, options: { model?: string } = {}): Promise<Descriptor> {
  switch (name) {
    case 'lbp':
      return { name, dim: lbpDescriptorLength(LBP_OPTIONS), version: 'lbp-r2-7x7-v1', binsPerCell: 59, framing: LBP_FRAMING, describe: (img, source) => lbpDescriptor(img, LBP_OPTIONS, source) };
    case 'deepface':
      return deepFaceDescriptor(options.model ?? defaultModelPath());
    case 'faceapi':
      return faceApiDescriptor();
  }
}

/**
 * face-api's pretrained 128-D face recognition net (dlib's ResNet, @deepface-ts/detect's
 * createFaceRecognizer) on the 150×150 (aligned) crop, L2-normalised. Its values are signed,
 * so only cosine applies (on unit vectors, cosine ranks pairs as Euclidean distance does).
 */
async function faceApiDescriptor(): Promise<Descriptor> {
  const recognizer = await createFaceRecognizer({ backend: 'wasm' });
  return {
    name: 'faceapi',
    inputSize: RECOGNITION_INPUT_SIZE,
    dim: DESCRIPTOR_SIZE,
    // The weights are those of @vladmandic/face-api 1.7.15 (pinned by @deepface-ts/detect).
    version: 'faceapi-1.7.15-recognition-l2-v1',
    signed: true,
    describe(img, source) {
      const d = recognizer.describeSync(img, source);
      let ss = 0;
      for (const v of d) ss += v * v;
      const n = Math.sqrt(ss);
      if (!(n > 0)) throw new Error(`${source}: face-api descriptor has zero norm`);
      for (let i = 0; i < d.length; i++) d[i] /= n;
      return d;
    },
  };
}

/** The model shipped with @deepface-ts/network. */
export function defaultModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@deepface-ts/network/package.json')), 'models', 'deepface-default.safetensors');
}

/**
 * DeepFace features (SPEC §2): the network's F7 on the (aligned) crop, divided by the
 * training-set maxima and L2-normalised. The cache key includes a hash of the weights file, so a new
 * model never reuses old descriptors.
 */
async function deepFaceDescriptor(modelPath: string): Promise<Descriptor> {
  if (!existsSync(modelPath)) throw new Error(`${modelPath}: DeepFace model not found (train one with \`pnpm train\`, or pass --model)`);
  await initBackend('wasm');
  const bytes = readFileSync(modelPath);
  const weights = decodeWeightsFile(bytes, modelPath);
  const model = DeepFaceModel.fromWeights(weights);
  const maxima = model.representationMax;
  if (!maxima) throw new Error(`${modelPath}: no representation.max (F7 normalisation maxima) in the model`);
  const size = model.config.inputSize;
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return {
    name: 'deepface',
    inputSize: size,
    dim: model.representationSize,
    version: `deepface-${model.config.name}-${digest}`,
    describe(img, source) {
      const crop = img.width === size && img.height === size ? img : resizeBilinear(img, size, size);
      const input = new Float32Array(size * size * 3);
      cropToInput(crop, size, model.config.inputMode, input, 0, source);
      const f7 = tf.tidy(() => model.forward(tf.tensor4d(input, [1, size, size, 3])).f7.dataSync() as Float32Array);
      return normaliseRepresentation(f7, maxima);
    },
  };
}

/** The centre square crop of an image, resized to spec.size (no resampling when it already matches). */
export function centreCrop(image: RgbImage<Uint8Array>, spec: CropSpec): RgbImage<Uint8Array> {
  const side = Math.max(3, Math.round(spec.fraction * Math.min(image.width, image.height)));
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + side) * 3), y * side * 3);
  const crop: RgbImage<Uint8Array> = { width: side, height: side, channels: 3, data };
  return side === spec.size ? crop : (resizeBilinear(crop, spec.size, spec.size) as RgbImage<Uint8Array>);
}

export interface DescribeResult {
  descriptors: Map<string, Float32Array>;
  failed: { path: string; error: string }[];
  fromCache: number;
  /** Images described from the raw centre crop because no face was detected (aligned runs only; this run's new images). */
  unaligned: number;
  seconds: number;
}

/**
 * Describes every image (decode → crop/align → descriptor), reusing and filling the cache.
 * A bad image is recorded in `failed` and skipped; the run goes on. The cache is saved every
 * 1,000 new images and at the end, so an interrupted run keeps its work.
 */
export async function describeImages(
  paths: readonly string[],
  options: {
    descriptor: Descriptor;
    align: Align;
    crop: CropSpec;
    cacheDir: string | null;
    workers: number;
    label: string;
    /** A progress bar shared by several calls (ticked per new image; the caller ends it); else one of this call's own. */
    progress?: Progress;
  },
): Promise<DescribeResult> {
  const { descriptor, align, crop } = options;
  const t0 = performance.now();
  const framing = descriptor.framing ?? {};
  const alignKey = align === 'none' ? '' : `-${ALIGNMENT_VERSION}${framing.interOcular ? `-io${framing.interOcular}` : ''}${framing.eyeLine ? `-el${framing.eyeLine}` : ''}`;
  const cache = await DescriptorCache.open(options.cacheDir, `${descriptor.version}-${align}${alignKey}-c${crop.fraction}-s${crop.size}${crop.region ? `-${crop.region.key}` : ''}`, descriptor.dim);
  const descriptors = new Map<string, Float32Array>();
  const todo: string[] = [];
  for (const p of new Set(paths)) {
    const hit = cache.get(p);
    if (hit) descriptors.set(p, hit);
    else todo.push(p);
  }
  const fromCache = descriptors.size;
  const failed: DescribeResult['failed'] = [];
  let unaligned = 0;
  if (todo.length > 0) {
    // Detection runs on the tfjs wasm backend (one thread); the aligner is made only when needed.
    const detector = align === 'none' ? undefined : await createFaceDetector();
    const aligner: Aligner | undefined = detector && align !== 'none' ? createAligner(align, crop.size, detector, (image) => centreCrop(image, crop), framing) : undefined;
    const progress = options.progress ?? createProgress({ label: options.label, total: todo.length, unit: 'img' });
    let next = 0;
    let saving: Promise<void> = Promise.resolve();
    const worker = async () => {
      while (next < todo.length) {
        const path = todo[next++]!;
        try {
          const decoded = await decodeImage(path);
          const image = crop.region ? crop.region.of(decoded, path) : decoded;
          let input = centreCrop(image, crop);
          if (aligner) {
            const result = await aligner.align(image, path);
            input = result.crop;
            if (!result.aligned) unaligned++;
          }
          const row = descriptor.describe(input, path);
          descriptors.set(path, row);
          cache.set(path, row);
          if (cache.unsaved >= 1000) saving = saving.then(() => cache.save());
        } catch (error) {
          failed.push({ path, error: (error as Error).message });
        }
        progress.tick(1, failed.length ? `${failed.length} failed` : undefined);
      }
    };
    await Promise.all(Array.from({ length: options.workers }, worker));
    await saving;
    detector?.dispose();
    if (!options.progress) progress.done([failed.length ? `${failed.length} images failed` : '', unaligned ? `${unaligned} without a detected face (raw centre crop used)` : ''].filter(Boolean).join('; ') || undefined);
  }
  await cache.save();
  return { descriptors, failed, fromCache, unaligned, seconds: (performance.now() - t0) / 1000 };
}
