/**
 * SSD MobileNet v1 face detector (face-api's `ssd_mobilenetv1_model`), forward pass written
 * on tfjs-core ops. Architecture: MobileNet v1 (13 depthwise-separable pairs, relu6,
 * batch-norm folded here into the depthwise filters), 8 extra pointwise layers, six box
 * predictors (3 anchors per cell on the stride-16 map, 6 elsewhere) → 5118 anchors for a
 * 512×512 input, decoded with the anchors stored in the weights (`Output/extra_dim`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { requireWeight, type DecodedWeight } from './manifest';
import { nonMaxSuppression, type Corners } from './nms';

const MODEL = 'ssd_mobilenetv1_model';
const BN_EPSILON = 0.0010000000474974513;
export const SSD_INPUT_SIZE = 512;
const NUM_ANCHORS = 5118;
/** Feature-map grid sides and anchors per cell of the six predictors at the native 512 input. */
const NATIVE_GRIDS = [32, 16, 8, 4, 2, 1];
const ANCHORS_PER_CELL = [3, 6, 6, 6, 6, 6];
export const SSD_IOU_THRESHOLD = 0.5;

interface Conv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface SsdParams {
  backbone: { depthwise: Conv; pointwise: Conv }[];
  conv0: Conv;
  extras: Conv[];
  boxPredictors: { box: Conv; cls: Conv }[];
  /** Anchors (5118 × [ymin, xmin, ymax, xmax], relative to the padded square) shipped for the 512 input. */
  anchors: Float32Array;
  /** Per predictor: anchor (height, width) pairs, identical for every cell of its grid. */
  anchorShapes: Float32Array[];
}

/** Reads each predictor's anchor shapes from the shipped anchors (first cell of each grid). */
function anchorShapesOf(anchors: Float32Array): Float32Array[] {
  const shapes: Float32Array[] = [];
  let first = 0;
  NATIVE_GRIDS.forEach((g, l) => {
    const k = ANCHORS_PER_CELL[l]!;
    const hw = new Float32Array(2 * k);
    for (let j = 0; j < k; j++) {
      const a = 4 * (first + j);
      hw[2 * j] = anchors[a + 2]! - anchors[a]!;
      hw[2 * j + 1] = anchors[a + 3]! - anchors[a + 1]!;
    }
    shapes.push(hw);
    first += g * g * k;
  });
  return shapes;
}

/**
 * Anchors for other input sizes. The shipped ones follow TF's grid anchor generator: cell
 * (i, j) of a g×g map is centred at ((i + ½)/g, (j + ½)/g) and every cell has the same shapes.
 * The net is convolutional, so a predictor responds to faces of a fixed size in *pixels*:
 * at input S the shapes keep their pixel size, i.e. scale by 512 / S relative to the square
 * (`scale`), while the centres follow the grid (stride 16 px on the first map at any S).
 */
export function gridAnchors(shapes: Float32Array[], grids: number[], scale = 1): Float32Array {
  const total = grids.reduce((n, g, l) => n + g * g * (shapes[l]!.length / 2), 0);
  const out = new Float32Array(4 * total);
  let o = 0;
  grids.forEach((g, l) => {
    const hw = shapes[l]!;
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        const cy = (i + 0.5) / g;
        const cx = (j + 0.5) / g;
        for (let k = 0; k < hw.length; k += 2) {
          const h = hw[k]! * scale;
          const w = hw[k + 1]! * scale;
          out[o++] = cy - h / 2;
          out[o++] = cx - w / 2;
          out[o++] = cy + h / 2;
          out[o++] = cx + w / 2;
        }
      }
    }
  });
  return out;
}

const anchorCache = new WeakMap<SsdParams, Map<string, Float32Array>>();

/** Anchors matching the predictor grids of one forward pass (the shipped ones at 512). */
export function anchorsFor(p: SsdParams, grids: number[]): Float32Array {
  if (grids.every((g, i) => g === NATIVE_GRIDS[i])) return p.anchors;
  let cache = anchorCache.get(p);
  if (!cache) anchorCache.set(p, (cache = new Map()));
  const key = grids.join(',');
  let a = cache.get(key);
  if (!a) cache.set(key, (a = gridAnchors(p.anchorShapes, grids, NATIVE_GRIDS[0]! / grids[0]!)));
  return a;
}

export function ssdParams(weights: Map<string, DecodedWeight>): SsdParams {
  const w = (name: string, rank: number) => requireWeight(weights, name, rank, MODEL);
  const t4 = (name: string) => {
    const d = w(name, 4);
    return tf.tensor4d(d.values as Float32Array, d.shape as [number, number, number, number]);
  };
  const t1 = (name: string) => tf.tensor1d(w(name, 1).values as Float32Array);
  const pointwise = (prefix: string, i: number): Conv => ({
    filter: t4(`${prefix}/Conv2d_${i}_pointwise/weights`),
    bias: t1(`${prefix}/Conv2d_${i}_pointwise/convolution_bn_offset`),
  });
  const backbone = [];
  for (let i = 1; i <= 13; i++) {
    const p = `MobilenetV1/Conv2d_${i}_depthwise`;
    // Fold inference batch-norm into the depthwise conv: y = (conv(x) − mean)·γ/√(var+ε) + β.
    const f = w(`${p}/depthwise_weights`, 4);
    const gamma = w(`${p}/BatchNorm/gamma`, 1).values;
    const beta = w(`${p}/BatchNorm/beta`, 1).values;
    const mean = w(`${p}/BatchNorm/moving_mean`, 1).values;
    const variance = w(`${p}/BatchNorm/moving_variance`, 1).values;
    const channels = f.shape[2]!;
    const scale = new Float32Array(channels);
    const bias = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      scale[c] = gamma[c]! / Math.sqrt(variance[c]! + BN_EPSILON);
      bias[c] = beta[c]! - mean[c]! * scale[c]!;
    }
    const folded = new Float32Array(f.values.length);
    for (let i2 = 0; i2 < folded.length; i2++) folded[i2] = f.values[i2]! * scale[i2 % channels]!;
    backbone.push({
      depthwise: { filter: tf.tensor4d(folded, f.shape as [number, number, number, number]), bias: tf.tensor1d(bias) },
      pointwise: pointwise('MobilenetV1', i),
    });
  }
  const anchorsW = requireWeight(weights, 'Output/extra_dim', [1, NUM_ANCHORS, 4], MODEL);
  return {
    conv0: pointwise('MobilenetV1', 0),
    backbone,
    extras: Array.from({ length: 8 }, (_, i) => pointwise('Prediction', i)),
    boxPredictors: Array.from({ length: 6 }, (_, i) => ({
      box: { filter: t4(`Prediction/BoxPredictor_${i}/BoxEncodingPredictor/weights`), bias: t1(`Prediction/BoxPredictor_${i}/BoxEncodingPredictor/biases`) },
      cls: { filter: t4(`Prediction/BoxPredictor_${i}/ClassPredictor/weights`), bias: t1(`Prediction/BoxPredictor_${i}/ClassPredictor/biases`) },
    })),
    anchors: anchorsW.values as Float32Array,
    anchorShapes: anchorShapesOf(anchorsW.values as Float32Array),
  };
}

export function disposeSsd(p: SsdParams): void {
  const convs = [p.conv0, ...p.extras, ...p.backbone.flatMap((b) => [b.depthwise, b.pointwise]), ...p.boxPredictors.flatMap((b) => [b.box, b.cls])];
  for (const c of convs) tf.dispose([c.filter, c.bias]);
}

const relu6Conv = (x: tf.Tensor4D, c: Conv, stride: number) =>
  tf.fused.conv2d({ x, filter: c.filter, strides: stride, pad: 'same', bias: c.bias, activation: 'relu6' });

/**
 * Raw network outputs for a [1, S, S, 3] input already scaled to −1..1 (S = 512 natively):
 * box encodings [N, 4] (ty, tx, th, tw), class logits [N, 3] (background, face, …) and the
 * side of each predictor's grid (N = 5118 at 512).
 */
export function ssdForward(x: tf.Tensor4D, p: SsdParams): { encodings: tf.Tensor2D; logits: tf.Tensor2D; grids: number[] } {
  return tf.tidy(() => {
    let out = relu6Conv(x, p.conv0, 2);
    let conv11: tf.Tensor4D | undefined;
    p.backbone.forEach((layer, i) => {
      const stride = [2, 4, 6, 12].includes(i + 1) ? 2 : 1;
      out = tf.fused.depthwiseConv2d({ x: out, filter: layer.depthwise.filter, strides: stride, pad: 'same', bias: layer.depthwise.bias, activation: 'relu6' });
      out = relu6Conv(out, layer.pointwise, 1);
      if (i + 1 === 11) conv11 = out;
    });
    const e = p.extras;
    const c0 = relu6Conv(out, e[0]!, 1);
    const c1 = relu6Conv(c0, e[1]!, 2);
    const c3 = relu6Conv(relu6Conv(c1, e[2]!, 1), e[3]!, 2);
    const c5 = relu6Conv(relu6Conv(c3, e[4]!, 1), e[5]!, 2);
    const c7 = relu6Conv(relu6Conv(c5, e[6]!, 1), e[7]!, 2);
    const maps = [conv11!, out, c1, c3, c5, c7];
    const encodings: tf.Tensor2D[] = [];
    const logits: tf.Tensor2D[] = [];
    maps.forEach((m, i) => {
      const bp = p.boxPredictors[i]!;
      const conv = (c: Conv) => tf.fused.conv2d({ x: m, filter: c.filter, strides: 1, pad: 'same', bias: c.bias });
      // Channels are (anchor, coordinate) per cell, cells in row-major order.
      encodings.push(tf.reshape(conv(bp.box), [-1, 4]));
      logits.push(tf.reshape(conv(bp.cls), [-1, 3]));
    });
    return { encodings: tf.concat(encodings, 0), logits: tf.concat(logits, 0), grids: maps.map((m) => m.shape[1]) };
  });
}

/**
 * Decodes SSD outputs (TF object-detection box coder, scales 10, 10, 5, 5), keeps scores
 * above `minScore`, applies NMS (IoU 0.5) and returns boxes as [ymin, xmin, ymax, xmax]
 * relative to the padded square input, clipped to [0, 1], best first.
 */
export function ssdDecode(
  encodings: Float32Array,
  logits: Float32Array,
  anchors: Float32Array,
  minScore: number,
  maxFaces: number,
): { corners: Corners; score: number }[] {
  const boxes: Corners[] = [];
  const scores: number[] = [];
  const n = anchors.length / 4;
  for (let i = 0; i < n; i++) {
    const score = 1 / (1 + Math.exp(-logits[3 * i + 1]!));
    if (!(score > minScore)) continue;
    const a = 4 * i;
    const ah = anchors[a + 2]! - anchors[a]!;
    const aw = anchors[a + 3]! - anchors[a + 1]!;
    const acy = anchors[a]! + ah / 2;
    const acx = anchors[a + 1]! + aw / 2;
    const cy = (encodings[a]! / 10) * ah + acy;
    const cx = (encodings[a + 1]! / 10) * aw + acx;
    const hh = (Math.exp(encodings[a + 2]! / 5) * ah) / 2;
    const hw = (Math.exp(encodings[a + 3]! / 5) * aw) / 2;
    boxes.push([cy - hh, cx - hw, cy + hh, cx + hw]);
    scores.push(score);
  }
  const keep = nonMaxSuppression(boxes, scores, SSD_IOU_THRESHOLD, maxFaces);
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  return keep.map((k) => ({ corners: boxes[k]!.map(clip) as Corners, score: scores[k]! }));
}
