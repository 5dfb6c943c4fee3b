import { mulberry32 } from '@deepface-ts/random';
import { describe, expect, it } from 'vitest';
import { ensembleMetrics, memberDistance, pairDistanceRows } from './ensemble';

/**
 * Synthetic per-pair distances of two members, 4 folds × 60 pairs: x₁, x₂ uniform on (0, 1),
 * same person when x₁ + x₂ < 1. Either distance alone is weak (the best threshold on one,
 * at 0.5, is right 3 times in 4) but together they separate the pairs (a line in the plane,
 * which the sum of per-member kernels can draw).
 */
function syntheticDistances() {
  const rng = mulberry32(11);
  const pairs: { same: boolean; fold: number }[] = [];
  const rows: number[] = [];
  for (let fold = 1; fold <= 4; fold++) {
    for (let j = 0; j < 60; j++) {
      const x1 = rng.next();
      const x2 = rng.next();
      rows.push(x1, x2);
      pairs.push({ same: x1 + x2 < 1, fold });
    }
  }
  return { pairs, rows: Float64Array.from(rows) };
}

describe('ensembleMetrics', () => {
  it('scores higher than either member alone when each alone is weak but together they separate', async () => {
    const { pairs, rows } = syntheticDistances();
    const metrics = await ensembleMetrics(pairs, rows, ['deepface', 'dlib'], { seed: 1 });
    expect(metrics.map((m) => m.name)).toEqual(['kernel-SVM ensemble (deepface χ² + dlib 1 − cosine)', 'deepface χ² alone (kernel SVM)', 'dlib 1 − cosine alone (kernel SVM)']);
    const [ensemble, first, second] = metrics.map((m) => m.folds.mean) as [number, number, number];
    expect(ensemble).toBeGreaterThan(0.9);
    for (const alone of [first, second]) {
      expect(alone).toBeLessThan(0.85);
      expect(ensemble).toBeGreaterThan(alone + 0.1);
    }
    expect(metrics[0]!.folds.folds).toHaveLength(4);
    expect(metrics[0]!.auc).toBeGreaterThan(metrics[1]!.auc);
  });

  it('trains on the pairs `training` gives (unrestricted), thresholded on them', async () => {
    const { pairs, rows } = syntheticDistances();
    // Train every fold on a separate synthetic set of the same task.
    const other = syntheticDistances();
    const seen: number[] = [];
    const metrics = await ensembleMetrics(pairs, rows, ['deepface', 'dlib'], {
      threshold: 'train',
      training: (fold) => {
        seen.push(fold);
        return { rows: other.rows, labels: other.pairs.map((p) => p.same) };
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(metrics[0]!.folds.mean).toBeGreaterThan(0.9);
    for (const f of metrics[0]!.folds.folds) expect(f.trainAccuracy).toBeGreaterThan(0.9);
  });
});

describe('pairDistanceRows', () => {
  it('gives χ² for deepface / lbp and 1 − cosine for dlib, leaving out pairs a member could not describe', () => {
    const deepface = new Map([
      ['a', Float32Array.of(1, 0)],
      ['b', Float32Array.of(0, 1)],
      ['c', Float32Array.of(1, 0)],
    ]);
    const dlib = new Map([
      ['a', Float32Array.of(1, 0)],
      ['b', Float32Array.of(0.6, 0.8)],
    ]);
    const pairs = [
      { path1: 'a', path2: 'b' },
      { path1: 'a', path2: 'c' }, // no dlib descriptor of c
    ];
    const { rows, kept } = pairDistanceRows(pairs, ['deepface', 'dlib'], [deepface, dlib]);
    expect(kept).toEqual([0]);
    expect(rows[0]).toBeCloseTo(2, 6); // (1−0)²/1 + (0−1)²/1
    expect(rows[1]).toBeCloseTo(0.4, 6); // 1 − 0.6
    expect(memberDistance('lbp', Float32Array.of(0.5, 0.5), Float32Array.of(0.5, 0.5))).toBe(0);
  });
});
