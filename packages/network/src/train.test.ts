import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig } from './config';
import { DeepFaceModel } from './model';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import { inMemoryExamples, train } from './train';

const config = deepFaceConfig({
  inputSize: 20,
  f7: 64,
  numClasses: 3,
  c1Filters: 4,
  c3Filters: 4,
  localFilters: 3,
  dropout: 0.1,
  kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 },
});

/** Three "identities": a class-specific pattern plus noise. Learnable, not trivial. */
function syntheticSet(n: number, seed: number) {
  const per = 20 * 20 * 3;
  const protoRng = mulberry32(12345); // the same three identities in every set
  const prototypes = Array.from({ length: 3 }, () => Float32Array.from({ length: per }, () => gaussian(protoRng) * 0.5));
  const rng = mulberry32(seed);
  const x = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let j = 0; j < per; j++) x[i * per + j] = prototypes[k]![j]! + gaussian(rng) * 0.5;
  }
  return inMemoryExamples(x, labels, 20);
}

describe('train', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('decreases the loss and learns a separable task', async () => {
    const model = DeepFaceModel.create(config, { seed: 1 });
    const history = await train(model, syntheticSet(96, 1), syntheticSet(24, 2), { epochs: 6, batchSize: 8, learningRate: 0.003, progress: false });
    expect(history.length).toBe(6);
    expect(history[5]!.trainLoss).toBeLessThan(history[0]!.trainLoss * 0.7);
    expect(history[5]!.valAccuracy).toBeGreaterThan(0.75); // chance is 1/3
    model.dispose();
  });

  it('is reproducible, and resuming from a checkpoint gives the same weights as training straight through', async () => {
    const straight = DeepFaceModel.create(config, { seed: 2 });
    const data = syntheticSet(24, 3);
    const h1 = await train(straight, data, undefined, { epochs: 2, batchSize: 8, seed: 5, progress: false });

    const dir = mkdtempSync(join(tmpdir(), 'deepface-train-'));
    const first = DeepFaceModel.create(config, { seed: 2 });
    await train(first, data, undefined, { epochs: 1, batchSize: 8, seed: 5, checkpointDir: dir, progress: false });
    first.dispose();
    expect(readdirSync(dir).sort()).toEqual(['momentum-e1.safetensors', 'state.json', 'weights-e1.safetensors']);
    const resumed = DeepFaceModel.create(config, { seed: 99 }); // different init: must be overwritten by the checkpoint
    const h2 = await train(resumed, data, undefined, { epochs: 2, batchSize: 8, seed: 5, checkpointDir: dir, resume: true, progress: false });
    expect(h2.map((s) => s.trainLoss)).toEqual(h1.map((s) => s.trainLoss));
    expect(Array.from(resumed.param('L4.weight').dataSync())).toEqual(Array.from(straight.param('L4.weight').dataSync()));
    expect(readdirSync(dir).sort()).toEqual(['momentum-e2.safetensors', 'state.json', 'weights-e2.safetensors']);
    straight.dispose();
    resumed.dispose();
  });

  it('keeps frozen layers fixed and trains the rest', async () => {
    const model = DeepFaceModel.create(config, { seed: 3 });
    const c1 = Array.from(model.param('C1.weight').dataSync());
    const f7 = Array.from(model.param('F7.weight').dataSync());
    await train(model, syntheticSet(16, 4), undefined, { epochs: 1, batchSize: 8, freeze: ['C1', 'C3'], progress: false });
    expect(Array.from(model.param('C1.weight').dataSync())).toEqual(c1);
    expect(Array.from(model.param('F7.weight').dataSync())).not.toEqual(f7);
    await expect(train(model, syntheticSet(8, 4), undefined, { epochs: 1, freeze: ['C2'], progress: false })).rejects.toThrow('cannot freeze C2');
    model.dispose();
  });

  it('divides the learning rate by 10 when validation accuracy stalls', async () => {
    const model = DeepFaceModel.create(config, { seed: 4 });
    // A validation set of a class the training set never shows: its accuracy cannot improve.
    const trainSet = syntheticSet(12, 5);
    const base = syntheticSet(3, 6);
    const stuck = {
      count: 3,
      load: (idx: Int32Array) => {
        const b = base.load(idx) as { x: Float32Array; labels: Int32Array };
        return { x: b.x, labels: b.labels.map(() => 2) };
      },
    };
    const onlyTwoClasses = {
      count: 8,
      load: (idx: Int32Array) => {
        const b = trainSet.load(idx.map((i) => [0, 1, 3, 4, 6, 7, 9, 10][i]!)) as { x: Float32Array; labels: Int32Array };
        return b;
      },
    };
    const history = await train(model, onlyTwoClasses, stuck, { epochs: 3, batchSize: 4, learningRate: 0.01, patience: 1, progress: false });
    expect(history.map((h) => h.learningRate)).toEqual([0.01, 0.01, 0.001]);
    model.dispose();
  });

  it('rejects labels outside 0..K−1, naming the row', async () => {
    const model = DeepFaceModel.create(config);
    const bad = inMemoryExamples(new Float32Array(2 * 1200), new Int32Array([0, 7]), 20);
    await expect(train(model, bad, undefined, { epochs: 1, batchSize: 2, progress: false })).rejects.toThrow(/label 7 at batch row [01] is outside 0\.\.2/);
    model.dispose();
  });
});
