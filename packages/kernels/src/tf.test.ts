import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from './backend';
import { tf } from './index';

describe.each(['cpu', 'wasm'] as BackendName[])('tf from @deepface-ts/kernels on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('has chained ops', () => {
    expect(Array.from(tf.tensor1d([1, 2]).add(1).mul(3).dataSync())).toEqual([6, 9]);
  });

  it('differentiates matMul and relu (hand-computed)', () => {
    // f(x) = Σ relu(x·x); x = [[1, 2], [3, -4]] -> x·x = [[7, -6], [-9, 22]], mask M = [[1, 0], [0, 1]]
    // df/dx = M·xᵀ + xᵀ·M = [[1, 3], [2, -4]] + [[1, 3], [2, -4]]
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.relu(tf.matMul(x as tf.Tensor2D, x as tf.Tensor2D))));
    expect(Array.from(g(tf.tensor2d([[1, 2], [3, -4]])).dataSync())).toEqual([2, 6, 4, -8]);
  });

  it('differentiates conv2d w.r.t. input and filter (hand-computed)', () => {
    // 3x3 ones input, 2x2 ones filter, VALID: each input pixel's gradient counts the windows covering it.
    const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const f = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid')))([x, f]);
    expect(Array.from(dx!.dataSync())).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    expect(Array.from(df!.dataSync())).toEqual([4, 4, 4, 4]);
  });

  it('shares one engine with @tensorflow/tfjs-core', async () => {
    const core = await import('@tensorflow/tfjs-core');
    expect(core.engine()).toBe(tf.engine());
    expect(core.getBackend()).toBe(backend);
  });
});
