import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultModelDir, fileSource, loadWeights } from './loader';
import type { DecodedWeight } from './manifest';
import { disposeSsd, gridAnchors, ssdDecode, ssdParams, type SsdParams } from './ssd';
import { tinyDecode } from './tiny';

describe('SSD weights and decoding', () => {
  let weights: Map<string, DecodedWeight>;
  let params: SsdParams;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    weights = await loadWeights(fileSource(await defaultModelDir()), 'ssd_mobilenetv1_model');
    params = ssdParams(weights);
    return () => disposeSsd(params);
  });

  it('re-laying the anchor shapes on the native grids reproduces the shipped anchors', () => {
    const laid = gridAnchors(params.anchorShapes, [32, 16, 8, 4, 2, 1], 1);
    expect(laid.length).toBe(params.anchors.length);
    let maxErr = 0;
    for (let i = 0; i < laid.length; i++) maxErr = Math.max(maxErr, Math.abs(laid[i]! - params.anchors[i]!));
    expect(maxErr).toBeLessThan(1e-4); // the shipped anchors are float32 computed in TF
  });

  it('folded batch-norm equals depthwise conv → batchNorm (face-api op order) on random input', () => {
    const p = 'MobilenetV1/Conv2d_3_depthwise';
    const get = (n: string) => weights.get(`${p}/${n}`)!;
    const x = tf.randomNormal([1, 9, 9, 128], 0, 1, 'float32', 7) as tf.Tensor4D;
    const f = get('depthwise_weights');
    const reference = tf.tidy(() =>
      tf.batchNorm(
        tf.depthwiseConv2d(x, tf.tensor4d(f.values as Float32Array, f.shape as [number, number, number, number]), 1, 'same'),
        tf.tensor1d(get('BatchNorm/moving_mean').values as Float32Array),
        tf.tensor1d(get('BatchNorm/moving_variance').values as Float32Array),
        tf.tensor1d(get('BatchNorm/beta').values as Float32Array),
        tf.tensor1d(get('BatchNorm/gamma').values as Float32Array),
        0.0010000000474974513,
      ),
    );
    const layer = params.backbone[2]!.depthwise;
    const folded = tf.fused.depthwiseConv2d({ x, filter: layer.filter, strides: 1, pad: 'same', bias: layer.bias });
    const a = reference.dataSync();
    const b = folded.dataSync();
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
    }
    expect(maxErr).toBeLessThan(1e-5 * Math.max(1, maxAbs) * 10);
    tf.dispose([x, reference, folded]);
  });

  it('decodes hand-computed encodings (scales 10, 10, 5, 5) and thresholds scores', () => {
    const anchors = Float32Array.from([0.2, 0.2, 0.6, 0.4, 0.5, 0.5, 0.7, 0.9]);
    // Anchor 0: centre (0.4, 0.3), size (0.4, 0.2). ty = 10 → one anchor height down; th = 5·ln 2 → twice as tall.
    const enc = Float32Array.from([10, 0, 5 * Math.LN2, 0, 0, 0, 0, 0]);
    const logits = Float32Array.from([0, 2, 0, 0, -3, 0]);
    const out = ssdDecode(enc, logits, anchors, 0.5, 10);
    expect(out).toHaveLength(1); // anchor 1 scores σ(−3) ≈ 0.047
    const [ymin, xmin, ymax, xmax] = out[0]!.corners;
    expect(out[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(ymin).toBeCloseTo(0.4, 6); // centre 0.8, height 0.8 → clipped to [0.4, 1]
    expect(ymax).toBe(1);
    expect(xmin).toBeCloseTo(0.2, 6);
    expect(xmax).toBeCloseTo(0.4, 6);
  });
});

describe('tiny detector decoding', () => {
  it('decodes a hand-made 1×1 grid', () => {
    const grid = new Float32Array(25).fill(-10); // every anchor: score σ(−10) ≈ 0
    grid.set([0, 0, 0, Math.log(0.5), 3], 0); // anchor 0 (1.603231 × 2.094468 cells): score σ(3)
    const out = tinyDecode(grid, 1, 0.5, 10);
    expect(out).toHaveLength(1);
    const [ymin, xmin, ymax, xmax] = out[0]!.corners;
    expect(out[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect((xmin + xmax) / 2).toBeCloseTo(0.5, 6);
    expect(xmax - xmin).toBeCloseTo(1.603231, 5);
    expect(ymax - ymin).toBeCloseTo(2.094468 * 0.5, 5);
  });
});
