import { describe, expect, it } from 'vitest';
import { affineDeviationFromIdentity, applyAffine, composeAffine, fitSimilarity, invertAffine } from './affine2d';
import { maxAbsDiff, rng } from './test-utils';

describe('fitSimilarity', () => {
  it('recovers a hand-computed similarity exactly', () => {
    // Scale 2, rotation 90°, translation (10, 20): (x, y) → (−2y + 10, 2x + 20).
    const src = [0, 0, 1, 0, 0, 1];
    const dst = [10, 20, 10, 22, 8, 20];
    const t = fitSimilarity(src, dst);
    expect(maxAbsDiff(t, [0, -2, 10, 2, 0, 20])).toBeLessThan(1e-12);
  });

  it('is the least-squares fit for inconsistent points (hand-computed)', () => {
    // Points (±1, 0) → (±1, 0) and (0, ±1) → (0, ±2): a = Σ(x·x' + y·y')/Σ(x² + y²) = (2 + 4)/4 = 1.5, b = 0.
    const t = fitSimilarity([1, 0, -1, 0, 0, 1, 0, -1], [1, 0, -1, 0, 0, 2, 0, -2]);
    expect(maxAbsDiff(t, [1.5, 0, 0, 0, 1.5, 0])).toBeLessThan(1e-12);
  });

  it('recovers a random similarity from six noisy points within the noise level', () => {
    const r = rng(7);
    const angle = 0.4, scale = 1.7, tx = -30, ty = 12;
    const truth = [scale * Math.cos(angle), -scale * Math.sin(angle), tx, scale * Math.sin(angle), scale * Math.cos(angle), ty];
    const src = Array.from({ length: 12 }, () => 100 * r());
    const dst = Array.from(applyAffine(truth, src), (v) => v + 0.01 * (r() - 0.5));
    const t = fitSimilarity(src, dst);
    expect(maxAbsDiff(applyAffine(t, src), applyAffine(truth, src))).toBeLessThan(0.02);
  });

  it('names coincident points', () => {
    expect(() => fitSimilarity([5, 5, 5, 5, 1, 2], [0, 0, 1, 1, 2, 2], ['left eye centre', 'right eye centre'])).toThrow(/left eye centre and right eye centre coincide at \(5, 5\)/);
  });

  it('rejects NaN and mismatched sizes', () => {
    expect(() => fitSimilarity([0, 0, Number.NaN, 1], [0, 0, 1, 1])).toThrow(/non-finite/);
    expect(() => fitSimilarity([0, 0, 1, 1], [0, 0, 1, 1, 2, 2])).toThrow(/same number of 2D points/);
  });
});

describe('affine algebra', () => {
  it('composes, inverts and measures deviation consistently', () => {
    const a = Float64Array.of(1.2, 0.3, 5, -0.2, 0.9, -3);
    const b = Float64Array.of(0.8, -0.1, 2, 0.4, 1.1, 7);
    const p = [3, 4, -2, 9];
    expect(maxAbsDiff(applyAffine(composeAffine(a, b), p), applyAffine(a, applyAffine(b, p)))).toBeLessThan(1e-12);
    expect(maxAbsDiff(composeAffine(a, invertAffine(a)), [1, 0, 0, 0, 1, 0])).toBeLessThan(1e-12);
    expect(affineDeviationFromIdentity([1, 0, 0.3, 0, 1, -0.4], 10, 10)).toBeCloseTo(0.5, 12);
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(/singular/);
  });
});
