/**
 * face-api's 68-point landmark net (`face_landmark_68_model`): four dense blocks of
 * depthwise-separable convs (32 → 64 → 128 → 256 channels, each halving 112 → 7),
 * a 7×7 average pool and a fully connected layer to 136 outputs (x, y per point, relative
 * to the 112×112 padded square input).
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireWeight, type DecodedWeight } from './manifest';

const MODEL = 'face_landmark_68_model';
export const LANDMARK_INPUT_SIZE = 112;
export const LANDMARK_MEAN_RGB = [122.782, 117.001, 104.298] as const;

interface SeparableConv {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface LandmarkParams {
  first: { filter: tf.Tensor4D; bias: tf.Tensor1D };
  /** blocks[b][k]: conv k of dense block b (block 0 has no separable conv 0). */
  blocks: SeparableConv[][];
  fc: { weights: tf.Tensor2D; bias: tf.Tensor1D };
}

export function landmarkParams(weights: Map<string, DecodedWeight>): LandmarkParams {
  const t = (name: string, rank: number) => {
    const d = requireWeight(weights, name, rank, MODEL);
    return tf.tensor(d.values as Float32Array, d.shape);
  };
  const sep = (prefix: string): SeparableConv => ({
    depthwise: t(`${prefix}/depthwise_filter`, 4) as tf.Tensor4D,
    pointwise: t(`${prefix}/pointwise_filter`, 4) as tf.Tensor4D,
    bias: t(`${prefix}/bias`, 1) as tf.Tensor1D,
  });
  return {
    first: { filter: t('dense0/conv0/filters', 4) as tf.Tensor4D, bias: t('dense0/conv0/bias', 1) as tf.Tensor1D },
    blocks: [0, 1, 2, 3].map((b) => (b === 0 ? [1, 2, 3] : [0, 1, 2, 3]).map((k) => sep(`dense${b}/conv${k}`))),
    fc: { weights: t('fc/weights', 2) as tf.Tensor2D, bias: t('fc/bias', 1) as tf.Tensor1D },
  };
}

export function disposeLandmarks(p: LandmarkParams): void {
  tf.dispose([p.first.filter, p.first.bias, p.fc.weights, p.fc.bias, ...p.blocks.flat().flatMap((s) => [s.depthwise, s.pointwise, s.bias])]);
}

function separable(x: tf.Tensor4D, s: SeparableConv, stride: number, activation: 'linear' | 'relu'): tf.Tensor4D {
  const dw = tf.depthwiseConv2d(x, s.depthwise, stride, 'same');
  return tf.fused.conv2d({ x: dw, filter: s.pointwise, strides: 1, pad: 'valid', bias: s.bias, activation });
}

/**
 * Dense block: out1 = relu(conv0(x)), out2 = sep1(out1), out3 = sep2(relu(out1+out2)),
 * out4 = sep3(relu(out1+out2+out3)), result relu(out1+out2+out3+out4).
 */
function denseBlock(x: tf.Tensor4D, convs: SeparableConv[], first?: LandmarkParams['first']): tf.Tensor4D {
  const out1 = first
    ? tf.fused.conv2d({ x, filter: first.filter, strides: 2, pad: 'same', bias: first.bias, activation: 'relu' })
    : separable(x, convs[0]!, 2, 'relu');
  const rest = first ? convs : convs.slice(1);
  const out2 = separable(out1, rest[0]!, 1, 'linear');
  const sum12 = tf.add(out1, out2) as tf.Tensor4D;
  const out3 = separable(tf.relu(sum12), rest[1]!, 1, 'linear');
  const sum123 = tf.add(sum12, out3) as tf.Tensor4D;
  const out4 = separable(tf.relu(sum123), rest[2]!, 1, 'linear');
  return tf.relu(tf.add(sum123, out4)) as tf.Tensor4D;
}

/** [n, 112, 112, 3] input (mean-subtracted, /255) → [n, 136] relative coordinates. */
export function landmarkForward(x: tf.Tensor4D, p: LandmarkParams): tf.Tensor2D {
  return tf.tidy(() => {
    let out = denseBlock(x, p.blocks[0]!, p.first);
    for (let b = 1; b < 4; b++) out = denseBlock(out, p.blocks[b]!);
    const pooled = tf.avgPool(out, [7, 7], [2, 2], 'valid');
    const flat = tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D;
    return tf.add(tf.matMul(flat, p.fc.weights), p.fc.bias) as tf.Tensor2D;
  });
}
