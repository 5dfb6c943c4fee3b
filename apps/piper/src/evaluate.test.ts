import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fiducialBox } from './cfp';
import { evaluateCfp } from './evaluate';
import { splitIdentities } from './split';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cfpDir = join(process.env.DEEPFACE_DATASETS ?? join(repoRoot, '..', 'shared', 'datasets'), 'cfp');
const hasCfp = existsSync(join(cfpDir, 'Protocol'));
if (!hasCfp) console.warn(`apps/piper: CFP not found at ${cfpDir}; the real-data test is skipped (set DEEPFACE_DATASETS)`);

describe('splitIdentities', () => {
  it('is identity-disjoint, 30/30/40 %, and seeded', () => {
    const ids = Int32Array.from({ length: 200 }, (_, j) => 1 + Math.floor(j / 4)); // 50 identities × 4
    const a = splitIdentities(ids, 3);
    const idsOf = (idx: number[]) => new Set(idx.map((j) => ids[j]));
    expect([idsOf(a.train).size, idsOf(a.val).size, idsOf(a.test).size]).toEqual([15, 15, 20]);
    for (const id of idsOf(a.train)) expect(idsOf(a.val).has(id) || idsOf(a.test).has(id)).toBe(false);
    expect(splitIdentities(ids, 3)).toEqual(a);
    expect(splitIdentities(ids, 4)).not.toEqual(a);
  });
});

describe('fiducialBox', () => {
  it('is the square around the points, enlarged by the margin', () => {
    // Points span x 10..30, y 0..40 → side 40 · 1.4 = 56, centred on (20, 20).
    expect(fiducialBox(new Float32Array([10, 0, 30, 40]), 0.2)).toEqual({ x: -8, y: -8, width: 56, height: 56 });
  });
});

describe.skipIf(!hasCfp)('CFP, 15 identities (real data)', () => {
  it('runs every protocol and reports the required numbers above chance', async () => {
    const { text, summary } = await evaluateCfp({ dir: cfpDir, repoRoot, limitIdentities: 15, repeats: 1, pcaDims: 32, silent: true });
    for (const key of ['global', 'face', 'fusion_no_filling', 'piper', 'one_shot_1', 'retrieval_top1']) expect(typeof summary[key]).toBe('number');
    const chance = summary.chance as number;
    expect(summary.identities).toBe(5); // 15 identities: 5 train (PCA), 5 val, 5 test
    expect(summary.piper as number).toBeGreaterThan(2 * chance);
    expect(summary.global as number).toBeGreaterThan(2 * chance);
    expect(text).toMatch(/Table 4 layout/);
  }, 120_000);
});
