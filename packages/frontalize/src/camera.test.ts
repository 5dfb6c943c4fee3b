import { describe, expect, it } from 'vitest';
import { cameraPose, estimateLandmarkCovariance, fitAffineCamera, viewDirection } from './camera';
import { syntheticFace } from './synthetic-face';
import { cameraFromRotation, gaussian, maxAbsDiff, projectWith, rng, rotation } from './test-utils';

const shape = syntheticFace();

describe('fitAffineCamera', () => {
  it('recovers a known camera exactly from noise-free projections', () => {
    const truth = cameraFromRotation(rotation(35, -10, 8), 60, 120, 95);
    const pts = projectWith(truth, shape);
    const fit = fitAffineCamera(shape, pts);
    expect(maxAbsDiff(fit.camera, truth)).toBeLessThan(1e-9);
    expect(fit.rms).toBeLessThan(1e-9);
    expect(fit.scale).toBeCloseTo(60, 9);
    // Pure yaw and pure pitch read back exactly.
    expect(cameraPose(cameraFromRotation(rotation(35), 60, 0, 0)).yaw).toBeCloseTo(35, 9);
    expect(cameraPose(cameraFromRotation(rotation(0, -12), 60, 0, 0)).pitch).toBeCloseTo(-12, 9);
  });

  it('fits an arbitrary (non-rigid) affine camera too: all 8 unknowns are free', () => {
    const truth = Float64Array.of(40, 5, -7, 100, 3, 55, 12, 80);
    expect(maxAbsDiff(fitAffineCamera(shape, projectWith(truth, shape)).camera, truth)).toBeLessThan(1e-9);
  });

  it('with Σ that marks one landmark as noisy, that landmark is down-weighted', () => {
    const truth = cameraFromRotation(rotation(10), 50, 0, 0);
    const pts = projectWith(truth, shape);
    pts[2 * 30] += 8; // a badly detected nose tip
    const ols = fitAffineCamera(shape, pts);
    const variance = new Float64Array(68).fill(1);
    variance[30] = 1e4;
    const gls = fitAffineCamera(shape, pts, variance);
    const errOls = maxAbsDiff(ols.camera, truth);
    const errGls = maxAbsDiff(gls.camera, truth);
    expect(errGls).toBeLessThan(errOls / 50);
    // The GLS fit leaves (almost) the whole error at the noisy point.
    expect(gls.residuals[60]).toBeCloseTo(8, 1);
    // The full-matrix form gives the same answer as the per-landmark form.
    const full = new Float64Array(136 * 136);
    for (let i = 0; i < 136; i++) full[i * 137] = variance[i >> 1]!;
    expect(maxAbsDiff(fitAffineCamera(shape, pts, full).camera, gls.camera)).toBeLessThan(1e-9);
  });

  it('GLS with a correlated Σ equals OLS on the whitened problem (hand-built 2-point noise)', () => {
    // Σ correlating x₀ and x₁ strongly: the fit should trust their difference, not their sum.
    const truth = cameraFromRotation(rotation(-20, 5), 40, 10, 20);
    const pts = projectWith(truth, shape);
    pts[0] += 3;
    pts[2] += 3; // the same shift on x₀ and x₁: explained by the correlation
    const full = new Float64Array(136 * 136);
    for (let i = 0; i < 136; i++) full[i * 137] = 1;
    full[0 * 136 + 2] = full[2 * 136 + 0] = 0.999;
    const gls = fitAffineCamera(shape, pts, full);
    const ols = fitAffineCamera(shape, pts);
    expect(maxAbsDiff(gls.camera, truth)).toBeLessThan(maxAbsDiff(ols.camera, truth));
  });

  it('gives clear errors for degenerate input', () => {
    expect(() => fitAffineCamera(shape, new Float64Array(100))).toThrow(/expected 68 points/);
    const nan = projectWith(cameraFromRotation(rotation(0), 50, 0, 0), shape);
    nan[5] = Number.NaN;
    expect(() => fitAffineCamera(shape, nan, undefined, 'img_0001.jpg')).toThrow(/img_0001\.jpg: point 2 has a non-finite y/);
    expect(() => fitAffineCamera(shape, new Float64Array(136).fill(3))).toThrow(/coincide/);
    expect(() => fitAffineCamera(shape, projectWith(cameraFromRotation(rotation(0), 50, 0, 0), shape), new Float64Array(5))).toThrow(/covariance must hold 68/);
    expect(() => fitAffineCamera(shape, projectWith(cameraFromRotation(rotation(0), 50, 0, 0), shape), new Float64Array(68))).toThrow(/positive finite variance/);
  });
});

describe('estimateLandmarkCovariance', () => {
  it('recovers per-landmark noise levels from many fits', () => {
    const r = rng(3);
    const g = gaussian(r);
    const sigma = Float64Array.from({ length: 68 }, (_, i) => (i < 17 ? 0.05 : 0.01)); // jaw noisier, in model units
    const fits = Array.from({ length: 400 }, () => {
      const cam = cameraFromRotation(rotation(40 * (r() - 0.5), 20 * (r() - 0.5)), 30 + 40 * r(), 100, 100);
      const pts = projectWith(cam, shape);
      for (let i = 0; i < 136; i++) pts[i] += Math.sqrt(cam[0]! ** 2 + cam[1]! ** 2 + cam[2]! ** 2) * sigma[i >> 1]! * g();
      return fitAffineCamera(shape, pts);
    });
    const iso = estimateLandmarkCovariance(fits, { kind: 'isotropic' });
    let jaw = 0, rest = 0;
    for (let i = 0; i < 68; i++) (i < 17 ? (jaw += Math.sqrt(iso[i]!) / 17) : (rest += Math.sqrt(iso[i]!) / 51));
    // Residual variance is the noise variance minus what the 8-parameter fit absorbs.
    expect(jaw / rest).toBeGreaterThan(3.5);
    expect(jaw).toBeGreaterThan(0.035);
    expect(jaw).toBeLessThan(0.055);
    expect(estimateLandmarkCovariance(fits, { kind: 'diagonal' })).toHaveLength(136);
    const full = estimateLandmarkCovariance(fits, { kind: 'full' });
    expect(full).toHaveLength(136 * 136);
    // The estimate is usable as Σ (positive definite).
    expect(() => fitAffineCamera(shape, projectWith(cameraFromRotation(rotation(5), 50, 0, 0), shape), full)).not.toThrow();
  });
});

describe('viewDirection', () => {
  it('is +z for a frontal camera and turns with yaw', () => {
    expect(maxAbsDiff(viewDirection(cameraFromRotation(rotation(0), 3, 0, 0)), [0, 0, 1])).toBeLessThan(1e-12);
    const d = viewDirection(cameraFromRotation(rotation(90), 3, 0, 0));
    expect(Math.abs(d[0])).toBeCloseTo(1, 12);
  });
});
