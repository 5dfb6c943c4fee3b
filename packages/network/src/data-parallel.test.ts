import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@deepface-ts/kernels';
import { gaussian, mulberry32, shuffleInPlace } from '@deepface-ts/random';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig, type NetworkConfig } from './config';
import { createDataParallelTrainer, shardBounds, weightedGradientSum, type DataParallelTrainer } from './data-parallel';
import { createDistillOptimizer, distillStep, DistillProjection, type DistillWeights } from './distill';
import { DeepFaceModel } from './model';
import { batchGradients, inMemoryExamples, train } from './train';
import { decodeWeightsFile, encodeWeightsFile, PROJECTION_BIAS, PROJECTION_WEIGHT } from './weights_file';

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

/** Unit-norm teacher descriptors [n, d] and identity labels with unknowns (−1). */
function distillBatch(n: number, seed: number, d: number, labels?: readonly number[]) {
  const b = batch(n, seed);
  const rng = mulberry32(seed + 7);
  const teacher = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, () => gaussian(rng));
    const norm = Math.hypot(...row);
    row.forEach((v, k) => (teacher[i * d + k] = v / norm));
  }
  return { x: b.x, labels: labels ? Int32Array.from(labels) : b.labels, teacher };
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

describe('createDataParallelTrainer in distill mode', { timeout: 180_000 }, () => {
  const D = 16;
  const projectionFor = (seed: number, bias = true) => {
    const p = DistillProjection.create(64, { outputSize: D, seed, bias });
    const w = p.toWeights();
    p.dispose();
    return { ...w, weight: w.weight.slice(), bias: w.bias?.slice() };
  };
  const labels8 = [0, -1, 2, 1, -1, -1, 1, 0];

  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
  });

  for (const weights of [
    { regression: 1, pairwise: 0.5, identity: 0.2 },
    { regression: 1, pairwise: 0.3, identity: 0 },
  ] satisfies Partial<DistillWeights>[]) {
    it(`with one worker reproduces distillStep (Adam, dropout, weight decay, frozen C1, weights ${JSON.stringify(weights)})`, async () => {
      const projection = projectionFor(5);
      const model = DeepFaceModel.create(withDropout, { seed: 3 });
      const head = DistillProjection.fromWeights(projection);
      const optimizer = createDistillOptimizer(model, head, { learningRate: 1e-3, weightDecay: 5e-4, freeze: ['C1'] });
      const dp = await trainer(withDropout, {
        workers: 1,
        seed: 3,
        optimizer: 'adam',
        learningRate: 1e-3,
        weightDecay: 5e-4,
        freeze: ['C1'],
        distill: { projection, weights },
      });
      const f8 = model.param('F8.weight').dataSync().slice();
      for (let s = 0; s < 2; s++) {
        const b = distillBatch(8, 20 + s, D, labels8);
        // Default dropout seeds on both sides: seed · 1,000,003 + step.
        const ref = distillStep(model, head, optimizer, { x: b.x, teacher: b.teacher, labels: b.labels }, { weights, seed: 3 });
        const r = await dp.step(b);
        expect(r.count).toBe(8);
        expect(r.loss).toBeCloseTo(ref.total, 6);
        expect(r.terms!.regression).toBeCloseTo(ref.regression, 6);
        expect(r.terms!.pairwise).toBeCloseTo(ref.pairwise, 6);
        expect(r.terms!.identity).toBeCloseTo(ref.identity, 6);
      }
      expect(dp.steps).toBe(2);
      const w = await dp.weights();
      expect(w.tensors.has(PROJECTION_WEIGHT)).toBe(false); // the network's tensors only
      for (const [name, v] of model.params) expect(relativeMaxError(w.tensors.get(name)!, v.dataSync() as Float32Array), name).toBeLessThan(1e-6);
      expect(w.projection!.inputSize).toBe(64);
      expect(w.projection!.outputSize).toBe(D);
      expect(relativeMaxError(w.projection!.weight, head.weight.dataSync() as Float32Array)).toBeLessThan(1e-6);
      expect(relativeMaxError(w.projection!.bias!, head.bias!.dataSync() as Float32Array)).toBeLessThan(1e-6);
      expect(relativeMaxError(w.projection!.weight, projection.weight)).toBeGreaterThan(0); // it was trained
      // Without the identity term F8 is off the loss's path: neither side touches it.
      if (weights.identity === 0) expect(w.tensors.get('F8.weight')).toEqual(f8);
      else expect(w.tensors.get('F8.weight')).not.toEqual(f8);
      // A weights file takes it as it is.
      const decoded = decodeWeightsFile(encodeWeightsFile(w));
      expect(decoded.projection!.weight).toEqual(w.projection!.weight);
      optimizer.dispose();
      head.dispose();
      model.dispose();
      await dp.close();
    });
  }

  it('with two workers and no pairwise term agrees with one worker (loss, gradients, weights after a step), unknown labels spread unevenly', async () => {
    const projection = projectionFor(6);
    const weights = { regression: 1, pairwise: 0, identity: 0.5 };
    const options = { seed: 4, learningRate: 0.01, distill: { projection, weights } } as const;
    const dp1 = await trainer(noDropout, { ...options, workers: 1 });
    const dp2 = await trainer(noDropout, { ...options, workers: 2 });
    // 7 rows: shards of 4 and 3 with 1 and 3 labelled rows; the identity term is a mean over
    // labelled rows, so the trainer rescales each shard's identity weight to keep the average exact.
    const b = distillBatch(7, 40, D, [0, -1, -1, -1, 2, 0, 1]);
    const [g1, g2] = await Promise.all([dp1.gradients(b), dp2.gradients(b)]);
    expect(g2.loss).toBeCloseTo(g1.loss, 5);
    expect(g2.terms!.identity).toBeCloseTo(g1.terms!.identity, 5);
    expect(g2.terms!.regression).toBeCloseTo(g1.terms!.regression, 5);
    expect([...g2.grads.keys()]).toEqual([...g1.grads.keys()]);
    expect(g1.grads.has(PROJECTION_WEIGHT) && g1.grads.has(PROJECTION_BIAS)).toBe(true);
    for (const [name, g] of g1.grads) expect(relativeMaxError(g2.grads.get(name)!, g), name).toBeLessThan(2e-5);

    const w0 = await dp1.weights();
    const [r1, r2] = await Promise.all([dp1.step(b), dp2.step(b)]);
    expect(r2.loss).toBeCloseTo(r1.loss, 5);
    expect(r1.loss).toBeCloseTo(g1.loss, 6); // the same weights and batch: the same loss
    const [w1, w2] = await Promise.all([dp1.weights(), dp2.weights()]);
    const pairs: [string, Float32Array, Float32Array, Float32Array][] = [
      ...[...w1.tensors].map(([name, a]) => [name, a, w2.tensors.get(name)!, w0.tensors.get(name)!] as [string, Float32Array, Float32Array, Float32Array]),
      [PROJECTION_WEIGHT, w1.projection!.weight, w2.projection!.weight, w0.projection!.weight],
      [PROJECTION_BIAS, w1.projection!.bias!, w2.projection!.bias!, w0.projection!.bias!],
    ];
    for (const [name, a, c, start] of pairs) {
      let moved = 0;
      let diff = 0;
      for (let i = 0; i < a.length; i++) {
        moved += (a[i]! - start[i]!) ** 2;
        diff += (c[i]! - a[i]!) ** 2;
      }
      expect(moved, `${name} moved`).toBeGreaterThan(0);
      expect(Math.sqrt(diff), name).toBeLessThanOrEqual(1e-4 * Math.sqrt(moved));
    }
    await Promise.all([dp1.close(), dp2.close()]);
  });

  for (const optimizer of ['adam', 'momentum'] as const) {
    it(`resumes exactly from weights() + optimizerState() (${optimizer}, 2 workers)`, async () => {
      const projection = projectionFor(7);
      const distill = { projection, weights: { regression: 1, pairwise: 0.5, identity: 0.2 }, kind: 'mse' as const };
      const options = { workers: 2, seed: 8, optimizer, learningRate: optimizer === 'adam' ? 1e-3 : 0.01, weightDecay: 1e-4, freeze: ['C3'] };
      const dp = await trainer(withDropout, { ...options, distill });
      for (let s = 0; s < 2; s++) await dp.step(distillBatch(8, 60 + s, D, labels8));
      const w = await dp.weights();
      const state = await dp.optimizerState();
      expect(state.steps).toBe(2);
      const total = [...w.tensors.values()].reduce((a, t) => a + t.length, 0) + 64 * D + D;
      expect(state.first.length).toBe(total);
      expect(state.second?.length).toBe(optimizer === 'adam' ? total : undefined);
      expect(state.first.some((v) => v !== 0)).toBe(true);
      // A frozen layer has no moments.
      let offset = 0;
      for (const [name, t] of w.tensors) {
        if (name.startsWith('C3.')) expect(state.first.subarray(offset, offset + t.length).every((v) => v === 0), name).toBe(true);
        offset += t.length;
      }

      const resumed = await trainer(withDropout, { ...options, weights: w, distill: { ...distill, projection: w.projection! }, optimizerState: state });
      const fresh = await trainer(withDropout, { ...options, weights: w, distill: { ...distill, projection: w.projection! } });
      expect(resumed.steps).toBe(2);
      const again = await resumed.optimizerState();
      expect(again.first).toEqual(state.first);
      expect(again.second).toEqual(state.second);
      const b3 = distillBatch(8, 62, D, labels8);
      const [r, rr, rf] = await Promise.all([dp.step(b3, { dropoutSeed: 4242 }), resumed.step(b3, { dropoutSeed: 4242 }), fresh.step(b3, { dropoutSeed: 4242 })]);
      expect(rr.loss).toBe(r.loss);
      expect(rf.loss).toBe(r.loss);
      const [a, c, f] = await Promise.all([dp.weights(), resumed.weights(), fresh.weights()]);
      for (const [name, t] of a.tensors) expect(relativeMaxError(c.tensors.get(name)!, t), name).toBeLessThan(1e-6);
      expect(relativeMaxError(c.projection!.weight, a.projection!.weight)).toBeLessThan(1e-6);
      expect(relativeMaxError(c.projection!.bias!, a.projection!.bias!)).toBeLessThan(1e-6);
      // Without the moments (and step count) the third step is a different one.
      expect(relativeMaxError(f.projection!.weight, a.projection!.weight)).toBeGreaterThan(1e-4);
      await Promise.all([dp.close(), resumed.close(), fresh.close()]);
    });
  }

  it('refuses a bad teacher, bad labels, a projection for another F7 and a bad optimizerState', async () => {
    const projection = projectionFor(9, false);
    const dp = await trainer(noDropout, { workers: 2, distill: { projection } });
    const b = distillBatch(8, 80, D, labels8);
    const bad = dp.step({ ...b, teacher: b.teacher.subarray(0, 7 * D) });
    await expect(bad).rejects.toThrow(RangeError);
    await expect(bad).rejects.toThrow(/batch\.teacher must be a Float32Array of shape \[8, 16\] \(128 values, row-major\) for 8 rows, got 112 values/);
    await expect(dp.step({ x: b.x, labels: b.labels })).rejects.toThrow(/batch\.teacher must be a Float32Array of shape \[8, 16\].*got none/);
    await expect(dp.step({ ...b, labels: Int32Array.of(0, 1, 2, -2, 0, 1, 2, 0) })).rejects.toThrow('label -2 at batch row 3 is outside −1 (unknown), 0..2');
    expect(dp.steps).toBe(0);
    const r = await dp.step(b);
    expect(Number.isFinite(r.loss) && r.terms!.regression > 0).toBe(true);
    expect(r.loss).toBe(r.terms!.regression); // the default weights: regression only
    expect((await dp.weights()).projection!.bias).toBeUndefined();
    // -1 labels are distill mode's only
    const plain = await trainer(noDropout, { workers: 1 });
    await expect(plain.step({ x: b.x, labels: b.labels })).rejects.toThrow('label -1 at batch row 1 is outside 0..2');
    await expect(plain.step({ ...batch(8, 1), teacher: b.teacher })).rejects.toThrow(/not created with `distill`/);
    await expect(createDataParallelTrainer(noDropout, { distill: { projection: { ...projection, inputSize: 32, weight: new Float32Array(32 * D) } } })).rejects.toThrow(
      /distill\.projection takes 32 inputs, .*'s F7 has 64/,
    );
    const state = await plain.optimizerState();
    expect(state.second).toBeUndefined();
    await expect(createDataParallelTrainer(noDropout, { optimizerState: { ...state, first: state.first.subarray(1) } })).rejects.toThrow(
      new RegExp(`optimizerState\\.first must be a Float32Array of ${state.first.length} values .*got ${state.first.length - 1} values`),
    );
    await expect(createDataParallelTrainer(noDropout, { optimizer: 'adam', optimizerState: state })).rejects.toThrow(/optimizerState\.second must be .*got none/);
    await expect(createDataParallelTrainer(noDropout, { optimizerState: { ...state, steps: -1 } })).rejects.toThrow('optimizerState.steps must be an integer ≥ 0');
    await Promise.all([dp.close(), plain.close()]);
    await expect(dp.optimizerState()).rejects.toThrow('closed');
  });
});
