import * as tf from '@tensorflow/tfjs-core';
import { assertImage, type Image, type RgbImage } from '@deepface-ts/image';
import { useBackend, type BackendName } from './backend';
import { LANDMARK_INPUT_SIZE, LANDMARK_MEAN_RGB, disposeLandmarks, landmarkForward, landmarkParams, type LandmarkParams } from './landmarks';
import { loadWeights, resolveSource, type ModelSource } from './loader';
import type { Corners } from './nms';
import { squareInput, squarePadding } from './preprocess';
import { SSD_INPUT_SIZE, anchorsFor, disposeSsd, ssdDecode, ssdForward, ssdParams, type SsdParams } from './ssd';
import { TINY_MEAN_RGB, disposeTiny, tinyDecode, tinyForward, tinyParams, type TinyParams } from './tiny';
import type { DetectedFace, FaceBox, ScoredBox } from './types';

export interface FaceDetectorOptions {
  /** 'ssd' (SSD MobileNet v1, accurate; default) or 'tiny' (Tiny Face Detector, fast). */
  detector?: 'ssd' | 'tiny';
  /** Minimum detection score in (0, 1); default 0.5 (face-api's default for both). */
  minScore?: number;
  /** Most faces returned per image, best first; default 100. */
  maxFaces?: number;
  /**
   * Network input side, or 'auto' (default), which does not upscale small images.
   * SSD: 128, 256 or 512 (its anchors line up with the feature grids only at powers of two;
   * at 160 it finds 83% of LFW faces against 99.5–100% at 128 / 256). 'auto' takes the power
   * of two nearest half the image's longer side (log scale), clamped to [128, 512], and when
   * that finds no face, tries once more at twice the size; face-api always uses 512. Tiny: a multiple of 32 ≥ 64; 'auto' is the longer side rounded up to a
   * multiple of 32, clamped to [128, 416]; face-api's default is 416. On 250×250 LFW crops
   * 'auto' finds the centred face in 100% (SSD) / 99% (tiny) of 200 people against
   * 89% / 86% at face-api's sizes, and runs 2–3× faster (see the README).
   */
  inputSize?: number | 'auto';
  /** Folder (Node), base URL (browser / http) or custom source of the face-api model files; default: the installed @vladmandic/face-api's model/ folder. */
  modelDir?: string | URL | ModelSource;
  /** tfjs backend: 'wasm' (default; SIMD, single thread) or 'cpu'. */
  backend?: BackendName;
}

export interface FaceDetector {
  /** Faces with boxes, scores and 68 landmarks, best first; [] when there is no face. */
  detect(image: RgbImage): Promise<DetectedFace[]>;
  /** Boxes and scores only (no landmark net). */
  detectBoxes(image: RgbImage): Promise<ScoredBox[]>;
  /** 68 landmarks (136 values, image pixels) for a face box given by the caller. */
  landmarks(image: RgbImage, box: FaceBox): Promise<Float32Array>;
  /** Frees the weight tensors; the detector cannot be used afterwards. */
  dispose(): void;
  readonly options: Readonly<Required<Omit<FaceDetectorOptions, 'modelDir'>>>;
}

const SSD_SIZES = [128, 256, SSD_INPUT_SIZE];
const TINY_DEFAULT_SIZE = 416;

function checkOptions(opts: FaceDetectorOptions) {
  const detector = opts.detector ?? 'ssd';
  if (detector !== 'ssd' && detector !== 'tiny') throw new RangeError(`detector must be 'ssd' or 'tiny', got ${JSON.stringify(opts.detector)}`);
  const minScore = opts.minScore ?? 0.5;
  if (!(minScore > 0 && minScore < 1)) throw new RangeError(`minScore must be in (0, 1), got ${opts.minScore}`);
  const maxFaces = opts.maxFaces ?? 100;
  if (!(Number.isInteger(maxFaces) && maxFaces >= 1)) throw new RangeError(`maxFaces must be a positive integer, got ${opts.maxFaces}`);
  const inputSize = opts.inputSize ?? 'auto';
  if (detector === 'ssd' && inputSize !== 'auto' && !SSD_SIZES.includes(inputSize)) {
    throw new RangeError(`inputSize: the SSD detector runs at ${SSD_SIZES.join(', ')} or 'auto' (its anchor grid lines up only at powers of two), got ${opts.inputSize}`);
  }
  if (detector === 'tiny' && inputSize !== 'auto' && !(Number.isInteger(inputSize) && inputSize >= 64 && inputSize % 32 === 0)) {
    throw new RangeError(`inputSize: the tiny detector needs a multiple of 32 ≥ 64 or 'auto', got ${opts.inputSize}`);
  }
  const backend = opts.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new RangeError(`backend must be 'wasm' or 'cpu', got ${JSON.stringify(opts.backend)}`);
  return { detector, minScore, maxFaces, inputSize, backend } as const;
}

/** The 'auto' input size for a width×height image (see FaceDetectorOptions.inputSize). */
export function autoInputSize(width: number, height: number, detector: 'ssd' | 'tiny'): number {
  const longer = Math.max(width, height);
  // SSD: the power of two nearest half the longer side; faces in a photo are rarely smaller
  // than a quarter of it, and the SSD's smallest anchors are ~1/10 of its input.
  if (detector === 'ssd') return Math.min(SSD_INPUT_SIZE, Math.max(128, 2 ** Math.round(Math.log2(longer / 2))));
  return Math.min(TINY_DEFAULT_SIZE, Math.max(128, Math.ceil(longer / 32) * 32));
}

/** Loads the weights and returns a detector. Rejects with a clear error for bad options or missing / corrupt model files. */
export async function createFaceDetector(opts: FaceDetectorOptions = {}): Promise<FaceDetector> {
  const options = checkOptions(opts);
  const source = await resolveSource(opts.modelDir);
  // Both load at once; when both fail, the detector's error is the one reported, whichever came back first.
  const [det, lmk] = await Promise.allSettled([
    loadWeights(source, options.detector === 'ssd' ? 'ssd_mobilenetv1_model' : 'tiny_face_detector_model'),
    loadWeights(source, 'face_landmark_68_model'),
  ]);
  if (det.status === 'rejected') throw det.reason;
  if (lmk.status === 'rejected') throw lmk.reason;
  const [detWeights, lmWeights] = [det.value, lmk.value];
  await useBackend(options.backend);
  let ssd: SsdParams | undefined;
  let tiny: TinyParams | undefined;
  let lm: LandmarkParams | undefined;
  try {
    if (options.detector === 'ssd') ssd = ssdParams(detWeights);
    else tiny = tinyParams(detWeights);
    lm = landmarkParams(lmWeights);
  } catch (err) {
    if (ssd) disposeSsd(ssd);
    if (tiny) disposeTiny(tiny);
    throw err;
  }
  let disposed = false;

  const begin = async (image: RgbImage, what: string): Promise<RgbImage> => {
    if (disposed) throw new Error('FaceDetector: used after dispose()');
    const img = assertImage(image as Image, { source: what });
    await useBackend(options.backend);
    return img;
  };

  /** Boxes in pixels, clipped to the image. */
  const boxesFor = async (image: RgbImage): Promise<ScoredBox[]> => {
    if (options.inputSize !== 'auto') return boxesAt(image, options.inputSize);
    const size = autoInputSize(image.width, image.height, options.detector);
    const found = await boxesAt(image, size);
    // SSD 'auto' starts small (LFW: 99.5% at 128, 4× cheaper than 256); when that finds
    // nothing it looks once more at twice the size, which brings LFW back to 100%.
    if (found.length > 0 || options.detector !== 'ssd' || size >= SSD_INPUT_SIZE) return found;
    return boxesAt(image, size * 2);
  };

  const boxesAt = async (image: RgbImage, size: number): Promise<ScoredBox[]> => {
    const { width, height } = image;
    const whole = { x: 0, y: 0, width, height };
    const input = new Float32Array(size * size * 3);
    let found: { corners: Corners; score: number }[];
    if (ssd) {
      const p = ssd;
      let grids: number[] = [];
      // SSD input: v / 127.5 − 1.
      squareInput(image, whole, size, false, [127.5, 127.5, 127.5], 1 / 127.5, input);
      const { encodings, logits } = tf.tidy(() => {
        const r = ssdForward(tf.tensor4d(input, [1, size, size, 3]), p);
        grids = r.grids;
        return { encodings: r.encodings, logits: r.logits };
      });
      const [enc, log] = await Promise.all([encodings.data() as Promise<Float32Array>, logits.data() as Promise<Float32Array>]);
      tf.dispose([encodings, logits]);
      found = ssdDecode(enc, log, anchorsFor(p, grids), options.minScore, options.maxFaces);
    } else {
      const p = tiny!;
      squareInput(image, whole, size, false, TINY_MEAN_RGB, 1 / 255, input);
      const grid = tf.tidy(() => tinyForward(tf.tensor4d(input, [1, size, size, 3]), p));
      const cells = grid.shape[0];
      const data = (await grid.data()) as Float32Array;
      grid.dispose();
      found = tinyDecode(data, cells, options.minScore, options.maxFaces);
    }
    // Relative coordinates are fractions of the padded square, whose side is max(w, h).
    const side = Math.max(width, height);
    const out: ScoredBox[] = [];
    for (const { corners, score } of found) {
      const x0 = Math.min(width, Math.max(0, corners[1] * side));
      const y0 = Math.min(height, Math.max(0, corners[0] * side));
      const x1 = Math.min(width, Math.max(0, corners[3] * side));
      const y1 = Math.min(height, Math.max(0, corners[2] * side));
      if (x1 - x0 >= 1 && y1 - y0 >= 1) out.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, score });
    }
    return out;
  };

  /** Landmarks for several boxes at once (one batched run of the landmark net). */
  const landmarksFor = async (image: RgbImage, boxes: FaceBox[]): Promise<Float32Array[]> => {
    if (boxes.length === 0) return [];
    const { width, height } = image;
    // face-api's extractFaceTensors: clip the box to the image, floor x, y, width, height.
    const crops = boxes.map((b, i) => {
      if (![b.x, b.y, b.width, b.height].every(Number.isFinite) || b.width <= 0 || b.height <= 0) {
        throw new RangeError(`landmarks: box ${i} must have finite x, y and positive width, height; got ${JSON.stringify(b)}`);
      }
      const cx = Math.max(b.x, 0);
      const cy = Math.max(b.y, 0);
      const x = Math.floor(cx);
      const y = Math.floor(cy);
      const w = Math.floor(Math.min(b.x + b.width - cx, width - cx));
      const h = Math.floor(Math.min(b.y + b.height - cy, height - cy));
      if (w < 1 || h < 1) {
        throw new RangeError(`landmarks: box ${i} ${JSON.stringify(b)} does not overlap the ${width}×${height} image by a full pixel`);
      }
      return { x, y, w, h };
    });
    const p = lm!;
    const S = LANDMARK_INPUT_SIZE;
    const batch = new Float32Array(crops.length * S * S * 3);
    crops.forEach(({ x, y, w, h }, i) => squareInput(image, { x, y, width: w, height: h }, S, true, LANDMARK_MEAN_RGB, 1 / 255, batch, i * S * S * 3));
    const out = tf.tidy(() => landmarkForward(tf.tensor4d(batch, [crops.length, S, S, 3]), p));
    const rel = (await out.data()) as Float32Array;
    out.dispose();
    return crops.map(({ x, y, w, h }, i) => {
      // Undo the centred square padding: relative coordinates span the padded square.
      const side = Math.max(w, h);
      const pad = squarePadding(h, w, true);
      const offX = x - (pad.axis === 1 ? pad.before : 0);
      const offY = y - (pad.axis === 0 ? pad.before : 0);
      const pts = new Float32Array(136);
      for (let k = 0; k < 68; k++) {
        pts[2 * k] = rel[i * 136 + 2 * k]! * side + offX;
        pts[2 * k + 1] = rel[i * 136 + 2 * k + 1]! * side + offY;
      }
      return pts;
    });
  };

  return {
    options,
    detectBoxes: async (image) => boxesFor(await begin(image, 'detectBoxes')),
    detect: async (image) => {
      const img = await begin(image, 'detect');
      const boxes = await boxesFor(img);
      const marks = await landmarksFor(img, boxes.map((b) => b.box));
      return boxes.map((b, i) => ({ box: b.box, score: b.score, landmarks: marks[i]! }));
    },
    landmarks: async (image, box) => (await landmarksFor(await begin(image, 'landmarks'), [box]))[0]!,
    dispose() {
      if (disposed) return;
      disposed = true;
      if (ssd) disposeSsd(ssd);
      if (tiny) disposeTiny(tiny);
      if (lm) disposeLandmarks(lm);
    },
  };
}
