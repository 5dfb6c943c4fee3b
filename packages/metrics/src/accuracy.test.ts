import { describe, expect, it } from 'vitest';
import { accuracyAtThreshold, bestThreshold, kFoldAccuracy, meanStdErr } from './accuracy';

describe('bestThreshold', () => {
  it('hand case: midpoint between adjacent scores', () => {
    const r = bestThreshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(r.threshold).toBeCloseTo(0.225, 15);
    expect(r.accuracy).toBe(0.75);
  });

  it('ties: a tied score cannot be split, the threshold sits between distinct scores', () => {
    // Scores 0.5 appear for both classes; best is to accept {0.9, 0.5, 0.5} → 3/4 right.
    const r = bestThreshold([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]);
    expect(r.accuracy).toBe(0.75);
    expect(r.threshold).toBeCloseTo(0.3, 15);
  });

  it('all-same scores: accept all or reject all (lowest kept on ties)', () => {
    const r = bestThreshold([2, 2, 2], [1, 1, 0]);
    expect(r.accuracy).toBeCloseTo(2 / 3, 15);
    expect(r.threshold).toBeLessThan(2);
    const q = bestThreshold([2, 2, 2], [0, 0, 1]);
    expect(q.accuracy).toBeCloseTo(2 / 3, 15);
    expect(q.threshold).toBeGreaterThan(2);
  });

  it('agrees with brute force over every candidate on random data', () => {
    let seed = 11;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let t = 0; t < 30; t++) {
      const s = Array.from({ length: 40 }, () => Math.round(rand() * 20));
      const y = s.map((v) => (rand() < 0.3 + v / 40 ? 1 : 0));
      const got = bestThreshold(s, y);
      const distinct = [...new Set(s)].sort((a, b) => a - b);
      let best = 0;
      for (const c of [-1e9, ...distinct.map((v) => v + 0.5)]) best = Math.max(best, accuracyAtThreshold(s, y, c));
      expect(got.accuracy).toBeCloseTo(best, 15);
      expect(accuracyAtThreshold(s, y, got.threshold)).toBeCloseTo(best, 15);
    }
  });
});

describe('meanStdErr', () => {
  it('uses the sample std (n − 1) and SE = std/√n', () => {
    const r = meanStdErr([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(r.se).toBeCloseTo(Math.sqrt(5 / 3) / 2, 15);
  });
  it('empty → error', () => expect(() => meanStdErr([])).toThrow(/no values/));
});

describe('kFoldAccuracy', () => {
  it('hand case with 2 folds: threshold from the other fold', () => {
    const scores = [1, 2, 3, 4, 1.5, 2.5, 3.5, 0.5];
    const labels = [0, 0, 1, 1, 0, 1, 1, 0];
    const folds = [0, 0, 0, 0, 1, 1, 1, 1];
    const r = kFoldAccuracy(scores, labels, folds);
    expect(r.folds[0]!.threshold).toBeCloseTo(2, 15); // chosen on fold 1
    expect(r.folds[0]!.testAccuracy).toBe(0.75);
    expect(r.folds[1]!.threshold).toBeCloseTo(2.5, 15); // chosen on fold 0
    expect(r.folds[1]!.testAccuracy).toBe(1);
    expect(r.mean).toBe(0.875);
    expect(r.se).toBeCloseTo(0.125, 15);
  });
  it('one fold only → error', () => {
    expect(() => kFoldAccuracy([1, 2], [0, 1], [0, 0])).toThrow(/at least 2 folds/);
  });
});
