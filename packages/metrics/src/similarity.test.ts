import { describe, expect, it } from 'vitest';
import {
  absDifference,
  chiSquareDistance,
  chiSquareTerms,
  cosineSimilarity,
  innerProduct,
  pairRows,
  trainWeightedChiSquare,
  weightedChiSquareScores,
} from './similarity';
import { auc } from './roc';

describe('inner product and cosine', () => {
  it('hand cases', () => {
    expect(innerProduct([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 1], [2, 2])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([3, 4], [-3, -4])).toBeCloseTo(-1, 15);
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
  });
  it('length mismatch → error naming both lengths', () => {
    expect(() => cosineSimilarity([1, 2], [1])).toThrow(/2 vs 1/);
  });
});

describe('χ²', () => {
  it('hand case, 0/0 counts as 0', () => {
    // (1−3)²/4 = 1, (0−0)/0 → 0, (2−0)²/2 = 2
    expect(Array.from(chiSquareTerms([1, 0, 2], [3, 0, 0]))).toEqual([1, 0, 2]);
    expect(chiSquareDistance([1, 0, 2], [3, 0, 0])).toBe(3);
    expect(chiSquareDistance([0.2, 0.8], [0.2, 0.8])).toBe(0);
    // the typed-array fast path gives the same values
    expect(chiSquareDistance(Float32Array.from([1, 0, 2]), Float32Array.from([3, 0, 0]))).toBe(3);
  });
  it('pairRows gathers terms per pair and checks indices', () => {
    const f = Float32Array.from([1, 0, 3, 0, 1, 1]); // 3 rows, d = 2
    const rows = pairRows(f, 2, [[0, 1], [1, 2]], chiSquareTerms);
    expect(Array.from(rows)).toEqual([1, 0, 1, 1]);
    expect(Array.from(pairRows(f, 2, [[0, 2]], absDifference))).toEqual([0, 1]);
    expect(() => pairRows(f, 2, [[0, 3]], chiSquareTerms)).toThrow(/pair 0 = \[0, 3\] is outside the 3 feature rows/);
  });
});

describe('weighted χ² (linear SVM on χ² terms)', () => {
  it('learns to ignore a noisy dimension and beats the unweighted distance', () => {
    // Histograms of 4 bins: bins 0–1 carry identity, bins 2–3 are heavy noise on "same" pairs too.
    let s = 17;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const make = (n: number) => {
      const terms = new Float32Array(n * 4);
      const labels: number[] = [];
      const plain: number[] = [];
      for (let p = 0; p < n; p++) {
        const same = p % 2 === 0;
        const a = [rand(), rand(), rand() * 5, rand() * 5];
        const b = [same ? a[0]! + 0.05 * rand() : rand(), same ? a[1]! + 0.05 * rand() : rand(), rand() * 5, rand() * 5];
        chiSquareTerms(a, b, terms, p * 4);
        labels.push(same ? 1 : 0);
        plain.push(-chiSquareDistance(a, b));
      }
      return { terms, labels, plain };
    };
    const train = make(400);
    const test = make(400);
    const model = trainWeightedChiSquare(train.terms, 4, train.labels);
    expect(model.w[0]).toBeLessThan(0);
    expect(model.w[1]).toBeLessThan(0);
    expect(Math.abs(model.w[2]!)).toBeLessThan(Math.abs(model.w[0]!) / 5);
    const weighted = weightedChiSquareScores(model, test.terms, 4);
    expect(auc(weighted, test.labels)).toBeGreaterThan(auc(test.plain, test.labels) + 0.1);
    expect(auc(weighted, test.labels)).toBeGreaterThan(0.95);
  });
  it('one class only → clear error', () => {
    expect(() => trainWeightedChiSquare(new Float32Array(4), 2, [1, 1])).toThrow(/both same and different/);
  });
});
