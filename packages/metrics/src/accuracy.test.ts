import { describe, expect, it } from 'vitest';
import { accuracyAtThreshold, bestThreshold, kFoldAccuracy, meanStdErr, pairedComparison, studentTwoSidedP } from './accuracy';

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

describe('pairedComparison', () => {
  it('hand-computed: differences 0.1, 0, 0.2 over 3 folds', () => {
    const r = pairedComparison([0.7, 0.8, 0.9], [0.6, 0.8, 0.7]);
    // mean 0.1; sample std 0.1; se 0.1/√3; t = √3; with 2 df, p = 1 − |t|/√(2 + t²) = 1 − √3/√5.
    expect(r.mean).toBeCloseTo(0.1, 14);
    expect(r.std).toBeCloseTo(0.1, 14);
    expect(r.se).toBeCloseTo(0.1 / Math.sqrt(3), 14);
    expect(r.t).toBeCloseTo(Math.sqrt(3), 12);
    expect(r.p).toBeCloseTo(1 - Math.sqrt(3 / 5), 12);
    expect([r.wins, r.losses, r.ties]).toEqual([2, 0, 1]);
  });

  it('identical methods: t 0, p 1, all ties; a constant non-zero gap: t infinite, p 0', () => {
    const same = pairedComparison([0.5, 0.6], [0.5, 0.6]);
    expect([same.t, same.p, same.ties]).toEqual([0, 1, 2]);
    const gap = pairedComparison([0.25, 0.5, 0.75], [0, 0.25, 0.5]);
    expect([gap.t, gap.p, gap.wins]).toEqual([Infinity, 0, 3]);
    expect(pairedComparison([0, 0.25], [0.25, 0.5]).t).toBe(-Infinity);
  });

  it('rejects unequal folds, fewer than 2 folds and non-finite values, saying which', () => {
    expect(() => pairedComparison([0.5, 0.6], [0.5])).toThrow(/2 and 1 folds/);
    expect(() => pairedComparison([0.5], [0.4])).toThrow(/at least 2 folds, got 1/);
    expect(() => pairedComparison([0.5, Number.NaN], [0.4, 0.4], 'lfw 2d vs none')).toThrow(/lfw 2d vs none: fold 2 has a non-finite value/);
  });
});

describe('studentTwoSidedP', () => {
  it('matches closed forms (1 and 2 df) and tabulated critical values', () => {
    for (const t of [0.3, 1, 4.5]) {
      expect(studentTwoSidedP(t, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(t), 12);
      expect(studentTwoSidedP(-t, 2)).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    }
    // t-table, 9 df: 2.262157 (5 %), 3.249836 (1 %); ~normal at 10⁶ df: 1.959964 (5 %).
    expect(studentTwoSidedP(2.262157163, 9)).toBeCloseTo(0.05, 8);
    expect(studentTwoSidedP(3.249835542, 9)).toBeCloseTo(0.01, 8);
    expect(studentTwoSidedP(1.959963985, 1e6)).toBeCloseTo(0.05, 5);
    expect(studentTwoSidedP(0, 5)).toBe(1);
    expect(() => studentTwoSidedP(1, 0)).toThrow(/degrees of freedom must be > 0/);
  });
});
