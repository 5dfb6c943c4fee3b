import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from '../backend';
import { locallyConnectedGeometry, type LocallyConnectedGeometry } from '../geometry';
import {
  referenceLocallyConnected2d,
  referenceLocallyConnected2dBackpropBias,
  referenceLocallyConnected2dBackpropFilter,
  referenceLocallyConnected2dBackpropInput,
} from '../reference/locally_connected';
import { abs, dotBound, expectWithinBound, seededValues } from '../test_util';
import { tf } from '../tf';
import { locallyConnected2d } from './locally_connected2d';

interface Case {
  name: string;
  xShape: [number, number, number, number];
  kernelSize: [number, number];
  strides: [number, number];
  outChannels: number;
  x?: ArrayLike<number>;
  filter?: ArrayLike<number>;
  bias?: ArrayLike<number>;
  dy?: ArrayLike<number>;
}

/** Runs forward and all three gradients on the active backend and checks them against the float64 reference. */
function checkAgainstReference(c: Case, seed: number): void {
  const [B, H, W, C] = c.xShape;
  const [kH, kW] = c.kernelSize;
  const outH = Math.floor((H - kH) / c.strides[0]) + 1;
  const outW = Math.floor((W - kW) / c.strides[1]) + 1;
  const filterShape = [outH, outW, kH * kW * C, c.outChannels];
  const g: LocallyConnectedGeometry = locallyConnectedGeometry('t', c.xShape, filterShape, c.kernelSize, c.strides);
  const xv = c.x ?? seededValues(B * H * W * C, seed);
  const wv = c.filter ?? seededValues(filterShape.reduce((a, b) => a * b), seed + 1);
  const bv = c.bias ?? seededValues(outH * outW * c.outChannels, seed + 2);
  const dyv = c.dy ?? seededValues(B * outH * outW * c.outChannels, seed + 3);
  const x = tf.tensor4d(Float32Array.from(xv), c.xShape);
  const w = tf.tensor4d(Float32Array.from(wv), filterShape as [number, number, number, number]);
  const b = tf.tensor3d(Float32Array.from(bv), [outH, outW, c.outChannels]);
  const dy = tf.tensor4d(Float32Array.from(dyv), [B, outH, outW, c.outChannels]);
  const options = { strides: c.strides, kernelSize: c.kernelSize };
  const y = locallyConnected2d(x, w, b, options);
  expect(y.shape).toEqual([B, outH, outW, c.outChannels]);
  const K = g.patchSize;
  expectWithinBound(y.dataSync(), referenceLocallyConnected2d(g, xv, wv, bv), dotBound(K + 1, referenceLocallyConnected2d(g, abs(xv), abs(wv), abs(bv))), `${c.name}: forward`);
  // loss = Σ y·dy, so the gradients are the backprop kernels applied to dy
  const [dx, dw, db] = tf.grads((a: tf.Tensor, f: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(locallyConnected2d(a as tf.Tensor4D, f as tf.Tensor4D, bb as tf.Tensor3D, options), dy)),
  )([x, w, b]);
  expectWithinBound(dx!.dataSync(), referenceLocallyConnected2dBackpropInput(g, dyv, wv),
    dotBound(c.outChannels * kH * kW, referenceLocallyConnected2dBackpropInput(g, abs(dyv), abs(wv))), `${c.name}: dx`);
  expectWithinBound(dw!.dataSync(), referenceLocallyConnected2dBackpropFilter(g, xv, dyv),
    dotBound(B, referenceLocallyConnected2dBackpropFilter(g, abs(xv), abs(dyv))), `${c.name}: dFilter`);
  expectWithinBound(db!.dataSync(), referenceLocallyConnected2dBackpropBias(g, dyv),
    dotBound(B, referenceLocallyConnected2dBackpropBias(g, abs(dyv))), `${c.name}: dBias`);
  tf.dispose([x, w, b, dy, y, dx!, dw!, db!]);
}

function randomCases(count: number, seed: number): Case[] {
  const r = seededValues(count * 10, seed);
  const int = (v: number, lo: number, hi: number) => lo + Math.floor(((v + 1) / 2) * (hi - lo + 1));
  return Array.from({ length: count }, (_, i) => {
    const v = (j: number) => r[i * 10 + j]!;
    const kH = int(v(0), 1, 4), kW = int(v(1), 1, 4);
    const sH = int(v(2), 1, 3), sW = int(v(3), 1, 3);
    const H = kH + int(v(4), 0, 7), W = kW + int(v(5), 0, 7);
    const c: Case = {
      name: '',
      xShape: [int(v(6), 1, 6), H, W, int(v(7), 1, 5)],
      kernelSize: [kH, kW],
      strides: [sH, sW],
      outChannels: int(v(8), 1, 20),
    };
    c.name = `random #${i} x[${c.xShape}] k${kH}x${kW} s${sH}x${sW} outC ${c.outChannels}`;
    return c;
  });
}

const edgeCases: Case[] = [
  { name: '1x1 kernel', xShape: [2, 4, 3, 5], kernelSize: [1, 1], strides: [1, 1], outChannels: 7 },
  { name: 'stride 2 with odd sizes', xShape: [3, 9, 7, 3], kernelSize: [3, 3], strides: [2, 2], outChannels: 16 },
  { name: 'batch > 4 with a remainder', xShape: [7, 5, 5, 2], kernelSize: [2, 2], strides: [1, 1], outChannels: 12 },
  { name: 'one output position', xShape: [4, 5, 5, 4], kernelSize: [5, 5], strides: [1, 1], outChannels: 16 },
  { name: 'one output channel', xShape: [5, 4, 4, 1], kernelSize: [2, 3], strides: [1, 1], outChannels: 1 },
  { name: 'DeepFace L6-like, small', xShape: [5, 9, 9, 16], kernelSize: [5, 5], strides: [1, 1], outChannels: 16 },
];

const golden = JSON.parse(readFileSync(new URL('../../testdata/locally_connected2d.golden.json', import.meta.url), 'utf8')) as {
  cases: (Case & { y: number[]; dx: number[]; dFilter: number[]; dBias: number[] })[];
};

describe.each(['cpu', 'wasm'] as BackendName[])('locallyConnected2d on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('runs on the requested backend', () => {
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(edgeCases.map((c) => [c.name, c] as const))('edge case: %s', (_, c) => checkAgainstReference(c, 11));

  it('matches the reference on 24 random shapes (forward and all gradients)', () => {
    randomCases(24, 7).forEach((c, i) => checkAgainstReference(c, 1000 + i));
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('golden: %s', (_, c) => {
    // checkAgainstReference uses the golden inputs; additionally compare to the stored outputs
    checkAgainstReference(c, 0);
    const fShape = (c as unknown as { filterShape: [number, number, number, number] }).filterShape;
    const g = locallyConnectedGeometry('golden', c.xShape, fShape, c.kernelSize, c.strides);
    const y = locallyConnected2d(
      tf.tensor4d(Float32Array.from(c.x!), c.xShape),
      tf.tensor4d(Float32Array.from(c.filter!), fShape),
      tf.tensor3d(Float32Array.from(c.bias!), [g.outHeight, g.outWidth, g.outChannels]),
      c,
    );
    expectWithinBound(y.dataSync(), c.y, dotBound(g.patchSize + 1, referenceLocallyConnected2d(g, abs(c.x!), abs(c.filter!), abs(c.bias!))), `${c.name}: golden y`);
  });

  it('works without a bias and with a square kernel inferred from the filter', () => {
    const g = locallyConnectedGeometry('t', [2, 6, 6, 3], [2, 2, 27, 4], [3, 3], [3, 3]);
    const xv = seededValues(2 * 6 * 6 * 3, 5);
    const wv = seededValues(2 * 2 * 27 * 4, 6);
    const y = locallyConnected2d(tf.tensor4d(xv, [2, 6, 6, 3]), tf.tensor4d(wv, [2, 2, 27, 4]), null, { strides: 3 });
    expectWithinBound(y.dataSync(), referenceLocallyConnected2d(g, xv, wv), dotBound(27, referenceLocallyConnected2d(g, abs(xv), abs(wv))), 'no bias');
  });
});

describe('locallyConnected2d bad input', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  const x = () => tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
  const w = () => tf.zeros([6, 6, 27, 4]) as tf.Tensor4D;

  it('rejects rank ≠ 4, naming the expected and received shape', () => {
    expect(() => locallyConnected2d(tf.zeros([8, 8, 3]) as never, w())).toThrow(/x must have rank 4 \[batch, height, width, channels\], received shape \[8, 8, 3\]/);
    expect(() => locallyConnected2d(x(), tf.zeros([36, 27, 4]) as never)).toThrow(/filter must have rank 4 .*received shape \[36, 27, 4\]/);
  });

  it('rejects a mismatched filter shape, naming the expected and received shape', () => {
    expect(() => locallyConnected2d(x(), tf.zeros([5, 6, 27, 4]) as tf.Tensor4D, null, { kernelSize: 3 })).toThrow(
      /filter must have shape \[6, 6, 27, 4\] .* received \[5, 6, 27, 4\]/,
    );
    expect(() => locallyConnected2d(x(), w(), null, { strides: 2, kernelSize: 3 })).toThrow(/filter must have shape \[3, 3, 27, 4\].*received \[6, 6, 27, 4\]/);
    expect(() => locallyConnected2d(x(), tf.zeros([6, 6, 26, 4]) as tf.Tensor4D)).toThrow(/cannot infer a square kernel from filter dimension 2 = 26/);
  });

  it('rejects a mismatched bias shape', () => {
    expect(() => locallyConnected2d(x(), w(), tf.zeros([6, 6, 5]) as tf.Tensor3D)).toThrow(/bias must have shape \[6, 6, 4\].*received \[6, 6, 5\]/);
  });

  it('rejects int dtypes', () => {
    expect(() => locallyConnected2d(tf.zeros([2, 8, 8, 3], 'int32') as tf.Tensor4D, w())).toThrow(/x must be float32, received int32 with shape \[2, 8, 8, 3\]/);
    expect(() => locallyConnected2d(x(), tf.zeros([6, 6, 27, 4], 'int32') as tf.Tensor4D)).toThrow(/filter must be float32, received int32/);
  });

  it('rejects zero or negative sizes', () => {
    expect(() => locallyConnected2d(x(), w(), null, { strides: 0 })).toThrow(/strides height must be a positive integer, received 0/);
    expect(() => locallyConnected2d(x(), w(), null, { kernelSize: [-3, 3] })).toThrow(/kernelSize height must be a positive integer, received -3/);
    expect(() => locallyConnected2d(tf.zeros([0, 8, 8, 3]) as tf.Tensor4D, w())).toThrow(/dimensions must be positive, received shape \[0, 8, 8, 3\]/);
    expect(() => locallyConnected2d(tf.zeros([2, 2, 8, 3]) as tf.Tensor4D, w(), null, { kernelSize: 3 })).toThrow(/kernel 3×3 is larger than the input 2×8/);
  });
});
