import { initBackend, tf } from '@deepface-ts/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig, parameterSpecs } from './config';
import { DeepFaceModel } from './model';
import { decodeWeightsFile, encodeWeightsFile } from './weights_file';

// A small network with every layer type of the real one (conv, pool, three locally
// connected layers, F7, F8), so the tests run in milliseconds.
export const tinyConfig = deepFaceConfig({
  inputSize: 20,
  f7: 12,
  numClasses: 3,
  c1Filters: 4,
  c3Filters: 4,
  localFilters: 3,
  kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 },
});

describe.each(['cpu', 'wasm'] as const)('DeepFaceModel on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('runs the forward pass with the layer table shapes and frees its tensors', () => {
    const model = DeepFaceModel.create(tinyConfig, { seed: 3 });
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 20, 20, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const out = tf.tidy(() => {
      const { f7, logits } = model.forward(x);
      return [f7.shape, logits.shape, tf.min(f7).dataSync()[0]] as const;
    });
    expect(out[0]).toEqual([2, 12]);
    expect(out[1]).toEqual([2, 3]);
    expect(out[2]).toBeGreaterThanOrEqual(0); // ReLU
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(model.parameterCount()).toBe(parameterSpecs(tinyConfig).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0));
    model.dispose();
  });

  it('initialises deterministically per seed; the paper scheme uses N(0, 0.01²) and biases 0.5', () => {
    const a = DeepFaceModel.create(tinyConfig, { seed: 9 });
    const b = DeepFaceModel.create(tinyConfig, { seed: 9 });
    expect(Array.from(a.param('L4.weight').dataSync())).toEqual(Array.from(b.param('L4.weight').dataSync()));
    const p = DeepFaceModel.create(deepFaceConfig({ ...{ inputSize: 20, f7: 400, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3 }, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } }), { seed: 1, init: 'paper' });
    const w = p.param('F7.weight').dataSync();
    let ss = 0;
    for (const v of w) ss += v * v;
    expect(Math.sqrt(ss / w.length)).toBeCloseTo(0.01, 3);
    expect(Array.from(p.param('L5.bias').dataSync()).every((v) => v === 0.5)).toBe(true);
    for (const m of [a, b, p]) m.dispose();
  });

  it('round-trips through the weights file with identical outputs', () => {
    const model = DeepFaceModel.create(tinyConfig, { seed: 4 });
    model.representationMax = new Float32Array(12).fill(0.7);
    const copy = DeepFaceModel.fromWeights(decodeWeightsFile(encodeWeightsFile(model.toWeights())));
    const x = tf.randomUniform([3, 20, 20, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const [y1, y2] = tf.tidy(() => [model.forward(x).logits.dataSync(), copy.forward(x).logits.dataSync()]);
    expect(Array.from(y2!)).toEqual(Array.from(y1!));
    expect(copy.representationMax![0]).toBeCloseTo(0.7, 6);
    x.dispose();
    model.dispose();
    copy.dispose();
  });

  it('rejects inputs of the wrong shape with the expected and received shapes', () => {
    const model = DeepFaceModel.create(tinyConfig);
    const x = tf.zeros([1, 19, 20, 3]) as tf.Tensor4D;
    expect(() => model.forward(x)).toThrow(`${tinyConfig.name}: input must be [batch, 20, 20, 3], got [1, 19, 20, 3]`);
    x.dispose();
    model.dispose();
  });
});
