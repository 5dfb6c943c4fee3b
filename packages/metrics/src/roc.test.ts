import { describe, expect, it } from 'vitest';
import { auc, eer, rocCurve, tprAtFpr } from './roc';
import { MetricsError } from './errors';

/** Plain reference: Mann–Whitney U / (P·N), ties counted ½, by comparing every pair. */
function mannWhitney(scores: number[], labels: number[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      if (scores[i]! > scores[j]!) u += 1;
      else if (scores[i] === scores[j]) u += 0.5;
    }
  }
  return u / pairs;
}

/** Tiny deterministic generator so the random cases are reproducible. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('rocCurve', () => {
  it('hand case with a tie across classes: one diagonal step', () => {
    const c = rocCurve([0.9, 0.8, 0.8, 0.3], [1, 1, 0, 0]);
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 1, 1]);
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.9, 0.8, 0.3]);
    expect(auc(c)).toBeCloseTo(0.875, 15);
    expect(eer(c)).toBeCloseTo(0.25, 15);
  });

  it('all-same scores: the chance diagonal, AUC ½, EER ½', () => {
    const s = [0.5, 0.5, 0.5, 0.5];
    const y = [true, false, true, false];
    const c = rocCurve(s, y);
    expect(Array.from(c.fpr)).toEqual([0, 1]);
    expect(Array.from(c.tpr)).toEqual([0, 1]);
    expect(auc(s, y)).toBe(0.5);
    expect(eer(s, y)).toBe(0.5);
  });

  it('all-different, perfectly separated: AUC 1, EER 0; reversed: AUC 0, EER 1', () => {
    expect(auc([4, 3, 2, 1], [1, 1, 0, 0])).toBe(1);
    expect(eer([4, 3, 2, 1], [1, 1, 0, 0])).toBe(0);
    expect(auc([1, 2, 3, 4], [1, 1, 0, 0])).toBe(0);
    expect(eer([1, 2, 3, 4], [1, 1, 0, 0])).toBe(1);
  });

  it('AUC equals the Mann–Whitney statistic with ties counted ½ (random cases with many ties)', () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      const s: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < n; i++) {
        y.push(i < 2 ? i : rand() < 0.5 ? 1 : 0);
        s.push(Math.round(rand() * 6) / 2 + y[i]! * 0.5); // coarse grid → many ties
      }
      expect(auc(s, y)).toBeCloseTo(mannWhitney(s, y), 12);
    }
  });

  it('EER hand cases: crossing on a horizontal segment and at a vertex', () => {
    // (0,0) (0,.5) (.5,.5) (.5,1) (1,1): FNR − FPR hits 0 at (.5,.5).
    expect(eer([3, 2, 1, 0], [1, 0, 1, 0])).toBe(0.5);
    // (0,0) (0,1/3) (1/3,1/3) (1/3,2/3) (1/3,1) (2/3,1) (1,1): FPR = FNR = 1/3 at (1/3, 2/3).
    expect(eer([6, 5, 4, 3, 2, 1], [1, 0, 1, 1, 0, 0])).toBeCloseTo(1 / 3, 15);
  });

  it('tprAtFpr interpolates along the curve', () => {
    const c = rocCurve([0.9, 0.8, 0.8, 0.3], [1, 1, 0, 0]);
    expect(tprAtFpr(c, 0)).toBe(0.5);
    expect(tprAtFpr(c, 0.25)).toBeCloseTo(0.75, 15);
    expect(tprAtFpr(c, 1)).toBe(1);
  });

  it('one class empty → clear error', () => {
    expect(() => rocCurve([1, 2, 3], [1, 1, 1])).toThrow(/no impostor/);
    expect(() => auc([1, 2], [0, 0])).toThrow(/no genuine/);
    expect(() => eer([1, 2], [false, false])).toThrow(MetricsError);
  });

  it('bad input names the fault', () => {
    expect(() => rocCurve([1, NaN], [1, 0])).toThrow(/score 1 is NaN/);
    expect(() => rocCurve([1, 2], [1])).toThrow(/2 scores but 1 labels/);
    expect(() => rocCurve([1, 2], [1, 2])).toThrow(/label 1 is 2/);
  });
});
