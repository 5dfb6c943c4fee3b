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
    await lance.buildIndex({ numPartitions: 32 });
    let recall = 0;
    for (const q of queries) recall += recallAt(exact.searchSync(q, 100).ids, (await lance.search(q, 100)).ids) / queries.length;
    // Measured ≈ 0.99 here (nprobes 20 of 32 partitions, refine ×5).
    expect(recall).toBeGreaterThanOrEqual(0.9);
    lance.close();
    const again = await LanceIndex.open(dir, dim);
    expect(again.size).toBe(n);
    expect((await again.search(queries[1], 1)).ids[0]).toBe(4321);
    await expect(again.search(new Float32Array(3), 1)).rejects.toThrow(/length 32, got 3/);
    again.close();
  }, 60_000);
});
