import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig } from './config';
import { DeepFaceModel } from './model';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import { augmentBatch, inMemoryExamples, train } from './train';

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

  it("Adam's first step moves every weight with a gradient by exactly the learning rate (bias-corrected m/√v = sign g)", async () => {
    const model = DeepFaceModel.create(config, { seed: 6 });
    const before = new Map([...model.params].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
    const data = syntheticSet(8, 7);
    await train(model, data, undefined, { epochs: 1, batchSize: 8, optimizer: 'adam', learningRate: 1e-3, weightDecay: 0, progress: false });
    // |m̂ / (√v̂ + ε)| = |g| / (|g| + ε) ≤ 1: no weight moves by more than lr (plus float32
    // rounding of w ± lr), and a weight whose |g| ≫ ε = 1e-8 moves by lr to 1e-3 relative.
    let moved = 0;
    let exact = 0;
    for (const [name, v] of model.params) {
      const after = v.dataSync();
      const b = before.get(name)!;
      for (let i = 0; i < after.length; i++) {
        const d = Math.abs(after[i]! - b[i]!);
        if (d === 0) continue; // a weight behind a dead ReLU gets no gradient
        moved++;
        const ulp = Math.max(Math.abs(b[i]!), 1e-3) * 2 ** -23;
        expect(d, `${name}[${i}] moved ${d}`).toBeLessThanOrEqual(1e-3 + 4 * ulp);
        if (Math.abs(d - 1e-3) <= 1e-6 + 4 * ulp) exact++;
      }
    }
    expect(exact / moved).toBeGreaterThan(0.9); // measured 0.95: the rest have |g| within a few hundred ε
    expect(moved).toBeGreaterThan(1000);
    model.dispose();
  });

  it('trains with Adam, and resumes an Adam checkpoint (both moments) exactly', async () => {
    const data = syntheticSet(48, 8);
    const LR = 3e-3;
    const straight = DeepFaceModel.create(config, { seed: 7 });
    const h1 = await train(straight, data, syntheticSet(24, 9), { epochs: 4, batchSize: 8, optimizer: 'adam', learningRate: LR, seed: 3, progress: false });
    expect(h1[3]!.trainLoss).toBeLessThan(h1[0]!.trainLoss * 0.7);
    expect(h1[3]!.valAccuracy).toBeGreaterThan(0.75);

    const dir = mkdtempSync(join(tmpdir(), 'deepface-train-adam-'));
    const first = DeepFaceModel.create(config, { seed: 7 });
    await train(first, data, syntheticSet(24, 9), { epochs: 2, batchSize: 8, optimizer: 'adam', learningRate: LR, seed: 3, checkpointDir: dir, progress: false });
    first.dispose();
    expect(readdirSync(dir).sort()).toEqual(['moment2-e2.safetensors', 'momentum-e2.safetensors', 'state.json', 'weights-e2.safetensors']);
    const resumed = DeepFaceModel.create(config, { seed: 99 });
    await expect(train(resumed, data, undefined, { epochs: 3, batchSize: 8, checkpointDir: dir, resume: true, progress: false })).rejects.toThrow('written by Adam');
    const h2 = await train(resumed, data, syntheticSet(24, 9), { epochs: 4, batchSize: 8, optimizer: 'adam', learningRate: LR, seed: 3, checkpointDir: dir, resume: true, progress: false });
    expect(h2.map((s) => s.trainLoss)).toEqual(h1.map((s) => s.trainLoss));
    expect(Array.from(resumed.param('L5.weight').dataSync())).toEqual(Array.from(straight.param('L5.weight').dataSync()));
    straight.dispose();
    resumed.dispose();
  });

  it('warm-up scales the first step: half the rate when the ramp spans two steps', async () => {
    const data = syntheticSet(8, 10);
    const deltas: Float32Array[] = [];
    for (const warmupEpochs of [0, 2]) {
      const model = DeepFaceModel.create(config, { seed: 8 });
      const w0 = Float32Array.from(model.param('F7.weight').dataSync());
      await train(model, data, undefined, { epochs: 1, batchSize: 8, learningRate: 0.01, warmupEpochs, progress: false });
      const w1 = model.param('F7.weight').dataSync();
      deltas.push(Float32Array.from(w1, (v, i) => v - w0[i]!));
      model.dispose();
    }
    const [full, half] = deltas as [Float32Array, Float32Array];
    let checked = 0;
    for (let i = 0; i < full.length; i++) {
      if (Math.abs(full[i]!) < 1e-5) continue;
      expect(half[i]! / full[i]!).toBeCloseTo(0.5, 2);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('rejects an unknown optimizer and a bad shift', async () => {
    const model = DeepFaceModel.create(config);
    await expect(train(model, syntheticSet(8, 1), undefined, { epochs: 1, optimizer: 'rmsprop' as 'adam', progress: false })).rejects.toThrow("optimizer must be 'momentum' or 'adam'");
    await expect(train(model, syntheticSet(8, 1), undefined, { epochs: 1, augment: { shift: 1.5 }, progress: false })).rejects.toThrow('augment.shift');
    model.dispose();
  });

  it('rejects labels outside 0..K−1, naming the row', async () => {
    const model = DeepFaceModel.create(config);
    const bad = inMemoryExamples(new Float32Array(2 * 1200), new Int32Array([0, 7]), 20);
    await expect(train(model, bad, undefined, { epochs: 1, batchSize: 2, progress: false })).rejects.toThrow(/label 7 at batch row [01] is outside 0\.\.2/);
    model.dispose();
  });
});

describe('augmentBatch', () => {
  /** A 3×3 RGB image whose pixel (x, y) has R = 10y + x, G = −R, B = 1. */
  const image = () => {
    const x = new Float32Array(27);
    for (let y = 0; y < 3; y++) for (let c = 0; c < 3; c++) {
      const o = (y * 3 + c) * 3;
      x[o] = 10 * y + c;
      x[o + 1] = -(10 * y + c);
      x[o + 2] = 1;
    }
    return x;
  };
  const red = (x: Float32Array) => Array.from({ length: 9 }, (_, p) => x[p * 3]!);
  /** Replays fixed uniforms: [flip?, dx, dy] per image. */
  const replay = (values: number[]) => ({ next: () => values.shift()! });

  it('flips left–right (all three channels move together)', () => {
    const x = image();
    augmentBatch(x, 1, 3, true, 0, replay([0.1]));
    expect(red(x)).toEqual([2, 1, 0, 12, 11, 10, 22, 21, 20]);
    expect(x[1]).toBe(-2);
  });

  it('shifts with edge replication: dx = +1, dy = −1', () => {
    const x = image();
    // shift 1: offsets come from floor(u·3) − 1, so u = 0.9 → +1 and u = 0.1 → −1.
    augmentBatch(x, 1, 3, false, 1, replay([0.9, 0.1]));
    expect(red(x)).toEqual([10, 10, 11, 20, 20, 21, 20, 20, 21]);
  });

  it('leaves an image alone when the draw is no flip and no shift, and checks the buffer size', () => {
    const x = image();
    augmentBatch(x, 1, 3, true, 1, replay([0.9, 0.5, 0.5]));
    expect(x).toEqual(image());
    expect(() => augmentBatch(new Float32Array(26), 1, 3, true, 0, replay([0]))).toThrow('cannot hold 1 images of 3×3×3');
  });
});
