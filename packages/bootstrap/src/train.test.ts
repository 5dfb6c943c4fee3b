import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { trainLinearSvm } from '@deepface-ts/linear-svm';
import { trainHyperplanes, DEFAULT_SVM } from './train';
import { buildOneVsAllProblem } from './train-core';
import { WasmSvm } from './svm-wasm';
import { HyperplaneStore } from './store';
import { gaussian } from './testing';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `ids` identities with `per` samples each around random centres (noise σ). */
function clusters(ids: number, per: number, dim: number, sigma: number, seed: number) {
  const centres = gaussian(ids * dim, seed);
  const noise = gaussian(ids * per * dim, seed + 1);
  const features = new Float32Array(ids * per * dim);
  const labels = new Int32Array(ids * per);
  for (let r = 0; r < ids * per; r++) {
    // Interleaved identities, so grouping by identity is really exercised.
    const id = r % ids;
    labels[r] = id;
    for (let j = 0; j < dim; j++) features[r * dim + j] = centres[id * dim + j] + sigma * noise[r * dim + j];
  }
  return { features, labels, centres };
}

describe('trainHyperplanes', () => {
  const dim = 32;
  const data = clusters(40, 12, dim, 0.8, 3);

  it('separates each identity from the others, and equals the direct SVM on the same sampled problem', async () => {
    const h = await trainHyperplanes(data.features, data.labels, dim, { negatives: 100, threads: 2, batchSize: 5, progress: false });
    expect(h.identities.length).toBe(40);
    expect(Array.from(h.positives)).toEqual(new Array(40).fill(12));
    // Training accuracy on fresh samples of the same clusters: each hyperplane ranks its own
    // identity's new samples above the others' (one-vs-all identification).
    const fresh = clusters(40, 3, dim, 0.8, 3);
    // Same centres (same seed), new noise: draw noise with another seed.
    const noise = gaussian(40 * 3 * dim, 999);
    let correct = 0;
    for (let r = 0; r < 120; r++) {
      const id = r % 40;
      const x = new Float32Array(dim);
      for (let j = 0; j < dim; j++) x[j] = fresh.centres[id * dim + j] + 0.8 * noise[r * dim + j];
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < 40; i++) {
        let s = h.b[i];
        for (let j = 0; j < dim; j++) s += h.w[i * dim + j] * x[j];
        if (s > bestScore) [best, bestScore] = [i, s];
      }
      if (best === id) correct++;
    }
    // Chance is 1/40; measured 0.91 (12 positives per identity, noise ≈ half the centre spacing).
    expect(correct / 120).toBeGreaterThan(0.85);

    // Identity 7 trained in the worker = the same problem solved here directly.
    const shared = new SharedArrayBuffer(data.features.byteLength);
    new Float32Array(shared).set(data.features);
    const offsets = new Int32Array(new SharedArrayBuffer(41 * 4));
    const order = new Int32Array(new SharedArrayBuffer(480 * 4));
    for (let id = 0; id < 40; id++) {
      offsets[id + 1] = (id + 1) * 12;
      for (let k = 0; k < 12; k++) order[id * 12 + k] = k * 40 + id;
    }
    const p = buildOneVsAllProblem(
      { features: shared, dim, order: order.buffer as SharedArrayBuffer, offsets: offsets.buffer as SharedArrayBuffer, negatives: 100, seed: 1, svm: DEFAULT_SVM },
      7,
    );
    expect(p.positives).toBe(12);
    expect(p.y.filter((v) => v === -1).length).toBe(100);
    const direct = new WasmSvm().train(p.X, p.y, dim, { ...DEFAULT_SVM, seed: p.seed, classWeights: { pos: 1, neg: 1 } });
    expect(h.w.subarray(7 * dim, 8 * dim)).toEqual(direct.w);
    expect(h.b[7]).toBe(direct.b);
    // The 'js' solver (@deepface-ts/linear-svm) in the worker = the same call made here.
    const hj = await trainHyperplanes(data.features, data.labels, dim, { identities: [7], negatives: 100, threads: 1, progress: false, svm: { solver: 'js' } });
    const { C, loss, bias, tol, maxIter } = DEFAULT_SVM;
    const directJs = trainLinearSvm(p.X, p.y, dim, { C, loss, bias, tol, maxIter, seed: p.seed, classWeights: { pos: 1, neg: 1 } });
    expect(hj.w).toEqual(directJs.w);
    expect(hj.b[0]).toBe(Math.fround(directJs.b));
    // Both solvers reach nearly the same hyperplane (same problem, tolerance 0.1).
    let cos = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < dim; j++) {
      cos += hj.w[j] * direct.w[j];
      na += hj.w[j] ** 2;
      nb += direct.w[j] ** 2;
    }
    expect(cos / Math.sqrt(na * nb)).toBeGreaterThan(0.99);
  }, 60_000);

  it('is deterministic whatever the thread count and batch size', async () => {
    const a = await trainHyperplanes(data.features, data.labels, dim, { identities: [3, 1, 4, 15, 9], negatives: 60, threads: 1, batchSize: 5, progress: false });
    const b = await trainHyperplanes(data.features, data.labels, dim, { identities: [3, 1, 4, 15, 9], negatives: 60, threads: 2, batchSize: 2, progress: false });
    expect(Array.from(a.identities)).toEqual([3, 1, 4, 15, 9]);
    expect(b.w).toEqual(a.w);
    expect(b.b).toEqual(a.b);
  }, 60_000);

  it('streams finished batches into a store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepface-train-test-'));
    dirs.push(dir);
    const store = HyperplaneStore.create(dir, dim);
    const names = Array.from({ length: 40 }, (_, i) => `person-${i}`);
    const h = await trainHyperplanes(data.features, data.labels, dim, { negatives: 80, threads: 2, batchSize: 8, progress: false, store, names });
    const reopened = HyperplaneStore.open(dir);
    expect(reopened.rows).toBe(40);
    expect(reopened.segments.length).toBe(5);
    const labels = reopened.labels();
    expect(new Set(labels).size).toBe(40);
    // Each stored row is its identity's hyperplane (unit·norm = w).
    let row = 0;
    for (let s = 0; s < reopened.segments.length; s++) {
      const seg = reopened.readSegment(s);
      for (let r = 0; r < seg.rows; r++, row++) {
        const id = Number(labels[row].split('-')[1]);
        for (let j = 0; j < dim; j += 7) expect(seg.unit[r * dim + j] * seg.norms[r]).toBeCloseTo(h.w[id * dim + j], 5);
        expect(seg.bias[r]).toBeCloseTo(h.b[id], 6);
      }
    }
  }, 60_000);

  it('rejects bad labels and shapes', async () => {
    await expect(trainHyperplanes(new Float32Array(10), new Int32Array(2), 4)).rejects.toThrow(/not a multiple of dim = 4/);
    await expect(trainHyperplanes(new Float32Array(8), new Int32Array(3), 4)).rejects.toThrow(/one identity per row \(2\)/);
    await expect(trainHyperplanes(new Float32Array(8), Int32Array.from([0, -1]), 4)).rejects.toThrow(/labels\[1\] = -1/);
    await expect(trainHyperplanes(new Float32Array(8), Int32Array.from([0, 1]), 4, { identities: [2] })).rejects.toThrow(/identity 2 has no rows/);
  });

  it('the built package finds its worker from ESM and CommonJS', () => {
    const script = (load: string) => `
      const m = ${load};
      const f = new Float32Array(8 * 4).map((_, i) => Math.sin(i) + (i % 8 < 4 ? 1 : -1));
      const l = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]);
      m.trainHyperplanes(f, l, 4, { threads: 1, progress: false }).then((h) => console.log('planes', h.identities.length, h.w.length));`;
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e', script("await import('@deepface-ts/bootstrap')")], { cwd: pkgRoot, encoding: 'utf8' });
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('planes 2 8');
    const cjs = spawnSync(process.execPath, ['-e', script("require('@deepface-ts/bootstrap')")], { cwd: pkgRoot, encoding: 'utf8' });
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('planes 2 8');
  }, 60_000);
});
