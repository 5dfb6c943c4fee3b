import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { createFrontalizer } from './frontalize';
import { LandmarkError } from './landmarks';
import { syntheticFace } from './synthetic-face';
import { createTemplate } from './template';
import { cameraFromRotation, maxAbsDiff, projectWith, rotation } from './test-utils';

/** A float image whose red channel is x and green channel is y: sampling it reads back the sampled position. */
function coordinateImage(width: number, height: number): RgbImage<Float32Array> {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    data[(y * width + x) * 3] = x;
    data[(y * width + x) * 3 + 1] = y;
    data[(y * width + x) * 3 + 2] = 7;
  }
  return { width, height, channels: 3, data };
}

const face = syntheticFace();
const frontalizer = createFrontalizer({ shape: face });
const { template } = frontalizer;

describe('template', () => {
  it.each([152, 64, 201])('covers every pixel of a %i-pixel square crop (no holes)', (size) => {
    const t = createTemplate({ size, shape: face });
    expect(t.pixelTriangle.length).toBe(size * size);
    expect(t.pixelTriangle.every((k) => k >= 0 && k < t.triangles.length / 3)).toBe(true);
  });

  it('covers the crop with the default shape too, and triangulates every landmark', () => {
    const t = createTemplate();
    expect(t.pixelTriangle.every((k) => k >= 0)).toBe(true);
    const used = new Set(t.triangles);
    for (let i = 0; i < 68; i++) expect(used.has(i)).toBe(true);
  });

  it('has a mirror map that is an involution and reflects the frontal layout', () => {
    const { mirror, frontal, size } = template;
    for (let v = 0; v < mirror.length; v++) {
      expect(mirror[mirror[v]!]).toBe(v);
      expect(frontal[2 * mirror[v]!]).toBeCloseTo(size - 1 - frontal[2 * v]!, 9);
      expect(frontal[2 * mirror[v]! + 1]).toBeCloseTo(frontal[2 * v + 1]!, 9);
    }
  });

  it('places the eyes at the requested inter-ocular distance and height', () => {
    const t = createTemplate({ size: 100, interOcular: 0.3, eyeLine: 0.4, shape: face });
    expect(t.anchors[2]! - t.anchors[0]!).toBeCloseTo(30, 9);
    expect(t.anchors[1]).toBeCloseTo(40, 9);
    expect((t.anchors[0]! + t.anchors[2]!) / 2).toBeCloseTo(49.5, 9);
  });
});

describe('piecewise-affine warp', () => {
  it('reproduces a global affine map exactly when the camera ignores depth', () => {
    // P with a zero z column maps every model point by one 2D affine map, so every
    // triangle's map is that same map and the warp must equal it at every pixel.
    const camera = Float64Array.of(80, 12, 0, 200, -9, 85, 0, 190);
    const landmarks = projectWith(camera, template.vertices.subarray(0, 204));
    const src = coordinateImage(400, 400);
    const result = frontalizer.frontalize(src, landmarks, { residualScale: 1 });
    expect(result.rms).toBeLessThan(1e-9);
    const { size, scale, centreX, centreY } = template;
    let worst = 0;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const X = (x - centreX) / scale;
      const Y = (y - centreY) / scale;
      const u = camera[0]! * X + camera[1]! * Y + camera[3]!;
      const v = camera[4]! * X + camera[5]! * Y + camera[7]!;
      const o = (y * size + x) * 3;
      worst = Math.max(worst, Math.abs(result.image.data[o]! - u), Math.abs(result.image.data[o + 1]! - v));
    }
    // float32 storage of values up to ~400: a few ulp.
    expect(worst).toBeLessThan(1e-3);
    expect(result.visible.every((v) => v === 1)).toBe(true);
  });

  it('sends every landmark of a yawed face to its frontal template position', () => {
    const camera = cameraFromRotation(rotation(25, 10, 5), 70, 200, 200);
    const landmarks = projectWith(camera, template.vertices.subarray(0, 204));
    const src = coordinateImage(400, 400);
    const { image, targetVertices } = frontalizer.frontalize(src, landmarks, { mirrorFill: false });
    expect(maxAbsDiff(targetVertices.subarray(0, 136), template.landmarks)).toBeLessThan(1e-6);
    // At the pixel nearest each landmark's template position, the sampled source position is
    // within that half-pixel offset (times the local magnification) of the landmark.
    for (let i = 0; i < 68; i++) {
      const x = Math.round(template.landmarks[2 * i]!);
      const y = Math.round(template.landmarks[2 * i + 1]!);
      const o = (y * template.size + x) * 3;
      const err = Math.hypot(image.data[o]! - landmarks[2 * i]!, image.data[o + 1]! - landmarks[2 * i + 1]!);
      expect(err).toBeLessThan(2.5);
    }
  });

  it('keeps a person-specific shape through the residuals (and drops it with residualScale 0)', () => {
    const camera = cameraFromRotation(rotation(0), 70, 200, 200);
    const landmarks = projectWith(camera, template.vertices.subarray(0, 204));
    // Wider mouth than the generic face: move the mouth corners outward by 0.1 IOD.
    landmarks[2 * 48] -= 7;
    landmarks[2 * 54] += 7;
    const withResiduals = frontalizer.frontalize(coordinateImage(400, 400), landmarks);
    const generic = frontalizer.frontalize(coordinateImage(400, 400), landmarks, { residualScale: 0 });
    const mouthWidth = (t: Float64Array): number => t[2 * 54]! - t[2 * 48]!;
    const templateWidth = mouthWidth(template.frontal);
    expect(mouthWidth(withResiduals.targetVertices) - templateWidth).toBeGreaterThan(0.1 * template.interOcularPixels);
    expect(mouthWidth(generic.targetVertices)).toBeCloseTo(templateWidth, 9);
  });

  it('gives the same pixels as uint8 (rounded) as in float32', () => {
    const camera = cameraFromRotation(rotation(15), 40, 100, 100);
    const landmarks = projectWith(camera, template.vertices.subarray(0, 204));
    const img: RgbImage<Uint8Array> = { width: 200, height: 200, channels: 3, data: Uint8Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 37) % 256) };
    const f = frontalizer.frontalize(img, landmarks, { dtype: 'float32' });
    const u = frontalizer.frontalize(img, landmarks, { dtype: 'uint8' });
    expect(u.image.data).toBeInstanceOf(Uint8Array);
    let worst = 0;
    for (let i = 0; i < u.image.data.length; i++) worst = Math.max(worst, Math.abs(u.image.data[i]! - f.image.data[i]!));
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-4);
  });
});

describe('visibility and mirror filling', () => {
  const visibleAt = (yaw: number): Uint8Array => {
    const landmarks = projectWith(cameraFromRotation(rotation(yaw), 60, 200, 200), template.vertices.subarray(0, 204));
    return frontalizer.frontalize(coordinateImage(400, 400), landmarks).visible;
  };
  const centroidX = (k: number): number => {
    const t = template.triangles;
    return (template.frontal[2 * t[3 * k]!]! + template.frontal[2 * t[3 * k + 1]!]! + template.frontal[2 * t[3 * k + 2]!]!) / 3;
  };

  it('sees every triangle from the front', () => {
    expect(visibleAt(0).every((v) => v === 1)).toBe(true);
  });

  it('hides triangles on the far side of a yawed face, on opposite sides for opposite yaws', () => {
    const right = visibleAt(60);
    const left = visibleAt(-60);
    const hiddenRight = Array.from(right.keys()).filter((k) => !right[k]);
    const hiddenLeft = Array.from(left.keys()).filter((k) => !left[k]);
    expect(hiddenRight.length).toBeGreaterThan(3);
    expect(hiddenLeft.length).toBe(hiddenRight.length);
    const mid = (template.size - 1) / 2;
    const sideRight = Math.sign(hiddenRight.reduce((s, k) => s + centroidX(k) - mid, 0));
    const sideLeft = Math.sign(hiddenLeft.reduce((s, k) => s + centroidX(k) - mid, 0));
    expect(sideRight).toBe(-sideLeft);
    // Turning the head toward +x (positive yaw: the nose moves to +x) hides its +x side.
    expect(sideRight).toBe(1);
  });

  it('fills hidden triangles from their visible mirrors, only when asked', () => {
    const landmarks = projectWith(cameraFromRotation(rotation(70), 60, 200, 200), template.vertices.subarray(0, 204));
    const filled = frontalizer.frontalize(coordinateImage(400, 400), landmarks, { mirrorFill: true });
    const plain = frontalizer.frontalize(coordinateImage(400, 400), landmarks, { mirrorFill: false });
    const mirroredCount = filled.mirrored.reduce((s, v) => s + v, 0);
    expect(mirroredCount).toBeGreaterThan(0);
    for (let k = 0; k < filled.mirrored.length; k++) if (filled.mirrored[k]) expect(filled.visible[k]).toBe(0);
    expect(plain.mirrored.every((v) => v === 0)).toBe(true);
    expect(maxAbsDiff(filled.image.data, plain.image.data)).toBeGreaterThan(1);
  });
});

describe('degenerate input', () => {
  const img = coordinateImage(50, 50);
  const good = projectWith(cameraFromRotation(rotation(0), 10, 25, 25), face);
  it.each([
    ['fewer than 68 points', good.slice(0, 130), /expected 68 points \(136 values\), got 130 values \(65 points\)/],
    ['a NaN', Float64Array.from(good, (v, i) => (i === 76 ? Number.NaN : v)), /point 38 has a non-finite x/],
    ['duplicate points', new Float64Array(136).fill(4), /all 68 points coincide/],
    ['collinear points', Float64Array.from({ length: 136 }, (_, i) => (i & 1 ? 5 : i)), /collinear/],
  ])('%s → a LandmarkError naming the fault', (_, landmarks, message) => {
    expect(() => frontalizer.frontalize(img, landmarks, { source: 'face.jpg' })).toThrow(LandmarkError);
    expect(() => frontalizer.frontalize(img, landmarks, { source: 'face.jpg' })).toThrow(message);
  });

  it('rejects a bad image with the image error', () => {
    expect(() => frontalizer.frontalize({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) }, good, { source: 'tiny.jpg' })).toThrow(/tiny\.jpg image: image is 1×1/);
  });
});
