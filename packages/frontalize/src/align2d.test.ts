import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { applyAffine, fitSimilarity } from './affine2d';
import { align2d, type LandmarkDetector } from './align2d';
import { SIX_FIDUCIAL_NAMES, sixFiducials } from './landmarks';
import { syntheticFace } from './synthetic-face';
import { createTemplate } from './template';
import { cameraFromRotation, maxAbsDiff, projectWith, rng, rotation } from './test-utils';

function coordinateImage(width: number, height: number): RgbImage<Float32Array> {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[(y * width + x) * 3] = x;
    data[(y * width + x) * 3 + 1] = y;
  }
  return { width, height, channels: 3, data };
}

const template = createTemplate({ shape: syntheticFace() });
const truth = projectWith(cameraFromRotation(rotation(10, 5, 20), 45, 160, 150), syntheticFace());

/**
 * A stand-in landmark detector: it reads, from the coordinate-encoded crop it is given,
 * where the crop came from, and returns the true landmarks in crop coordinates.
 */
const exactDetector: LandmarkDetector & { calls: number } = {
  calls: 0,
  async landmarks(crop) {
    this.calls++;
    const at = (x: number, y: number): [number, number] => {
      const o = (y * crop.width + x) * 3;
      return [crop.data[o]!, crop.data[o + 1]!];
    };
    // Crop → source affine from three pixels; invert it to map the true points into the crop.
    const [p0, px, py] = [at(0, 0), at(1, 0), at(0, 1)];
    const a = px[0] - p0[0], b = py[0] - p0[0], d = px[1] - p0[1], e = py[1] - p0[1];
    const det = a * e - b * d;
    const inv = [e / det, -b / det, 0, -d / det, a / det, 0];
    inv[2] = -(inv[0]! * p0[0] + inv[1]! * p0[1]);
    inv[5] = -(inv[3]! * p0[0] + inv[4]! * p0[1]);
    return Float32Array.from(applyAffine(inv, truth));
  },
};

describe('align2d', () => {
  it('without a detector, maps the six fiducials onto the anchors by one similarity', async () => {
    const result = await align2d(coordinateImage(320, 320), truth, { template });
    expect(result.iterations).toBe(0);
    const expected = fitSimilarity(sixFiducials(truth), template.anchors, SIX_FIDUCIAL_NAMES);
    expect(maxAbsDiff(result.transform, expected)).toBeLessThan(1e-12);
  });

  it("fit 'all': a similarity image of the template's 68 landmarks is mapped back exactly", async () => {
    // Hand-made similarity: scale 1.7, rotation 20°, translation (31, −12).
    const c = 1.7 * Math.cos(Math.PI / 9), s = 1.7 * Math.sin(Math.PI / 9);
    const sim = [c, -s, 31, s, c, -12];
    const landmarks = applyAffine(sim, template.landmarks);
    const result = await align2d(coordinateImage(320, 320), landmarks, { template, fit: 'all' });
    expect(maxAbsDiff(result.cropLandmarks, template.landmarks)).toBeLessThan(1e-9);
    expect(maxAbsDiff(result.transform, invert(sim))).toBeLessThan(1e-12);
    // The same points through the six fiducials give the same transform (no noise, no disagreement).
    expect(maxAbsDiff((await align2d(coordinateImage(320, 320), landmarks, { template, fit: 'six' })).transform, result.transform)).toBeLessThan(1e-9);
  });

  it("fit 'all' is moved less than 'six' by one wrong fiducial", async () => {
    const landmarks = Float64Array.from(template.landmarks);
    landmarks[2 * 30] += 8; // nose tip 8 px to the right
    const shift = async (fit: 'six' | 'all') => {
      const t = (await align2d(coordinateImage(320, 320), landmarks, { template, fit })).transform;
      return maxAbsDiff(applyAffine(t, template.landmarks), template.landmarks);
    };
    const six = await shift('six');
    const all = await shift('all');
    // Least squares spreads the error over the points it fits: about 8/6 px with six, 8/68 px with 68.
    expect(six).toBeGreaterThan(1);
    expect(all).toBeLessThan(0.25);
  });

  it('rejects an unknown fit, naming the source', async () => {
    await expect(align2d(coordinateImage(320, 320), truth, { template, fit: 'five' as 'six', source: 'y.jpg' })).rejects.toThrow(/y\.jpg: fit must be 'six' or 'all', got "five"/);
  });

  it('iterates with re-detection from noisy start points until it stops changing', async () => {
    const r = rng(2);
    const noisy = truth.map((v) => v + 6 * (r() - 0.5));
    exactDetector.calls = 0;
    const result = await align2d(coordinateImage(320, 320), noisy, { template, detector: exactDetector });
    expect(result.converged).toBe(true);
    expect(result.iterations).toBe(2); // one round fixes it, the next confirms
    expect(result.corrections[0]!).toBeGreaterThan(0.5);
    expect(result.corrections[1]!).toBeLessThan(0.01);
    const exact = fitSimilarity(sixFiducials(truth), template.anchors, SIX_FIDUCIAL_NAMES);
    // float32 coordinates in the crop limit the agreement to ~1e-4 pixels.
    expect(maxAbsDiff(applyAffine(result.transform, truth), applyAffine(exact, truth))).toBeLessThan(1e-2);
    expect(maxAbsDiff(result.landmarks, truth)).toBeLessThan(1e-2);
    // The crop really is the composed transform applied to the source.
    const { size } = template;
    const inv = applyAffine(invert(exact), [size / 2, size / 2]);
    const o = ((size / 2) * size + size / 2) * 3;
    expect(result.image.data[o]).toBeCloseTo(inv[0]!, 1);
    expect(result.image.data[o + 1]).toBeCloseTo(inv[1]!, 1);
  });

  it('stops after maxIterations when the detector keeps disagreeing', async () => {
    let k = 0;
    const jittery: LandmarkDetector = { async landmarks() { k++; return Float32Array.from(applyAffine([1, 0, 3 * (k % 2 ? 1 : -1), 0, 1, 0], template.landmarks)); } };
    const result = await align2d(coordinateImage(320, 320), truth, { template, detector: jittery, maxIterations: 3 });
    expect(result.iterations).toBe(3);
    expect(result.converged).toBe(false);
  });

  it('names the round whose re-detected landmarks are broken', async () => {
    const broken: LandmarkDetector = { async landmarks() { return new Float32Array(136).fill(Number.NaN); } };
    await expect(align2d(coordinateImage(320, 320), truth, { template, detector: broken, source: 'x.jpg' })).rejects.toThrow(/x\.jpg, re-detection 1: point 0 has a non-finite x/);
  });
});

function invert(t: ArrayLike<number>): number[] {
  const det = t[0]! * t[4]! - t[1]! * t[3]!;
  const a = t[4]! / det, b = -t[1]! / det, d = -t[3]! / det, e = t[0]! / det;
  return [a, b, -(a * t[2]! + b * t[5]!), d, e, -(d * t[2]! + e * t[5]!)];
}
