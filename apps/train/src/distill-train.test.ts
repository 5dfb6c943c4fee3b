import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { CropCacheBuilder, deepFaceConfig, saveCropCache } from '@deepface-ts/network';
import { mulberry32 } from '@deepface-ts/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosineRate, packBatch, trainDistilled, type DistillSample, type DistillTrainOptions } from './distill-train';
import { chunkFile, loadTeacherCache } from './teacher-cache';

const config = deepFaceConfig({ inputSize: 20, f7: 32, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, dropout: 0.2, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });

/** 3 identities × 6 images × 2 views of noisy 20×20 crops whose mean colour codes the identity; the teacher's 8-D unit descriptor does too. */
async function syntheticCache() {
  const dir = mkdtempSync(join(tmpdir(), 'distill-'));
  const rng = mulberry32(3);
  const b = new CropCacheBuilder(20, 8);
  const paths: string[] = [];
  const views: number[] = [];
  for (let id = 0; id < 3; id++) {
    for (let i = 0; i < 6; i++) {
      for (let v = 0; v < 2; v++) {
        const data = new Uint8Array(1200);
        for (let k = 0; k < 1200; k++) data[k] = Math.max(0, Math.min(255, (k % 3 === id ? 200 : 60) + (rng.next() - 0.5) * 80));
        const t = new Float32Array(8);
        t[id] = 0.9;
        for (let k = 0; k < 8; k++) t[k]! += (rng.next() - 0.5) * 0.2;
        const n = Math.hypot(...t);
        b.add(`id${id}`, { width: 20, height: 20, channels: 3, data }, t.map((x) => x / n));
        paths.push(`id${id}/${i}.jpg`);
        views.push(v);
      }
    }
  }
  await saveCropCache(chunkFile(dir, 0), b.build({ paths, views, viewCount: 2, failures: [] }));
  const cache = await loadTeacherCache(dir, 1);
  const samples: DistillSample[] = [...cache.byPath.entries()].map(([path, v]) => ({ views: v, label: Number(path[2]) }));
  return { cache, train: samples.filter((_, i) => i % 6 !== 5), val: samples.filter((_, i) => i % 6 === 5) };
}

const base = (dir: string, over: Partial<DistillTrainOptions> = {}): DistillTrainOptions => ({
  epochs: 3, batchSize: 5, learningRate: 3e-3, minLearningRate: 3e-5, warmupSteps: 2, weightDecay: 1e-4,
  loss: { regression: 1, pairwise: 1, identity: 0.1 }, kind: 'cosine', workers: 2, seed: 7, flip: true,
  checkpointDir: join(dir, 'checkpoints'), resume: false, progress: false, ...over,
});

describe('distillation training', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('cosineRate: linear warm-up, then a cosine from lr to min (hand-computed points)', () => {
    expect(cosineRate(0, 100, 1, 0, 4)).toBe(0.25);
    expect(cosineRate(3, 100, 1, 0, 4)).toBe(1);
    expect(cosineRate(4, 100, 1, 0.1, 4)).toBeCloseTo(1, 12);
    expect(cosineRate(52, 100, 1, 0.1, 4)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    expect(cosineRate(100, 100, 1, 0.1, 4)).toBeCloseTo(0.1, 12);
    expect(cosineRate(150, 100, 1, 0.1, 4)).toBeCloseTo(0.1, 12); // past the plan: the floor
  });

  it('packBatch flips a crop left–right and copies the teacher rows; a cache of the wrong size is refused', async () => {
    const { cache } = await syntheticCache();
    const plain = packBatch(cache, config, [0]);
    const flipped = packBatch(cache, config, [0], [true]);
    for (const [y, x] of [[0, 0], [7, 3], [19, 12]] as const) {
      for (let c = 0; c < 3; c++) expect(flipped.x[(y * 20 + (19 - x)) * 3 + c]).toBe(plain.x[(y * 20 + x) * 3 + c]);
    }
    expect(Array.from(plain.teacher)).toEqual(Array.from(cache.chunks[0]!.targets!.subarray(0, 8)));
    const other = deepFaceConfig({ inputSize: 24, f7: 32, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });
    expect(() => packBatch(cache, other, [0])).toThrow('the teacher cache holds 20×20 crops, deepface-24-f32-k3 takes 24×24');
  });

  it('learns: the held-out cosine to the teacher rises; a resumed run ends bit-identical to an uninterrupted one', async () => {
    const { cache, train, val } = await syntheticCache();
    const dirA = mkdtempSync(join(tmpdir(), 'distill-a-'));
    const whole = await trainDistilled(config, cache, train, val, base(dirA));
    expect(whole.history.length).toBe(3);
    expect(whole.history[2]!.valCosine).toBeGreaterThan(whole.history[0]!.valCosine);
    expect(whole.history[2]!.regression).toBeLessThan(whole.history[0]!.regression);
    expect(whole.weights.projection?.outputSize).toBe(8);

    const dirB = mkdtempSync(join(tmpdir(), 'distill-b-'));
    const first = await trainDistilled(config, cache, train, val, base(dirB, { stopAfter: 2 }));
    expect(first.history.length).toBe(2);
    // The same plan (3 epochs) stopped after epoch 2 and resumed: new trainer, weights, moments and loop state from the checkpoint.
    const rerun = await trainDistilled(config, cache, train, val, base(dirB, { epochs: 3, resume: true }));
    expect(rerun.history.length).toBe(3);
    for (const [name, w] of whole.weights.tensors) {
      const r = rerun.weights.tensors.get(name)!;
      let diff = 0;
      for (let i = 0; i < w.length; i++) diff = Math.max(diff, Math.abs(w[i]! - r[i]!));
      expect(diff, name).toBeLessThan(1e-6);
    }
  }, 120_000);

  it('a corrupt checkpoint state is an error naming the file and the field', async () => {
    const { cache, train, val } = await syntheticCache();
    const dir = mkdtempSync(join(tmpdir(), 'distill-c-'));
    await trainDistilled(config, cache, train, val, base(dir, { epochs: 1, workers: 1 }));
    writeFileSync(join(dir, 'checkpoints', 'state.json'), JSON.stringify({ epoch: 'one', steps: 3, seed: 7, epochs: 1, history: [] }));
    await expect(trainDistilled(config, cache, train, val, base(dir, { epochs: 2, resume: true, workers: 1 }))).rejects.toThrow(/state\.json: "epoch" must be a whole number ≥ 0, got "one"/);
    writeFileSync(join(dir, 'checkpoints', 'state.json'), JSON.stringify({ epoch: 1, steps: 3, seed: 8, epochs: 1, history: [{}] }));
    await expect(trainDistilled(config, cache, train, val, base(dir, { epochs: 2, resume: true, workers: 1 }))).rejects.toThrow('trained with seed 8, not 7');
  }, 60_000);
});
