import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from '../backend';
import { locallyConnectedGeometry } from '../geometry';
import { locallyConnected2d } from '../ops/locally_connected2d';
import { referenceLocallyConnected2d } from '../reference/locally_connected';
import { seededValues } from '../test_util';
import { tf } from '../tf';

describe.each(['cpu', 'wasm'] as BackendName[])('LocallyConnected2D gradient on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('tf.grads matches central finite differences of the float64 reference', () => {
    // loss(x, w, b) = Σ r ⊙ tanh-free linear readout of y: linear in each argument, so
    // float64 central differences are exact up to ~1e-10 and the only error left is the
    // backend's float32 rounding: |err| ≲ n·2^-24·Σ|terms| ≈ 1e-5 here.
    const xShape: [number, number, number, number] = [3, 7, 6, 2];
    const g = locallyConnectedGeometry('t', xShape, [3, 2, 18, 5], [3, 3], [2, 2], [3, 2, 5]);
    const xv = Float64Array.from(seededValues(3 * 7 * 6 * 2, 21));
    const wv = Float64Array.from(seededValues(3 * 2 * 18 * 5, 22));
    const bv = Float64Array.from(seededValues(3 * 2 * 5, 23));
    const r = seededValues(3 * 3 * 2 * 5, 24);
    const loss64 = () => referenceLocallyConnected2d(g, xv, wv, bv).reduce((s, y, i) => s + y * r[i]!, 0);
    const [gx, gw, gb] = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(locallyConnected2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor3D, { strides: 2 }), tf.tensor(r, [3, 3, 2, 5]))),
    )([tf.tensor(Float32Array.from(xv), xShape), tf.tensor(Float32Array.from(wv), [3, 2, 18, 5]), tf.tensor(Float32Array.from(bv), [3, 2, 5])]);
    const h = 1e-4;
    const tolerance = 64 * 2 ** -24 * 18 * 5; // n·u·(max Σ|terms| ≈ n), n ≤ 18·5 terms per entry
    for (const [values, analytic] of [[xv, gx!.dataSync()], [wv, gw!.dataSync()], [bv, gb!.dataSync()]] as const) {
      let worst = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        values[i] = v + h;
        const up = loss64();
        values[i] = v - h;
        const down = loss64();
        values[i] = v;
        worst = Math.max(worst, Math.abs((up - down) / (2 * h) - analytic[i]!));
      }
      expect(worst).toBeLessThan(tolerance);
    }
  });

  it.each(['sgd', 'momentum'] as const)('tf.variableGrads + tf.train.%s decrease a loss through it', (optimizerName) => {
    // Fit a locally connected layer to targets made by a hidden one.
    const x = tf.tensor4d(seededValues(4 * 6 * 6 * 2, 31), [4, 6, 6, 2]);
    const target = locallyConnected2d(x, tf.tensor4d(seededValues(4 * 4 * 18 * 3, 32), [4, 4, 18, 3]), null);
    const w = tf.variable(tf.zeros([4, 4, 18, 3]));
    const b = tf.variable(tf.zeros([4, 4, 3]));
    const optimizer = optimizerName === 'sgd' ? tf.train.sgd(2) : tf.train.momentum(0.5, 0.9);
    const loss = () => tf.losses.meanSquaredError(target, locallyConnected2d(x, w as tf.Variable<tf.Rank.R4>, b as tf.Variable<tf.Rank.R3>)) as tf.Scalar;
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const { value, grads } = tf.variableGrads(loss, [w, b]);
      expect(Object.keys(grads).sort()).toEqual([b.name, w.name].sort());
      optimizer.applyGradients(grads);
      losses.push(value.dataSync()[0]!);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.2);
    for (let i = 1; i < losses.length; i++) if (optimizerName === 'sgd') expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    tf.dispose([x, target, w, b]);
  });
});
