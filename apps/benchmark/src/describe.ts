import { decodeImage } from '@deepface-ts/datasets';
import { resizeBilinear, type RgbImage } from '@deepface-ts/image';
import { lbpDescriptor, lbpDescriptorLength, type LbpOptions } from '@deepface-ts/lbp';
import { createDescriber, DescriptorCache, type Describer } from '@deepface-ts/describer';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '@deepface-ts/detect';
import { chooseFace } from '@deepface-ts/frontalize';
import { createProgress, type Progress } from '@deepface-ts/progress';
import { createAligner, type Aligner, type Framing } from './align';
import type { Align, DescriptorName } from './args';

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
  /**
   * The networks (dlib, deepface) align and describe a detected face through the describer
   * every app uses (@deepface-ts/describer); LBP has none and goes through `createAligner`.
   */
  describer?: Describer;
  /** Describes a crop that needs no alignment (a raw centre crop, or LBP's aligned crop). */
  describe(image: RgbImage<Uint8Array>, source: string): Float32Array | Promise<Float32Array>;
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

export interface DescriptorOptions {
  /** DeepFace weights (default: the model shipped with @deepface-ts/network). */
  model?: string;
  /** The alignment the networks' describer makes ('none': the describer is used on raw crops only). */
  align?: Align;
  /** dlib: test-time mirroring / jittering (default: the describer's, chosen on LFW View 1). */
  mirror?: boolean;
  jitter?: number;
  /** Landmarks averaged with those of the mirrored face box (default: the describer's). */
  landmarkMirror?: boolean;
  /** DeepFace: normalised F7 (default) or a distilled model's projection. */
  representation?: 'f7' | 'projection';
}

export async function createDescriptor(name: DescriptorName, options: DescriptorOptions = {}): Promise<Descriptor> {
  switch (name) {
    case 'lbp':
      return { name, dim: lbpDescriptorLength(LBP_OPTIONS), version: 'lbp-r2-7x7-v1', binsPerCell: 59, framing: LBP_FRAMING, describe: (img, source) => lbpDescriptor(img, LBP_OPTIONS, source) };
    case 'deepface':
    case 'dlib':
    case 'faceapi':
      return networkDescriptor(name, options);
  }
}

/**
 * A network descriptor through the shared describer: dlib's ResNet ('dlib'; 'faceapi' is its
 * old name) on its chip by default, or the DeepFace network on its 3D crop. dlib's values are
 * signed, so it is scored by cosine only (on unit vectors cosine ranks pairs as Euclidean
 * distance does); DeepFace's normalised F7 is non-negative, so χ² applies too. The cache key
 * is the describer's id, which names the weights (DeepFace: a hash of the file), the alignment
 * and the test-time options.
 */
async function networkDescriptor(name: 'deepface' | 'dlib' | 'faceapi', options: DescriptorOptions): Promise<Descriptor> {
  const align = options.align ?? 'none';
  if (align === '2d' && name !== 'deepface') throw new Error(`--align 2d is for LBP and DeepFace; dlib takes chip, box, 3d or none`);
  const describer = await createDescriber({
    descriptor: name === 'deepface' ? 'deepface' : 'dlib',
    model: options.model,
    align: align === 'none' ? undefined : align,
    mirror: options.mirror,
    jitter: options.jitter,
    landmarkMirror: options.landmarkMirror,
    representation: options.representation,
    requireThreshold: false,
  });
  const describe = async (img: RgbImage<Uint8Array>, source: string) => {
    const size = describer.inputSize;
    const crop = img.width === size && img.height === size ? img : (resizeBilinear(img, size, size) as RgbImage<Uint8Array>);
    try {
      return (await describer.describeCrops([crop])).features[0]!;
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  };
  return {
    name,
    inputSize: describer.inputSize,
    dim: describer.dim,
    version: describer.id,
    signed: describer.descriptor === 'dlib',
    describer: align === 'none' ? undefined : describer,
    describe,
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

/** Values per cached face: found (1/0), box x, y, width, height, score, then the 68 landmarks' 136 coordinates. */
const FACE_ROW = 6 + 136;
/** Part of the face cache key: bump it when the detector or the face choice changes. */
export const FACE_CACHE_VERSION = `faces-${ALIGNMENT_VERSION}-nearest-centre`;

/**
 * Each image's face nearest the centre (benchmark images are dataset crops centred on their
 * subject), detected once and cached, so runs that differ only in alignment or descriptor
 * (dlib chip ± mirror, box crop, 3D crop, …) share one detection pass.
 */
export class FaceCache {
  private constructor(
    private readonly cache: DescriptorCache,
    private readonly detector: () => Promise<FaceDetector>,
  ) {}

  static async open(dir: string | null, detector: () => Promise<FaceDetector>, key = FACE_CACHE_VERSION): Promise<FaceCache> {
    return new FaceCache(await DescriptorCache.open(dir, key, FACE_ROW), detector);
  }

  /** The face (undefined: none detected), from the cache or detected now. */
  async face(image: RgbImage<Uint8Array>, path: string): Promise<DetectedFace | undefined> {
    let row = this.cache.get(path);
    if (!row) {
      const face = chooseFace(await (await this.detector()).detect(image), 'nearest-centre', image.width, image.height);
      row = new Float32Array(FACE_ROW);
      if (face) {
        row.set([1, face.box.x, face.box.y, face.box.width, face.box.height, face.score]);
        row.set(face.landmarks, 6);
      }
      this.cache.set(path, row);
    }
    if (row[0] !== 1) return undefined;
    return { box: { x: row[1]!, y: row[2]!, width: row[3]!, height: row[4]! }, score: row[5]!, landmarks: row.slice(6) };
  }

  get unsaved(): number {
    return this.cache.unsaved;
  }

  save(): Promise<void> {
    return this.cache.save();
  }
}

/**
 * Describes every image (decode → face → crop/align → descriptor), reusing and filling the
 * caches. A bad image is recorded in `failed` and skipped; the run goes on. The caches are
 * saved every 1,000 new images and at the end, so an interrupted run keeps its work.
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
    // Detection runs on the tfjs wasm backend (one thread); the detector is made only when an uncached face needs it.
    let detector: Promise<FaceDetector> | undefined;
    const faces = align === 'none' ? undefined : await FaceCache.open(options.cacheDir, () => (detector ??= createFaceDetector()), `${FACE_CACHE_VERSION}${crop.region ? `-${crop.region.key}` : ''}`);
    // LBP's crops: frontalize's face aligner, fed the cached face of the image it is given.
    const pathOf = new WeakMap<RgbImage, string>();
    const finder = faces && { detect: async (image: RgbImage) => [await faces.face(image as RgbImage<Uint8Array>, pathOf.get(image)!)].filter((f) => f !== undefined), landmarks: () => Promise.reject(new Error('no re-detection')) };
    const aligner = finder && !descriptor.describer && (align === '2d' || align === '3d') ? createAligner(align, crop.size, finder, (image) => centreCrop(image, crop), framing) : undefined;
    const progress = options.progress ?? createProgress({ label: options.label, total: todo.length, unit: 'img' });
    let next = 0;
    let saving: Promise<void> = Promise.resolve();
    const worker = async () => {
      while (next < todo.length) {
        const path = todo[next++]!;
        try {
          const decoded = await decodeImage(path);
          const image = crop.region ? crop.region.of(decoded, path) : decoded;
          pathOf.set(image, path);
          const row = await describeOne(image, path, descriptor, align, crop, faces, aligner, () => unaligned++);
          descriptors.set(path, row);
          cache.set(path, row);
          if (cache.unsaved >= 1000) saving = saving.then(() => cache.save());
          if (faces && faces.unsaved >= 1000) saving = saving.then(() => faces.save());
        } catch (error) {
          failed.push({ path, error: (error as Error).message });
        }
        progress.tick(1, failed.length ? `${failed.length} failed` : undefined);
      }
    };
    await Promise.all(Array.from({ length: options.workers }, worker));
    await saving;
    await faces?.save();
    if (detector) (await detector).dispose();
    if (!options.progress) progress.done([failed.length ? `${failed.length} images failed` : '', unaligned ? `${unaligned} without a detected face (raw centre crop used)` : ''].filter(Boolean).join('; ') || undefined);
  }
  await cache.save();
  return { descriptors, failed, fromCache, unaligned, seconds: (performance.now() - t0) / 1000 };
}

/**
 * One image's descriptor. Aligned runs take the cached face: a network descriptor aligns and
 * describes it through the describer (as verify and identify do), LBP through frontalize's
 * aligner. With no face, or when alignment fails, the raw centre crop is described instead
 * and counted (`onUnaligned`), so every pair of the protocol still gets a score.
 */
async function describeOne(
  image: RgbImage<Uint8Array>,
  path: string,
  descriptor: Descriptor,
  align: Align,
  crop: CropSpec,
  faces: FaceCache | undefined,
  aligner: Aligner | undefined,
  onUnaligned: () => void,
): Promise<Float32Array> {
  if (align !== 'none') {
    if (descriptor.describer) {
      const face = await faces!.face(image, path);
      if (face) {
        try {
          return (await descriptor.describer.describeFaces(image, [face], path))[0]!.feature;
        } catch {
          // a degenerate face (alignment failed): the raw crop below
        }
      }
    } else {
      if (!aligner) throw new Error(`--align ${align} needs a network descriptor (dlib or deepface); LBP takes none, 2d or 3d`);
      const aligned = await aligner.align(image, path);
      if (aligned.aligned) return descriptor.describe(aligned.crop, path);
    }
    onUnaligned();
  }
  return descriptor.describe(centreCrop(image, crop), path);
}
