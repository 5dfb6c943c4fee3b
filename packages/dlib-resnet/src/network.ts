/**
 * face-api's face recognition net (`face_recognition_model`): dlib's ResNet-34-like metric
 * network (dlib_face_recognition_resnet_model_v1) as face-api ships it, forward pass written
 * on tfjs-core ops. 150×150 RGB in, 128-D descriptor out; two faces are the same person when
 * the Euclidean distance of their descriptors is below ~0.6.
 *
 * Layers (shapes for a 150×150 input), following face-api's port of dlib:
 *
 *   (x − mean RGB) / 255
 *   conv32_down        7×7 stride 2 'valid' → 72×72×32, scale, ReLU
 *   max pool           3×3 stride 2 'valid' → 35×35×32
 *   conv32_1..3        residual blocks, 35×35×32
 *   conv64_down        down-sampling residual → 17×17×64,  conv64_1..3
 *   conv128_down       → 8×8×128,   conv128_1..2
 *   conv256_down       → 4×4×256 (conv branch 3×3, zero-padded bottom/right), conv256_1..2
 *   conv256_down_out   → 2×2×256 (conv branch 1×1, zero-padded bottom/right)
 *   mean over H, W     → 256;  fc (256 × 128, no bias) → 128
 *
 * Every conv is conv + bias, then a learned per-channel scale and offset (dlib's affine layer,
 * batch norm frozen at training end). Residual block: relu(c1(x)) → c2 (no ReLU) → relu(+ x).
 * Down-sampling block: c1 has stride 2 and 'valid' padding (dlib pads only stride-1 convs);
 * the shortcut is a 2×2 stride-2 'valid' average pool of x, zero-padded in channels when they
 * double; where the conv branch comes out one row / column smaller than the pooled shortcut
 * (8 → 3 vs 4, 4 → 1 vs 2) it is zero-padded at the bottom / right, as dlib's add_prev does.
 *
 * Here each conv's scale is folded into its filter and bias at load time
 * (conv(x, W)·s + b·s + o = conv(x, W·s) + (b·s + o)), so a layer is one fused conv2d.
 */
import { requireWeight, WeightsError, type DecodedWeight } from '@deepface-ts/detect';
import { tf } from '@deepface-ts/kernels';

export const MODEL = 'face_recognition_model';
export const RECOGNITION_INPUT_SIZE = 150;
export const RECOGNITION_MEAN_RGB = [122.782, 117.001, 104.298] as const;
/**
 * Input scale after mean subtraction: face-api's 1/255 (dlib trained with 1/256; the 0.4 %
 * difference moves descriptors by ~1e-3, far below the 0.6 threshold). 1/255 keeps ours equal
 * to the descriptors face-api computes.
 */
export const RECOGNITION_INPUT_SCALE = 1 / 255;
export const DESCRIPTOR_SIZE = 128;
/** Euclidean distance below which face-api / dlib call two descriptors the same person. */
export const RECOGNITION_THRESHOLD = 0.6;
/** Crops per forward pass (bounds the activation memory: ~0.7 MB per crop at the first layer). */
export const MAX_BATCH = 16;

interface Conv {
  /** Filter with the per-channel scale folded in. */
  filter: tf.Tensor4D;
  /** bias · scale + offset. */
  bias: tf.Tensor1D;
}

interface Block {
  conv1: Conv;
  conv2: Conv;
  down: boolean;
}

export interface RecognitionParams {
  first: Conv;
  blocks: Block[];
  fc: tf.Tensor2D;
}

/** Residual blocks in order: [name, input channels, output channels, down-sampling]. */
const BLOCKS: [string, number, number, boolean][] = [
  ['conv32_1', 32, 32, false],
  ['conv32_2', 32, 32, false],
  ['conv32_3', 32, 32, false],
  ['conv64_down', 32, 64, true],
  ['conv64_1', 64, 64, false],
  ['conv64_2', 64, 64, false],
  ['conv64_3', 64, 64, false],
  ['conv128_down', 64, 128, true],
  ['conv128_1', 128, 128, false],
  ['conv128_2', 128, 128, false],
  ['conv256_down', 128, 256, true],
  ['conv256_1', 256, 256, false],
  ['conv256_2', 256, 256, false],
  ['conv256_down_out', 256, 256, true],
];

/** Builds the parameter tensors, checking every weight's shape against the architecture. */
export function recognitionParams(weights: Map<string, DecodedWeight>): RecognitionParams {
  const created: tf.Tensor[] = [];
  const conv = (prefix: string, k: number, cin: number, cout: number): Conv => {
    const w = requireWeight(weights, `${prefix}/conv/filters`, [k, k, cin, cout], MODEL).values as Float32Array;
    const b = requireWeight(weights, `${prefix}/conv/bias`, [cout], MODEL).values as Float32Array;
    const s = requireWeight(weights, `${prefix}/scale/weights`, [cout], MODEL).values as Float32Array;
    const o = requireWeight(weights, `${prefix}/scale/biases`, [cout], MODEL).values as Float32Array;
    const filter = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) filter[i] = w[i]! * s[i % cout]!;
    const bias = new Float32Array(cout);
    for (let c = 0; c < cout; c++) bias[c] = b[c]! * s[c]! + o[c]!;
    if (!filter.every(Number.isFinite) || !bias.every(Number.isFinite)) throw new WeightsError(`${MODEL}: the weights of '${prefix}' hold a non-finite value`);
    const t = { filter: tf.tensor4d(filter, [k, k, cin, cout]), bias: tf.tensor1d(bias) };
    created.push(t.filter, t.bias);
    return t;
  };
  try {
    const first = conv('conv32_down', 7, 3, 32);
    const blocks = BLOCKS.map(([name, cin, cout, down]) => ({ conv1: conv(`${name}/conv1`, 3, cin, cout), conv2: conv(`${name}/conv2`, 3, cout, cout), down }));
    const fcW = requireWeight(weights, 'fc', [256, DESCRIPTOR_SIZE], MODEL).values as Float32Array;
    if (!fcW.every(Number.isFinite)) throw new WeightsError(`${MODEL}: weight 'fc' holds a non-finite value`);
    const fc = tf.tensor2d(fcW, [256, DESCRIPTOR_SIZE]);
    return { first, blocks, fc };
  } catch (err) {
    tf.dispose(created);
    throw err;
  }
}

export function disposeRecognition(p: RecognitionParams): void {
  tf.dispose([p.first.filter, p.first.bias, p.fc, ...p.blocks.flatMap((b) => [b.conv1.filter, b.conv1.bias, b.conv2.filter, b.conv2.bias])]);
}

function convLayer(x: tf.Tensor4D, c: Conv, stride: number, pad: 'same' | 'valid', relu: boolean): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: c.filter, strides: stride, pad, bias: c.bias, activation: relu ? 'relu' : 'linear' });
}

function residual(x: tf.Tensor4D, b: Block): tf.Tensor4D {
  if (!b.down) {
    const out = convLayer(convLayer(x, b.conv1, 1, 'same', true), b.conv2, 1, 'same', false);
    return tf.relu(tf.add(out, x)) as tf.Tensor4D;
  }
  let out = convLayer(convLayer(x, b.conv1, 2, 'valid', true), b.conv2, 1, 'same', false);
  let shortcut = tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D;
  const [, ph, pw, pc] = shortcut.shape;
  const [, oh, ow, oc] = out.shape;
  if (oh < ph || ow < pw) out = tf.pad(out, [[0, 0], [0, ph - oh], [0, pw - ow], [0, 0]]);
  if (pc < oc) shortcut = tf.pad(shortcut, [[0, 0], [0, 0], [0, 0], [0, oc - pc]]);
  return tf.relu(tf.add(out, shortcut)) as tf.Tensor4D;
}

/** [n, 150, 150, 3] input ((pixel − mean) / 255) → [n, 128] descriptors. */
export function recognitionForward(x: tf.Tensor4D, p: RecognitionParams): tf.Tensor2D {
  return tf.tidy(() => {
    let out = convLayer(x, p.first, 2, 'valid', true);
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const b of p.blocks) out = residual(out, b);
    const pooled = tf.mean(out, [1, 2]) as tf.Tensor2D;
    return tf.matMul(pooled, p.fc);
  });
}

