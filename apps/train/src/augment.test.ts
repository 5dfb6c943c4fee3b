import { MIRROR_68 } from '@deepface-ts/frontalize';
import { describe, expect, it } from 'vitest';
import { adjustColourInPlace, augmentView, gaussianBlurInPlace, IDENTITY_AUGMENTATION, viewAugmentation, type SourceAugmentation } from './augment';

/** A 68-point set spread over a 100 px face centred at (150, 120) in a 300×240 image. */
function landmarks(): Float32Array {
  const out = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    out[2 * i] = 100 + ((i * 37) % 100);
    out[2 * i + 1] = 70 + ((i * 53) % 100);
  }
  return out;
}

/** A black image with a white 3×3 dot at landmark `k`. */
function imageWithDot(points: Float32Array, k: number) {
  const width = 300;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  const x = Math.round(points[2 * k]!);
  const y = Math.round(points[2 * k + 1]!);
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) data.fill(255, ((y + dy) * width + x + dx) * 3, ((y + dy) * width + x + dx) * 3 + 3);
  return { width, height, channels: 3 as const, data };
}

/** Centroid of the bright pixels. */
function brightCentroid(img: { width: number; height: number; data: Uint8Array }): [number, number] {
  let sx = 0;
  let sy = 0;
  let sw = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[(y * img.width + x) * 3]!;
      if (v > 20) {
        sx += v * x;
        sy += v * y;
        sw += v;
      }
    }
  }
  return [sx / sw, sy / sw];
}

const geometric = (a: Partial<SourceAugmentation>): SourceAugmentation => ({ ...IDENTITY_AUGMENTATION, gain: [1, 1, 1], ...a });

describe('augmentView', () => {
  it('moves the landmarks with the image: a dot at a landmark lands at the moved landmark (rotation, scale, shift)', () => {
    const pts = landmarks();
    const view = augmentView(imageWithDot(pts, 30), pts, geometric({ rotation: 8, scale: 1.07, shiftX: 0.04, shiftY: -0.03 }));
    const [x, y] = brightCentroid(view.image);
    expect(Math.abs(x - view.landmarks[60]!)).toBeLessThan(0.75);
    expect(Math.abs(y - view.landmarks[61]!)).toBeLessThan(0.75);
  });

  it('a flip swaps left and right landmarks: the dot at point 36 is at the moved point MIRROR_68[36] = 45', () => {
    const pts = landmarks();
    expect(MIRROR_68[36]).toBe(45);
    const view = augmentView(imageWithDot(pts, 36), pts, geometric({ flip: true, rotation: -5 }));
    const [x, y] = brightCentroid(view.image);
    expect(Math.abs(x - view.landmarks[90]!)).toBeLessThan(0.75);
    expect(Math.abs(y - view.landmarks[91]!)).toBeLessThan(0.75);
  });

  it('view 0 is the image itself (only cropped to the canvas), and the canvas is three face sides wide', () => {
    const pts = landmarks();
    const src = imageWithDot(pts, 10);
    const view = augmentView(src, pts, viewAugmentation(123, 0));
    // Landmark box 99 × 98 px (≤ 160: no downscale) → a 297 px canvas, centred on the box: an offset only.
    const xs = Array.from({ length: 68 }, (_, i) => pts[2 * i]!);
    const ys = Array.from({ length: 68 }, (_, i) => pts[2 * i + 1]!);
    expect([Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)]).toEqual([99, 98]);
    expect(view.image.width).toBe(297);
    const mid = (297 - 1) / 2;
    expect(Array.from(view.sourceToView)).toEqual([1, 0, mid - (Math.min(...xs) + Math.max(...xs)) / 2, 0, 1, mid - (Math.min(...ys) + Math.max(...ys)) / 2]);
    const [x, y] = brightCentroid(view.image);
    expect(x).toBeCloseTo(view.landmarks[20]!, 5);
    expect(y).toBeCloseTo(view.landmarks[21]!, 5);
  });

  it('views ≥ 1 are reproducible from (image seed, k) and differ between k', () => {
    expect(viewAugmentation(7, 1)).toEqual(viewAugmentation(7, 1));
    expect(viewAugmentation(7, 1)).not.toEqual(viewAugmentation(7, 2));
    expect(viewAugmentation(7, 1)).not.toEqual(viewAugmentation(8, 1));
    const a = viewAugmentation(7, 3);
    expect(Math.abs(a.rotation)).toBeLessThanOrEqual(10);
    expect(Math.abs(a.scale - 1)).toBeLessThanOrEqual(0.1);
  });

  it('downscales big faces so the landmark box is at most maxFaceSide', () => {
    const pts = landmarks().map((v) => v * 4);
    const src = { width: 1200, height: 960, channels: 3 as const, data: new Uint8Array(1200 * 960 * 3) };
    const view = augmentView(src, pts, viewAugmentation(1, 0), { maxFaceSide: 100 });
    expect(view.image.width).toBe(300);
    let x0 = Infinity;
    let x1 = -Infinity;
    for (let i = 0; i < 68; i++) [x0, x1] = [Math.min(x0, view.landmarks[2 * i]!), Math.max(x1, view.landmarks[2 * i]!)];
    expect(x1 - x0).toBeCloseTo(100, 3);
  });

  it('rejects landmarks that are not 68 finite points', () => {
    const src = { width: 10, height: 10, channels: 3 as const, data: new Uint8Array(300) };
    expect(() => augmentView(src, new Float32Array(10), IDENTITY_AUGMENTATION)).toThrow('expected 68 x,y landmarks (136 values), got 10');
    const bad = landmarks();
    bad[7] = NaN;
    expect(() => augmentView(src, bad, IDENTITY_AUGMENTATION)).toThrow('landmark 3 is not finite');
  });
});

describe('colour and blur', () => {
  it('colour: hand-computed pixel (brightness 1.1, contrast 1, saturation 0 → grey × 1.1)', () => {
    const img = { width: 1, height: 1, channels: 3 as const, data: Uint8Array.of(100, 200, 50) };
    adjustColourInPlace(img, { brightness: 1.1, contrast: 1, saturation: 0, gain: [1, 1, 1] });
    const grey = 0.299 * 100 + 0.587 * 200 + 0.114 * 50; // 153.0
    expect(Array.from(img.data)).toEqual([Math.round(grey * 1.1), Math.round(grey * 1.1), Math.round(grey * 1.1)]);
  });

  it('blur keeps a flat image flat and spreads an impulse symmetrically, preserving its mass', () => {
    const flat = { width: 9, height: 9, channels: 3 as const, data: new Uint8Array(243).fill(77) };
    gaussianBlurInPlace(flat, 1.2);
    expect(flat.data.every((v) => v === 77)).toBe(true);
    const dot = { width: 15, height: 15, channels: 3 as const, data: new Uint8Array(675) };
    dot.data.fill(255, (7 * 15 + 7) * 3, (7 * 15 + 7) * 3 + 3);
    gaussianBlurInPlace(dot, 1);
    const at = (x: number, y: number) => dot.data[(y * 15 + x) * 3]!;
    expect(at(6, 7)).toBe(at(8, 7));
    expect(at(7, 6)).toBe(at(7, 8));
    expect(at(7, 7)).toBeLessThan(255);
    let mass = 0;
    for (let i = 0; i < 675; i += 3) mass += dot.data[i]!;
    expect(Math.abs(mass - 255)).toBeLessThan(10); // rounding of 49 pixels
  });
});
