import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@deepface-ts/kernels';
import { gaussian, mulberry32, shuffleInPlace } from '@deepface-ts/random';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig, type NetworkConfig } from './config';
import { createDataParallelTrainer, shardBounds, weightedGradientSum, type DataParallelTrainer } from './data-parallel';
import { DeepFaceModel } from './model';
import { batchGradients, inMemoryExamples, train } from './train';

// The workers run the built dist/data-parallel-worker.js (Node 20 workers cannot load .ts):
// `pnpm --filter @deepface-ts/network build` first (turbo's test task does).

const small = (dropout: number): NetworkConfig =>
  deepFaceConfig({ inputSize: 20, f7: 64, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, dropout, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });
const withDropout = small(0.1);
// Shards draw their own dropout masks, so gradients are compared without dropout.
const noDropout = small(0);
const per = 20 * 20 * 3;

function batch(n: number, seed: number) {
  const protoRng = mulberry32(12345);
  const prototypes = Array.from({ length: 3 }, () => Float32Array.from({ length: per }, () => gaussian(protoRng) * 0.5));
  const rng = mulberry32(seed);
  const x = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < per; j++) x[i * per + j] = prototypes[i % 3]![j]! + gaussian(rng) * 0.5;
  }
  return { x, labels };
}

/** max |a − b| / max |b| over a tensor. */
function relativeMaxError(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

const open: DataParallelTrainer[] = [];
async function trainer(...args: Parameters<typeof createDataParallelTrainer>): Promise<DataParallelTrainer> {
  const t = await createDataParallelTrainer(...args);
  open.push(t);
  return t;
}

describe('createDataParallelTrainer', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
  });

  it('splits a batch into contiguous shards that differ by at most one row', () => {
    expect(shardBounds(32, 2)).toEqual([[0, 16], [16, 32]]);
    expect(shardBounds(7, 3)).toEqual([[0, 3], [3, 5], [5, 7]]);
    expect(shardBounds(1, 2)).toEqual([[0, 1], [1, 1]]);
    const out = new Float32Array(2);
    weightedGradientSum(out, [Float32Array.of(9, 1, 2), Float32Array.of(9, 3, 4), Float32Array.of(9, 5, 6)], [0.5, 0, 0.5], 1);
    expect(Array.from(out)).toEqual([3, 4]);
  });

  for (const optimizer of ['momentum', 'adam'] as const) {
    it(`with one worker reproduces train() exactly (${optimizer}, dropout, weight decay, frozen C1)`, async () => {
      // train() over one epoch of 3 batches of 8, in its own shuffled order.
      const data = batch(24, 1);
      const options = { seed: 3, optimizer, learningRate: optimizer === 'adam' ? 1e-3 : 0.01, weightDecay: 5e-4, freeze: ['C1'] };
      const model = DeepFaceModel.create(withDropout, { seed: 3 });
      const history = await train(model, inMemoryExamples(data.x, data.labels, 20), undefined, { ...options, epochs: 1, batchSize: 8, progress: false });

      const dp = await trainer(withDropout, { ...options, workers: 1 });
      const order = Int32Array.from({ length: 24 }, (_, i) => i);
      shuffleInPlace(order, mulberry32(3 * 7919 + 1)); // train()'s epoch-1 order
      const source = inMemoryExamples(data.x, data.labels, 20);
      let lossSum = 0;
      for (let start = 0; start < 24; start += 8) {
        const r = await dp.step(await source.load(order.subarray(start, start + 8)));
        expect(r.count).toBe(8);
        lossSum += r.loss * 8;
      }
      expect(dp.steps).toBe(3);
      expect(lossSum / 24).toBeCloseTo(history[0]!.trainLoss, 6);
      const w = await dp.weights();
      for (const [name, v] of model.params) expect(w.tensors.get(name), name).toEqual(v.dataSync());
      model.dispose();
      await dp.close();
    });
  }

  it('with two workers averages shard gradients (weighted by size) to the full-batch gradient, to float32 precision', async () => {
    const model = DeepFaceModel.create(noDropout, { seed: 5 });
    const dp1 = await trainer(noDropout, { workers: 1, seed: 5 });
    const dp2 = await trainer(noDropout, { workers: 2, seed: 5 });
    // 7 rows: shards of 4 and 3, weights 4/7 and 3/7 (an unweighted mean of shard means would be off).
    for (const n of [8, 7]) {
      const b = batch(n, 10 + n);
      let full = { loss: 0, grads: new Map<string, Float32Array>() };
      tf.tidy(() => {
        const r = batchGradients(model, [...model.params.values()], b.x, b.labels, 0);
        full = { loss: r.loss.dataSync()[0]!, grads: new Map([...model.params].map(([name, v]) => [name, r.grads[v.name]!.dataSync() as Float32Array])) };
      });
      const one = await dp1.gradients(b);
      const two = await dp2.gradients(b);
      expect(one.loss).toBe(full.loss);
      expect(two.loss).toBeCloseTo(full.loss, 5);
      for (const [name, g] of full.grads) {
        expect(one.grads.get(name), name).toEqual(g); // one shard of weight 1: the gradient itself
        // Two float32 evaluations of the same sums, associated differently (per-shard sums,
        // then the weighted sum): they differ by rounding, ~√n·2⁻²⁴ relative to the largest
        // terms; measured ≤ 1.2e-6 here (wasm arithmetic is deterministic, so this does not vary
        // from run to run), and 2e-5 is ~16× that.
        expect(relativeMaxError(two.grads.get(name)!, g), name).toBeLessThan(2e-5);
      }
    }
    // A batch smaller than the worker count: worker 2 gets no rows and is left out of the average.
    const b1 = batch(1, 99);
    const g1 = await dp1.gradients(b1);
    const g2 = await dp2.gradients(b1);
    for (const [name, g] of g1.grads) expect(g2.grads.get(name), name).toEqual(g);
    model.dispose();
  });

  it('after several steps, two workers and one agree (momentum SGD and Adam), and the replicas stay identical', async () => {
    const k = 6;
    for (const [optimizer, learningRate, bound] of [
      ['momentum', 0.01, 1e-4],
      ['adam', 1e-3, 1e-3],
    ] as const) {
      const dp1 = await trainer(noDropout, { workers: 1, seed: 7, optimizer, learningRate });
      const dp2 = await trainer(noDropout, { workers: 2, seed: 7, optimizer, learningRate });
      const w0 = await dp1.weights();
      for (let s = 0; s < k; s++) {
        const b = batch(8, 100 + s);
        const [r1, r2] = await Promise.all([dp1.step(b), dp2.step(b)]);
        expect(r2.loss).toBeCloseTo(r1.loss, 4);
      }
      const [w1, w2] = await Promise.all([dp1.weights(), dp2.weights()]);
      // The difference comes only from the gradients' rounding (≤ 2e-5 relative, previous
      // test) carried through k steps, so it is measured against how far training moved each
      // tensor (L2 norms): momentum SGD is linear in the gradient, so the relative difference
      // stays at the gradients' ~1e-6 (measured ≤ 4e-6; bound 1e-4); Adam divides by √v, which
      // turns rounding noise on components whose gradient is near zero into steps of up to the
      // learning rate, so its bound is 1e-3 (measured ≤ 8e-7 here: few such components).
      for (const [name, a] of w1.tensors) {
        const b = w2.tensors.get(name)!;
        const start = w0.tensors.get(name)!;
        let moved = 0;
        let diff = 0;
        for (let i = 0; i < a.length; i++) {
          moved += (a[i]! - start[i]!) ** 2;
          diff += (b[i]! - a[i]!) ** 2;
        }
        expect(Math.sqrt(diff), `${optimizer} ${name}`).toBeLessThanOrEqual(bound * Math.sqrt(moved));
        expect(moved, `${optimizer} ${name} moved`).toBeGreaterThan(0);
      }
      // Every replica reloads the shared weights each step: both workers' replicas hold w2, so
      // the gradient of worker 2's shard alone is the one-worker gradient at w2 (bit-identical).
      const probe = batch(2, 500);
      const dpProbe = await trainer(noDropout, { workers: 1, weights: w2 });
      const g2 = await dp2.gradients({ x: probe.x.slice(per), labels: probe.labels.slice(1) });
      const gp = await dpProbe.gradients({ x: probe.x.slice(per), labels: probe.labels.slice(1) });
      for (const [name, g] of gp.grads) expect(g2.grads.get(name), name).toEqual(g);
      await Promise.all([dp1.close(), dp2.close(), dpProbe.close()]);
    }
  });

  it('rejects a step whose batch a worker refuses, leaves the weights alone, keeps working, and closes', async () => {
    const dp = await trainer(noDropout, { workers: 2, seed: 9 });
    const good = batch(8, 1);
    const before = await dp.weights();
    // One row short: worker 1's shard is fine, worker 2's has 3 rows of values for 4 labels.
    await expect(dp.step({ x: good.x.subarray(0, 7 * per), labels: good.labels })).rejects.toThrow(
      /data-parallel step 1 \(gradients\) failed: worker 2 of 2: batch shape: 3600 input values for 4 labels; expected 4 × 20×20×3 = 4800/,
    );
    await expect(dp.step({ x: good.x, labels: Int32Array.of(0, 1, 2, 3, 0, 1, 2, 0) })).rejects.toThrow('label 3 at batch row 3 is outside 0..2');
    expect(dp.steps).toBe(0);
    const after = await dp.weights();
    for (const [name, t] of before.tensors) expect(after.tensors.get(name), name).toEqual(t);
    const r = await dp.step(good);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(dp.steps).toBe(1);
    const trained = await dp.weights();
    await dp.close();
    await dp.close(); // idempotent
    await expect(dp.step(good)).rejects.toThrow('closed');
    expect((await dp.weights()).tensors.get('F8.weight')).toEqual(trained.tensors.get('F8.weight')); // still readable
  });

  it('rejects a step in flight when closed, and refuses bad options', async () => {
    const dp = await trainer(noDropout, { workers: 2 });
    const running = dp.step(batch(8, 2));
    await dp.close();
    await expect(running).rejects.toThrow('closed');
    await expect(createDataParallelTrainer(noDropout, { workers: 0 })).rejects.toThrow('workers must be an integer ≥ 1');
    await expect(createDataParallelTrainer(noDropout, { freeze: ['C2'] })).rejects.toThrow('cannot freeze C2');
  });

  it('leaves no threads behind: a process that closes its trainer exits by itself, after a failed step too', () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { createDataParallelTrainer, deepFaceConfig } = await import(${JSON.stringify(dist)});
      const config = deepFaceConfig(${JSON.stringify({ inputSize: 20, f7: 64, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, dropout: 0, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } })});
      const dp = await createDataParallelTrainer(config, { workers: 2 });
      const x = new Float32Array(4 * 1200).fill(0.5), labels = Int32Array.of(0, 1, 2, 0);
      await dp.step({ x, labels });
      await dp.step({ x: x.subarray(1), labels }).catch((e) => console.log('rejected:', e.message));
      await dp.close();
      console.log('closed');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('rejected: data-parallel step 2 (gradients) failed: worker 2 of 2: batch shape');
    expect(r.stdout).toContain('closed');
    expect(r.signal).toBeNull(); // not killed by the timeout: it exited on its own
    expect(r.status).toBe(0);
  });
});
