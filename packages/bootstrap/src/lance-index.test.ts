import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExactIndex } from './exact-index';
import { LanceIndex } from './lance-index';
import { recallAt } from './vectors';
import { gaussian } from './testing';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Clustered rows (like hyperplanes of related identities), 64 clusters. */
function clustered(n: number, dim: number, seed: number): Float32Array {
  const centres = gaussian(64 * dim, seed);
  const noise = gaussian(n * dim, seed + 1);
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) out[r * dim + j] = centres[(r % 64) * dim + j] + 0.7 * noise[r * dim + j];
  return out;
}

describe('LanceIndex', () => {
  it('exact scan agrees with ExactIndex; IVF-PQ keeps recall@100 high; reopens with its rows', async () => {
    const dim = 32;
    const n = 8000;
    const rows = clustered(n, dim, 1);
    const dir = mkdtempSync(join(tmpdir(), 'deepface-lance-test-'));
    dirs.push(dir);
    const lance = await LanceIndex.open(dir, dim, { nprobes: 20, refineFactor: 5 });
    const exact = new ExactIndex({ dim });
    // Two appends: ids continue across them.
    const normsA = await lance.add(rows.subarray(0, 3000 * dim));
    await lance.add(rows.subarray(3000 * dim));
    exact.addSync(rows);
    expect(lance.size).toBe(n);
    expect(normsA.length).toBe(3000);
    const queries = [5, 4321, 7999].map((r) => rows.slice(r * dim, (r + 1) * dim));
    for (const q of queries) {
      const a = await lance.searchExact(q, 50);
      const b = exact.searchSync(q, 50);
      expect(recallAt(b.ids, a.ids)).toBeGreaterThanOrEqual(0.98);
      for (let i = 0; i < 50; i++) expect(a.scores[i]).toBeCloseTo(b.scores[i], 4);
    }
    await lance.buildIndex({ kind: 'ivf_pq', numPartitions: 32 });
    expect(lance.indexKind).toBe('ivf_pq');
    let recall = 0;
    for (const q of queries) recall += recallAt(exact.searchSync(q, 100).ids, (await lance.search(q, 100)).ids) / queries.length;
    // Measured ≈ 0.99 here (nprobes 20 of 32 partitions, refine ×5).
    expect(recall).toBeGreaterThanOrEqual(0.9);
    lance.close();
    const again = await LanceIndex.open(dir, dim);
    expect(again.size).toBe(n);
    expect(again.indexKind).toBe('ivf_pq');
    expect((await again.search(queries[1], 1)).ids[0]).toBe(4321);
    await expect(again.search(new Float32Array(3), 1)).rejects.toThrow(/length 32, got 3/);
    again.close();
  }, 60_000);

  it('appends in batches with continuing ids (queued when concurrent); checks every row first; IVF-flat (the default) scans its probed partitions exactly', async () => {
    const dim = 16;
    const n = 5000;
    const rows = clustered(n, dim, 7);
    for (let j = 0; j < dim; j++) rows[42 * dim + j] *= 3; // a row with norm ≠ 1
    const dir = mkdtempSync(join(tmpdir(), 'deepface-lance-test-'));
    dirs.push(dir);
    // 1,200-row appends: 3,500 rows go in as 3 appends.
    const lance = await LanceIndex.open(dir, dim, { nprobes: 8, batchRows: 1200 });
    const exact = new ExactIndex({ dim });
    exact.addSync(rows);
    const norms = await lance.add(rows.subarray(0, 3500 * dim));
    expect(norms.length).toBe(3500);
    for (const r of [0, 42, 1199, 1200, 3499]) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += rows[r * dim + j] ** 2;
      expect(norms[r]).toBeCloseTo(Math.sqrt(s), 4);
    }
    // A non-finite value in the last batch: nothing of this call is written.
    const bad = rows.slice(3500 * dim);
    bad[1400 * dim + 3] = Number.NaN;
    await expect(lance.add(bad)).rejects.toThrow(/rows has a non-finite value NaN at row 1400, column 3/);
    expect(lance.size).toBe(3500);
    // Two calls not awaited in between: queued, ids in call order.
    await Promise.all([lance.add(rows.subarray(3500 * dim, 4200 * dim)), lance.add(rows.subarray(4200 * dim))]);
    expect(lance.size).toBe(n);
    expect(lance.indexKind).toBeUndefined();
    // Every batch boundary keeps ids in row order: each probe row finds itself at cosine 1.
    for (const r of [0, 1199, 1200, 2399, 2400, 3499, 3500, 4199, 4200, 4999]) {
      const top = await lance.searchExact(rows.slice(r * dim, (r + 1) * dim), 1);
      expect(top.ids[0]).toBe(r);
      expect(top.scores[0]).toBeCloseTo(1, 5);
    }
    await lance.buildIndex({ numPartitions: 16 });
    expect(lance.indexKind).toBe('ivf_flat');
    const queries = [3, 2500, 4999].map((r) => rows.slice(r * dim, (r + 1) * dim));
    let recall = 0;
    for (const q of queries) {
      const a = await lance.search(q, 100);
      const b = exact.searchSync(q, 100);
      recall += recallAt(b.ids, a.ids) / queries.length;
      // Full vectors in the index: the scores are the exact cosines of the rows returned.
      for (let i = 0; i < a.ids.length; i++) {
        let dot = 0;
        let ss = 0;
        for (let j = 0; j < dim; j++) {
          dot += q[j] * rows[a.ids[i] * dim + j];
          ss += rows[a.ids[i] * dim + j] ** 2;
        }
        let qq = 0;
        for (let j = 0; j < dim; j++) qq += q[j] * q[j];
        expect(a.scores[i]).toBeCloseTo(dot / Math.sqrt(ss * qq), 4);
      }
    }
    // 8 of 16 partitions probed over 64 clusters.
    expect(recall).toBeGreaterThanOrEqual(0.95);
    lance.close();
    const again = await LanceIndex.open(dir, dim);
    expect(again.indexKind).toBe('ivf_flat');
    expect((await again.search(queries[1], 1)).ids[0]).toBe(2500);
    again.close();
    await expect(LanceIndex.open(dir, dim, { batchRows: 0 })).rejects.toThrow(/batchRows must be a positive integer/);
  }, 60_000);
});
