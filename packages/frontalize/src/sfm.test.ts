import { describe, expect, it } from 'vitest';
import { affineStructureFromMotion } from './sfm';
import { procrustes } from './shape';
import { cameraFromRotation, gaussian, projectWith, rng } from './test-utils';
import { rotation } from './test-utils';

function randomShape(seed: number, n = 68): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: 3 * n }, () => 2 * r() - 1);
}

function views(shape: Float64Array, count: number, seed: number, noise = 0): Float64Array[] {
  const r = rng(seed);
  const g = gaussian(r);
  return Array.from({ length: count }, () => {
    const cam = cameraFromRotation(rotation(160 * (r() - 0.5), 60 * (r() - 0.5), 40 * (r() - 0.5)), 50 + 100 * r(), 300 * r(), 300 * r());
    const pts = projectWith(cam, shape);
    return noise > 0 ? pts.map((v) => v + noise * g()) : pts;
  });
}

describe('affineStructureFromMotion', () => {
  it('recovers a random 3D shape up to similarity (and depth reversal) from noise-free views', () => {
    const truth = randomShape(1);
    const result = affineStructureFromMotion(views(truth, 20, 2), { trim: 0 });
    expect(procrustes(result.shape, truth, 3, true).distance).toBeLessThan(1e-6);
    expect(result.singularValues[3]! / result.singularValues[0]!).toBeLessThan(1e-10);
    // Metric cameras: each view's two rows orthogonal with equal norms.
    for (const c of result.cameras) {
      const n1 = Math.hypot(c[0]!, c[1]!, c[2]!);
      const n2 = Math.hypot(c[3]!, c[4]!, c[5]!);
      expect(Math.abs(c[0]! * c[3]! + c[1]! * c[4]! + c[2]! * c[5]!) / (n1 * n2)).toBeLessThan(1e-6);
      expect(n1 / n2).toBeCloseTo(1, 6);
    }
  });

  it('stays close under pixel noise, and trimming drops corrupted views', () => {
    const truth = randomShape(3);
    const vs = views(truth, 60, 4, 0.5);
    // Six views with landmarks shuffled: failed detections.
    const r = rng(9);
    for (let k = 0; k < 6; k++) vs[k] = vs[k]!.map(() => 300 * r());
    const plain = affineStructureFromMotion(vs, { trim: 0 });
    const trimmed = affineStructureFromMotion(vs, { trim: 0.15 });
    const dPlain = procrustes(plain.shape, truth, 3, true).distance;
    const dTrim = procrustes(trimmed.shape, truth, 3, true).distance;
    expect(dTrim).toBeLessThan(0.02);
    expect(dTrim).toBeLessThan(dPlain);
    for (let k = 0; k < 6; k++) expect(trimmed.kept).not.toContain(k);
  });

  it('rejects too few views and malformed ones', () => {
    const truth = randomShape(5);
    expect(() => affineStructureFromMotion(views(truth, 2, 1))).toThrow(/at least 3 views/);
    const vs = views(truth, 5, 1);
    vs[3] = vs[3]!.slice(0, 10);
    expect(() => affineStructureFromMotion(vs)).toThrow(/view 3 has 10 values, expected 136/);
    vs[3] = views(truth, 1, 7)[0]!;
    vs[3][17] = Number.NaN;
    expect(() => affineStructureFromMotion(vs)).toThrow(/view 3, point 8 is not finite/);
  });
});
