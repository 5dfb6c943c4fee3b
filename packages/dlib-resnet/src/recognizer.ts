/**
 * The dlib ResNet as a face recognizer: crops in, 128-D descriptors out, in batches, with
 * optional test-time mirroring (the descriptor of a crop and of its left–right mirror,
 * averaged: a face and its mirror image are the same person, and averaging the two cancels
 * part of the net's left–right asymmetry).
 */
import { loadWeights, resolveSource, squareInput, useBackend, type BackendName, type ModelSource } from '@deepface-ts/detect';
import { assertImage, type Image, type RgbImage } from '@deepface-ts/image';
import { tf } from '@deepface-ts/kernels';
import {
  DESCRIPTOR_SIZE,
  disposeRecognition,
  MAX_BATCH,
  MODEL,
  RECOGNITION_INPUT_SCALE,
  RECOGNITION_INPUT_SIZE,
  RECOGNITION_MEAN_RGB,
  recognitionForward,
  recognitionParams,
} from './network';

export interface FaceRecognizerOptions {
  /** Folder (Node), base URL (browser / http) or custom source of the face-api model files; default: the installed @vladmandic/face-api's model/ folder. */
  modelDir?: string | URL | ModelSource;
  /** tfjs backend: 'wasm' (default; SIMD, single thread) or 'cpu'. */
  backend?: BackendName;
}

export interface DescribeOptions {
  /** Also describe each crop's left–right mirror and average the two descriptors (default false). */
  mirror?: boolean;
}

export interface FaceRecognizer {
  /**
   * 128-D descriptors, one per crop, computed in batches. A crop of any size is zero-padded
   * to a centred square and resized to 150×150 (face-api's pre-processing); a 150×150 chip
   * (`@deepface-ts/frontalize`'s `faceChip`, dlib's alignment) goes in unchanged.
   */
  describe(crops: readonly RgbImage[], options?: DescribeOptions): Promise<Float32Array[]>;
  /**
   * One crop, synchronously (`dataSync`); same values as `describe([crop])[0]`. `source`
   * (e.g. the file name) is quoted in errors.
   */
  describeSync(crop: RgbImage, source?: string, options?: DescribeOptions): Float32Array;
  /** Frees the weight tensors; the recognizer cannot be used afterwards. */
  dispose(): void;
  readonly options: Readonly<{ backend: BackendName }>;
}

const S = RECOGNITION_INPUT_SIZE;
const PER_CROP = S * S * 3;

/** Writes the left–right mirror of the HWC input at `from` to `to` (both S×S×3, in `buf`). */
function mirrorInput(buf: Float32Array, from: number, to: number): void {
  for (let y = 0; y < S; y++) {
    const row = y * S * 3;
    for (let x = 0; x < S; x++) {
      const i = from + row + x * 3;
      const o = to + row + (S - 1 - x) * 3;
      buf[o] = buf[i]!;
      buf[o + 1] = buf[i + 1]!;
      buf[o + 2] = buf[i + 2]!;
    }
  }
}

/** Loads the weights and returns a recognizer. Rejects with a clear error for bad options or missing / corrupt model files. */
export async function createFaceRecognizer(opts: FaceRecognizerOptions = {}): Promise<FaceRecognizer> {
  const backend = opts.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new RangeError(`backend must be 'wasm' or 'cpu', got ${JSON.stringify(opts.backend)}`);
  const source = await resolveSource(opts.modelDir);
  const weights = await loadWeights(source, MODEL);
  await useBackend(backend);
  const params = recognitionParams(weights);
  let disposed = false;

  const check = (crop: RgbImage, what: string): RgbImage => {
    if (disposed) throw new Error('FaceRecognizer: used after dispose()');
    return assertImage(crop as Image, { source: what });
  };
  const checkOptions = (o: DescribeOptions | undefined, what: string): boolean => {
    if (o === undefined) return false;
    if (typeof o !== 'object' || o === null) throw new TypeError(`${what}: options must be an object, got ${o === null ? 'null' : typeof o}`);
    if (o.mirror !== undefined && typeof o.mirror !== 'boolean') throw new TypeError(`${what}: mirror must be true or false, got ${JSON.stringify(o.mirror)}`);
    return o.mirror === true;
  };

  /** Runs the net on checked crops (each followed by its mirror when `mirror`); returns the [n or 2n, 128] output tensor. */
  const forward = (crops: readonly RgbImage[], mirror: boolean): tf.Tensor2D => {
    const views = mirror ? 2 : 1;
    const input = new Float32Array(crops.length * views * PER_CROP);
    crops.forEach((c, i) => {
      const at = i * views * PER_CROP;
      squareInput(c, { x: 0, y: 0, width: c.width, height: c.height }, S, true, RECOGNITION_MEAN_RGB, RECOGNITION_INPUT_SCALE, input, at);
      if (mirror) mirrorInput(input, at, at + PER_CROP);
    });
    return tf.tidy(() => recognitionForward(tf.tensor4d(input, [crops.length * views, S, S, 3]), params));
  };

  /** One descriptor per crop: the row, or the mean of the crop's two rows when mirrored. */
  const rows = (data: Float32Array, n: number, mirror: boolean): Float32Array[] =>
    Array.from({ length: n }, (_, i) => {
      if (!mirror) return data.slice(i * DESCRIPTOR_SIZE, (i + 1) * DESCRIPTOR_SIZE);
      const out = new Float32Array(DESCRIPTOR_SIZE);
      const a = 2 * i * DESCRIPTOR_SIZE;
      for (let k = 0; k < DESCRIPTOR_SIZE; k++) out[k] = (data[a + k]! + data[a + DESCRIPTOR_SIZE + k]!) / 2;
      return out;
    });

  const activate = (what: string) => {
    if (tf.getBackend() !== backend) {
      // The backend was initialised by createFaceRecognizer, so switching back to it is synchronous.
      void tf.setBackend(backend);
      if (tf.getBackend() !== backend) throw new Error(`${what}: the active tfjs backend is '${tf.getBackend()}', not '${backend}'; use describe() instead`);
    }
  };

  return {
    options: { backend },
    async describe(crops, options) {
      if (!Array.isArray(crops)) throw new TypeError(`describe: expected an array of RGB face crops, got ${crops === null ? 'null' : typeof crops}`);
      const mirror = checkOptions(options, 'describe');
      const checked = crops.map((c, i) => check(c, `describe: crop ${i}`));
      await useBackend(backend);
      const out: Float32Array[] = [];
      const step = mirror ? MAX_BATCH / 2 : MAX_BATCH;
      for (let i = 0; i < checked.length; i += step) {
        const batch = checked.slice(i, i + step);
        const t = forward(batch, mirror);
        try {
          out.push(...rows((await t.data()) as Float32Array, batch.length, mirror));
        } finally {
          t.dispose();
        }
      }
      return out;
    },
    describeSync(crop, source = 'describeSync', options) {
      const mirror = checkOptions(options, source);
      const c = check(crop, source);
      activate(source);
      const t = forward([c], mirror);
      try {
        return rows(t.dataSync() as Float32Array, 1, mirror)[0]!;
      } finally {
        t.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      disposeRecognition(params);
    },
  };
}

/** Euclidean distance of two descriptors (face-api's `euclideanDistance`); below `RECOGNITION_THRESHOLD` (0.6) means the same person. */
export function descriptorDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`descriptorDistance: lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}
