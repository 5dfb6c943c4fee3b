/**
 * face-api's Tiny Face Detector (`tiny_face_detector_model`): a Tiny-YOLOv2-style net with
 * depthwise-separable convolutions and leaky ReLU (α = 0.1), 5 anchors per cell on a
 * stride-32 grid, forward pass written on tfjs-core ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireWeight, type DecodedWeight } from './manifest';
import { nonMaxSuppression, type Corners } from './nms';

const MODEL = 'tiny_face_detector_model';
export const TINY_MEAN_RGB = [117.001, 114.697, 97.404] as const;
export const TINY_IOU_THRESHOLD = 0.4;
/** Anchor (width, height) in grid cells. */
const ANCHORS: [number, number][] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const LEAK = 0.10000000149011612;

interface SeparableConv {
  depthwise: tf.Tensor4D;
  pointwise: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface TinyParams {
  conv0: { filter: tf.Tensor4D; bias: tf.Tensor1D };
  separable: SeparableConv[];
  conv8: { filter: tf.Tensor4D; bias: tf.Tensor1D };
}

export function tinyParams(weights: Map<string, DecodedWeight>): TinyParams {
  const t4 = (name: string) => {
    const d = requireWeight(weights, name, 4, MODEL);
    return tf.tensor4d(d.values as Float32Array, d.shape as [number, number, number, number]);
  };
  const t1 = (name: string) => tf.tensor1d(requireWeight(weights, name, 1, MODEL).values as Float32Array);
  return {
    conv0: { filter: t4('conv0/filters'), bias: t1('conv0/bias') },
    separable: [1, 2, 3, 4, 5].map((i) => ({
      depthwise: t4(`conv${i}/depthwise_filter`),
      pointwise: t4(`conv${i}/pointwise_filter`),
      bias: t1(`conv${i}/bias`),
    })),
    conv8: { filter: t4('conv8/filters'), bias: t1('conv8/bias') },
  };
}

export function disposeTiny(p: TinyParams): void {
  tf.dispose([p.conv0.filter, p.conv0.bias, p.conv8.filter, p.conv8.bias, ...p.separable.flatMap((s) => [s.depthwise, s.pointwise, s.bias])]);
}

/** Raw grid output [cells, cells, 25] for a [1, size, size, 3] input, mean-subtracted and /255. */
export function tinyForward(x: tf.Tensor4D, p: TinyParams): tf.Tensor3D {
  return tf.tidy(() => {
    let out = tf.fused.conv2d({ x, filter: p.conv0.filter, strides: 1, pad: 'valid', bias: p.conv0.bias, activation: 'leakyrelu', leakyreluAlpha: LEAK });
    p.separable.forEach((s) => {
      out = tf.maxPool(out, [2, 2], 2, 'same');
      // face-api pads by 1 and runs 'valid': identical to 'same' for a 3×3 stride-1 kernel.
      const dw = tf.depthwiseConv2d(out, s.depthwise, 1, 'same');
      out = tf.fused.conv2d({ x: dw, filter: s.pointwise, strides: 1, pad: 'valid', bias: s.bias, activation: 'leakyrelu', leakyreluAlpha: LEAK });
    });
    // A stride-1 pool keeps the stride-32 grid before the 1×1 output conv.
    out = tf.maxPool(out, [2, 2], 1, 'same');
    const grid = tf.fused.conv2d({ x: out, filter: p.conv8.filter, strides: 1, pad: 'valid', bias: p.conv8.bias });
    return tf.squeeze(grid, [0]) as tf.Tensor3D;
  });
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * YOLO decoding: per cell and anchor, score = σ(t₄), centre = (cell + σ(t₀,₁)) / cells,
 * size = anchor · exp(t₂,₃) / cells; then NMS (IoU 0.4). Boxes are [ymin, xmin, ymax, xmax]
 * relative to the padded square input, best first (not clipped).
 */
export function tinyDecode(grid: Float32Array, cells: number, minScore: number, maxFaces: number): { corners: Corners; score: number }[] {
  const boxes: Corners[] = [];
  const scores: number[] = [];
  const na = ANCHORS.length;
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < na; a++) {
        const o = ((row * cells + col) * na + a) * 5;
        const score = sigmoid(grid[o + 4]!);
        if (!(score > minScore)) continue;
        const cx = (col + sigmoid(grid[o]!)) / cells;
        const cy = (row + sigmoid(grid[o + 1]!)) / cells;
        const w = (Math.exp(grid[o + 2]!) * ANCHORS[a]![0]) / cells;
        const h = (Math.exp(grid[o + 3]!) * ANCHORS[a]![1]) / cells;
        boxes.push([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2]);
        scores.push(score);
      }
    }
  }
  const keep = nonMaxSuppression(boxes, scores, TINY_IOU_THRESHOLD, maxFaces);
  return keep.map((k) => ({ corners: boxes[k]!, score: scores[k]! }));
}
