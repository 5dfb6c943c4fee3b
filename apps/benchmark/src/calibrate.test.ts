import { describe, expect, it } from 'vitest';
import { allImpostorScores, openSetTable, parseCalibrationVariant, thresholdAtFar } from './calibrate';

describe('calibrate (View 1 thresholds)', () => {
  it('thresholdAtFar: at most that share of impostor scores reach the threshold, hand-computed', () => {
    const s = Float64Array.from([0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.8, 0.6, 0.7, 0.0]); // 10 scores
    expect(thresholdAtFar(s, 0.1)).toBeCloseTo(0.85, 12); // only 0.9 passes
    expect(thresholdAtFar(s, 0.3)).toBeCloseTo(0.65, 12); // 0.7, 0.8, 0.9 pass
    expect(thresholdAtFar(s, 0.05)).toBeGreaterThan(0.9); // none may pass
    expect(() => thresholdAtFar(new Float64Array(0), 0.1)).toThrow(/no impostor scores/);
  });

  it('openSetTable: the per-pair tail for N images is 1 − (1 − far)^(1/N); larger galleries get higher thresholds', () => {
    const n = 600_000; // enough impostor pairs for N = 1000 (q·n ≈ 6 ≥ 5)
    const scores = Float64Array.from({ length: n }, (_, i) => i / n); // uniform on [0, 1)
    const table = openSetTable(scores, 0.01, [1, 10, 100, 1000]);
    expect(table.map((r) => r.images)).toEqual([1, 10, 100, 1000]);
    for (const r of table) {
      const q = 1 - 0.99 ** (1 / r.images);
      expect(r.threshold).toBeCloseTo(1 - q, 4); // uniform scores: the (1 − q) quantile
    }
    for (let i = 1; i < table.length; i++) expect(table[i]!.threshold).toBeGreaterThan(table[i - 1]!.threshold);
    // too few impostor pairs to estimate a tail: sizes beyond are left out
    expect(openSetTable(Float64Array.from({ length: 1000 }, (_, i) => i / 1000), 0.01, [1, 10, 100, 1000]).map((r) => r.images)).toEqual([1]);
  });

  it('allImpostorScores: every pair of different identities once, as dot products', () => {
    const f = (...v: number[]) => Float32Array.from(v);
    const scores = allImpostorScores([
      { identity: 'a', feature: f(1, 0) },
      { identity: 'a', feature: f(0, 1) },
      { identity: 'b', feature: f(1, 0) },
      { identity: 'c', feature: f(0.6, 0.8) },
    ]);
    // pairs a1-b, a1-c, a2-b, a2-c, b-c (a1-a2 is the same identity)
    expect(Array.from(scores).map((x) => +x.toFixed(6))).toEqual([1, 0.6, 0, 0.8, 0.6]);
  });

  it.each([
    ['dlib-chip', { align: 'chip', mirror: false, jitter: 0, landmarkMirror: false }],
    ['dlib-chip-mirror', { align: 'chip', mirror: true, jitter: 0, landmarkMirror: false }],
    ['dlib-chip-jitter10', { align: 'chip', mirror: false, jitter: 10, landmarkMirror: false }],
    ['dlib-chip-mirror-lm', { align: 'chip', mirror: true, jitter: 0, landmarkMirror: true }],
    ['deepface-3d', { align: '3d', landmarkMirror: false }],
    ['deepface-3d-proj', { align: '3d', landmarkMirror: false, representation: 'projection' }],
  ])('variant %s', (name, options) => expect(parseCalibrationVariant(name).options).toEqual(options));

  it('passes a DeepFace model file to DeepFace variants only', () => {
    expect(parseCalibrationVariant('deepface-3d', '/m.safetensors').options).toEqual({ align: '3d', landmarkMirror: false, model: '/m.safetensors' });
    expect(parseCalibrationVariant('dlib-chip', '/m.safetensors').options).not.toHaveProperty('model');
  });

  it('refuses unknown variants and dlib options on DeepFace', () => {
    expect(() => parseCalibrationVariant('lbp-3d')).toThrow(/unknown variant "lbp-3d"/);
    expect(() => parseCalibrationVariant('deepface-3d-mirror')).toThrow(/mirror and jitter are dlib options/);
    expect(() => parseCalibrationVariant('dlib-chip-proj')).toThrow(/-proj is a DeepFace option/);
  });
});
