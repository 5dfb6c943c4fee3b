import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { referenceConv2dBackpropFilter } from '../../reference/conv2d_backprop_filter';
import { abs, dotBound, expectWithinBound, seededValues } from '../../test_util';
import { tf } from '../../tf';

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid';
}

const cases: ConvCase[] = [
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 8], stride: 1, pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 8], stride: 1, pad: 'same' },
  { x: [3, 11, 10, 3], filter: [5, 4, 3, 12], stride: 2, pad: 'same' },
  { x: [1, 13, 13, 2], filter: [4, 4, 2, 5], stride: [2, 3], pad: 'same' },
  { x: [2, 12, 12, 3], filter: [11, 11, 3, 32], stride: 1, pad: 'valid' }, // C1's filter on a small image
  { x: [2, 7, 7, 5], filter: [1, 1, 5, 6], stride: 2, pad: 'valid' },
  { x: [2, 8, 9, 4], filter: [3, 2, 4, 3], stride: 1, pad: 'same' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(cases.map((c) => [`x[${c.x}] filter[${c.filter}] stride ${c.stride} ${c.pad}`, c] as const))(
    'tf.grad of conv2d w.r.t. the filter matches the reference: %s',
    (_, c) => {
      const xv = seededValues(c.x.reduce((a, b) => a * b), 3);
      const x = tf.tensor4d(xv, c.x);
      const f = tf.tensor4d(seededValues(c.filter.reduce((a, b) => a * b), 4), c.filter);
      const yShape = tf.conv2d(x, f, c.stride, c.pad).shape;
      const dyv = seededValues(yShape.reduce((a, b) => a * b), 5);
      const dy = tf.tensor4d(dyv, yShape);
      const df = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, c.stride, c.pad), dy)))(f);
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
      const g = {
        batch: c.x[0], inHeight: c.x[1], inWidth: c.x[2], inChannels: c.x[3],
        filterHeight: c.filter[0], filterWidth: c.filter[1], outChannels: c.filter[3],
        strideHeight: info.strideHeight, strideWidth: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
        outHeight: info.outHeight, outWidth: info.outWidth,
      };
      const n = g.batch * g.outHeight * g.outWidth;
      expectWithinBound(df.dataSync(), referenceConv2dBackpropFilter(g, xv, dyv), dotBound(n, referenceConv2dBackpropFilter(g, abs(xv), abs(dyv))), 'dFilter');
      tf.dispose([x, f, dy, df]);
    },
  );

  it('refuses NCHW and dilation > 1 with a clear error', () => {
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 3, 3, 4]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 4] } as never)).toThrow(/only NHWC/);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 2, filterShape: [3, 3, 2, 4] } as never)).toThrow(/only dilation 1/);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.zeros([1, 4, 3, 4]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] } as never)).toThrow(/dy must have shape \[1, 3, 3, 4\], received \[1, 4, 3, 4\]/);
  });

  it('a small conv net trains on wasm (loss falls with tf.train.adam)', () => {
    // conv(3x3, 4) -> relu -> conv(3x3 stride 2, 8) -> relu -> mean pool -> dense(2): separate two
    // synthetic classes (bright top half vs bright bottom half).
    const n = 16;
    const images = new Float32Array(n * 10 * 10 * 1);
    const labels = new Float32Array(n * 2);
    const noise = seededValues(images.length, 9);
    for (let i = 0; i < n; i++) {
      const cls = i % 2;
      labels[i * 2 + cls] = 1;
      for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
        images[i * 100 + y * 10 + x] = ((y < 5) === (cls === 0) ? 1 : 0) + 0.3 * noise[i * 100 + y * 10 + x]!;
      }
    }
    const xs = tf.tensor4d(images, [n, 10, 10, 1]);
    const ys = tf.tensor2d(labels, [n, 2]);
    const w1 = tf.variable(tf.tensor4d(seededValues(3 * 3 * 1 * 4, 1), [3, 3, 1, 4]).mul(0.5));
    const w2 = tf.variable(tf.tensor4d(seededValues(3 * 3 * 4 * 8, 2), [3, 3, 4, 8]).mul(0.3));
    const w3 = tf.variable(tf.tensor2d(seededValues(8 * 2, 3), [8, 2]).mul(0.3));
    const optimizer = tf.train.adam(0.05);
    const loss = () =>
      tf.tidy(() => {
        const h1 = tf.relu(tf.conv2d(xs, w1 as tf.Variable<tf.Rank.R4>, 1, 'same'));
        const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Variable<tf.Rank.R4>, 2, 'valid'));
        const logits = tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, w3 as tf.Variable<tf.Rank.R2>);
        return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
      });
    const before = loss().dataSync()[0]!;
    for (let step = 0; step < 40; step++) tf.dispose(optimizer.minimize(loss, true) ?? undefined);
    const after = loss().dataSync()[0]!;
    expect(tf.getBackend()).toBe('wasm');
    expect(after).toBeLessThan(before * 0.5);
  });
});
