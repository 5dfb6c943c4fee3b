import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHAPE } from './default-shape';
import { asymmetry, interOcularDistance, normalizeShape, parseShapeCsv, procrustes, symmetrizeShape } from './shape';
import { syntheticFace } from './synthetic-face';
import { maxAbsDiff, mul3, rng, rotation } from './test-utils';

function transform(shape: ArrayLike<number>, r: number[], scale: number, t: number[]): Float64Array {
  const out = new Float64Array(shape.length);
  for (let i = 0; i < shape.length / 3; i++) {
    for (let a = 0; a < 3; a++) {
      let s = 0;
      for (let b = 0; b < 3; b++) s += r[a * 3 + b]! * shape[3 * i + b]!;
      out[3 * i + a] = scale * s + t[a]!;
    }
  }
  return out;
}

describe('normalizeShape', () => {
  it('undoes rotation, scale, translation and depth reversal', () => {
    const face = normalizeShape(syntheticFace());
    const moved = transform(face, rotation(30, -20, 15), 7, [1, 2, 3]);
    expect(maxAbsDiff(normalizeShape(moved), face)).toBeLessThan(1e-12);
    // Depth-reversed (a reflection, as affine SfM may return): the nose is brought back to the front.
    const reversed = transform(face, [1, 0, 0, 0, 1, 0, 0, 0, -1], 1, [0, 0, 0]);
    expect(maxAbsDiff(normalizeShape(reversed), face)).toBeLessThan(1e-12);
    expect(interOcularDistance(face)).toBeCloseTo(1, 12);
  });

  it('rejects shapes of the wrong size or with NaN', () => {
    expect(() => normalizeShape(new Float64Array(67 * 3))).toThrow(/expected 68 points × 3 = 204 values, got 201/);
    const bad = syntheticFace();
    bad[3 * 12 + 2] = Number.NaN;
    expect(() => normalizeShape(bad, 'my.csv')).toThrow(/my\.csv: point 12 has a non-finite z/);
  });
});

describe('symmetrizeShape', () => {
  it('makes a perturbed face exactly symmetric and leaves a symmetric one unchanged', () => {
    const face = normalizeShape(syntheticFace());
    expect(maxAbsDiff(symmetrizeShape(face), face)).toBeLessThan(1e-12);
    const r = rng(11);
    const noisy = face.map((v) => v + 0.05 * (r() - 0.5));
    expect(asymmetry(noisy)).toBeGreaterThan(0.01);
    expect(asymmetry(symmetrizeShape(noisy))).toBeLessThan(1e-12);
  });
});

describe('procrustes', () => {
  it('is 0 for similar shapes and ignores rotation, scale and translation', () => {
    const face = syntheticFace();
    const moved = transform(face, rotation(50, 10, -30), 3, [5, -1, 2]);
    const p = procrustes(moved, face);
    expect(p.distance).toBeLessThan(1e-7);
    expect(maxAbsDiff(p.aligned, face)).toBeLessThan(1e-9);
  });

  it('matches a hand-computed 2D case', () => {
    // Square vs. a rectangle stretched ×2 in y, both centred: A=(±1,±1), B=(±1,±2).
    // ‖A‖² = 8, ‖B‖² = 20, tr(AᵀB) = 4 + 8 = 12 → cos = 12/√160, d = √(1 − 144/160) = √0.1.
    const a = [1, 1, -1, 1, -1, -1, 1, -1];
    const b = [1, 2, -1, 2, -1, -2, 1, -2];
    expect(procrustes(a, b, 2).distance).toBeCloseTo(Math.sqrt(0.1), 12);
  });

  it('does not allow a reflection unless asked', () => {
    const face = syntheticFace();
    const mirrored = transform(face, mul3([-1, 0, 0, 0, 1, 0, 0, 0, 1], rotation(20)), 1, [0, 0, 0]);
    // The synthetic face is symmetric, so perturb it to make the reflection matter.
    const r = rng(5);
    const bumpy = face.map((v) => v + 0.1 * (r() - 0.5));
    const bumpyMirror = transform(bumpy, mul3([-1, 0, 0, 0, 1, 0, 0, 0, 1], rotation(20)), 1, [0, 0, 0]);
    expect(procrustes(bumpyMirror, bumpy, 3, true).distance).toBeLessThan(1e-7);
    expect(procrustes(bumpyMirror, bumpy, 3, false).distance).toBeGreaterThan(0.01);
    expect(mirrored).toHaveLength(204);
  });
});

describe('parseShapeCsv', () => {
  it('reads x,y,z rows, skipping a header, and names a bad line', () => {
    const face = syntheticFace();
    const rows = Array.from({ length: 68 }, (_, i) => `${face[3 * i]},${face[3 * i + 1]},${face[3 * i + 2]}`);
    expect(maxAbsDiff(parseShapeCsv(['x,y,z', ...rows].join('\n')), normalizeShape(face))).toBeLessThan(1e-12);
    rows[9] = '0.1,oops,0.3';
    expect(() => parseShapeCsv(rows.join('\n'), 'face.csv')).toThrow(/face\.csv:10: expected three numbers/);
    expect(() => parseShapeCsv(rows.slice(0, 9).join('\n'), 'face.csv')).toThrow(/expected 68 rows of x,y,z, got 9/);
  });
});

describe('DEFAULT_SHAPE', () => {
  it('is normalised and left–right symmetric', () => {
    expect(DEFAULT_SHAPE).toHaveLength(204);
    expect(interOcularDistance(DEFAULT_SHAPE)).toBeCloseTo(1, 9);
    expect(asymmetry(DEFAULT_SHAPE)).toBeLessThan(1e-9);
    expect(DEFAULT_SHAPE[3 * 30 + 2]!).toBeGreaterThan(0); // nose tip in front of the centroid
  });

  const datasets = process.env.DEEPFACE_DATASETS ?? resolve(__dirname, '../../../../shared/datasets');
  const csv = resolve(datasets, 'face3d/meanshape68.csv');
  const present = existsSync(csv);
  if (!present) console.log(`[frontalize] ${csv} not found: skipping the comparison with the reference shape`);
  it.skipIf(!present)('is close to the reference mean shape: frontal layout tightly, depth loosely', () => {
    const reference = parseShapeCsv(readFileSync(csv, 'utf8'), csv);
    // The reference obeys the same left–right permutation (mildly asymmetric, ≤ 0.15 IOD).
    expect(asymmetry(reference)).toBeLessThan(0.15);
    // Measured 0.155 for the shipped estimate. Most of it is depth at the jaw: the detector's
    // jaw points follow the visible outline as the head turns, so structure from motion
    // sees them shallower than a 3D scan's fixed jaw vertices.
    expect(procrustes(DEFAULT_SHAPE, reference).distance).toBeLessThan(0.2);
    const xy = (shape: ArrayLike<number>): Float64Array => Float64Array.from({ length: 136 }, (_, i) => shape[3 * (i >> 1) + (i & 1)]!);
    expect(procrustes(xy(DEFAULT_SHAPE), xy(reference), 2).distance).toBeLessThan(0.1);
  });
});
