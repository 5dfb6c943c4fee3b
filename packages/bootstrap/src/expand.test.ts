import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSfcManifest } from '@deepface-ts/datasets';
import { ExactIndex } from './exact-index';
import { drawDistinct, expandSeeds, writeDb2Manifest } from './expand';
import { gaussian } from './testing';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('expandSeeds', () => {
  it('retrieves each seed with its own group first and writes DB2 as an SFC manifest', async () => {
    // 20 groups of 10 hyperplanes each: rows of a group are close to the group's centre.
    const dim = 32;
    const groups = 20;
    const per = 10;
    const centres = gaussian(groups * dim, 1);
    const noise = gaussian(groups * per * dim, 2);
    const rows = new Float32Array(groups * per * dim);
    const labels: string[] = [];
    for (let r = 0; r < groups * per; r++) {
      const g = r % groups;
      labels.push(`g${g}-m${Math.floor(r / groups)}`);
      for (let j = 0; j < dim; j++) rows[r * dim + j] = centres[g * dim + j] + 0.2 * noise[r * dim + j];
    }
    const index = new ExactIndex({ dim });
    index.addSync(rows);
    const vectorOf = (r: number) => rows.subarray(r * dim, (r + 1) * dim);
    const result = await expandSeeds(index, labels, vectorOf, { seeds: 3, k: per, seed: 7 });
    expect(result.seeds.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const seed = result.seeds[i];
      const hits = result.neighbours[i];
      expect(hits.ids[0]).toBe(seed);
      // All k = 10 nearest are the seed's own group.
      for (const r of hits.ids) expect(r % groups).toBe(seed % groups);
    }
    expect(new Set(result.rows).size).toBe(result.rows.length);
    expect(result.identities.length).toBe(result.rows.length);
    expect(result.rows.length).toBe(new Set(result.seeds.map((s) => s % groups)).size * per);

    const dir = mkdtempSync(join(tmpdir(), 'deepface-expand-test-'));
    dirs.push(dir);
    const file = join(dir, 'db2.csv');
    const written = writeDb2Manifest(file, result.identities, (id) => [
      { image: `${id}/0001.jpg`, timestamp: 1_400_000_000 },
      { image: `${id}/0002.jpg`, timestamp: 1_400_000_100 },
    ]);
    expect(written).toBe(result.identities.length * 2);
    const back = readSfcManifest(file);
    expect(back.rows).toBe(written);
    expect([...back.identities]).toEqual(result.identities);
    expect(back.image(1)).toBe(`${result.identities[0]}/0002.jpg`);
  });

  it('draws distinct seeds reproducibly and checks its arguments', async () => {
    const a = drawDistinct(1000, 100, 3);
    expect(new Set(a).size).toBe(100);
    expect(a.every((v) => v >= 0 && v < 1000)).toBe(true);
    expect(drawDistinct(1000, 100, 3)).toEqual(a);
    expect(drawDistinct(5, 5, 1).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => drawDistinct(3, 4, 1)).toThrow(/cannot draw 4/);
    const index = new ExactIndex({ dim: 4 });
    index.addSync(new Float32Array(8).fill(1));
    await expect(expandSeeds(index, ['a'], () => new Float32Array(4))).rejects.toThrow(/expected 2/);
    await expect(expandSeeds(index, ['a', 'b'], () => new Float32Array(4), { seedRows: [2] })).rejects.toThrow(/seed row 2 out of range/);
  });
});
