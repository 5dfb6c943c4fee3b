import { describe, expect, it } from 'vitest';
import { assertImage, createImage, ImageError, resizeBilinear, sampleBilinear, toRgbFloat, toRgbUint8, type Image } from './index';

const rgb = (w: number, h: number, fill: (x: number, y: number, c: number) => number): Image<Float32Array> => {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = fill(x, y, c);
  return { width: w, height: h, channels: 3, data };
};

describe('assertImage', () => {
  it('accepts a valid RGB image', () => {
    const img = rgb(4, 3, () => 1);
    expect(assertImage(img)).toBe(img);
  });
  it('names the source and the fault', () => {
    expect(() => assertImage({ width: 0, height: 5, channels: 3, data: new Uint8Array(0) }, { source: 'a.jpg' })).toThrow('a.jpg: image is empty (0×5)');
    expect(() => assertImage({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) })).toThrow('image is 1×1, smaller than the minimum 2×2');
    expect(() => assertImage({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) })).toThrow('expected 3 channels (RGB), got 1');
    expect(() => assertImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow('data has 11 values, expected 2×2×3 = 12');
    const nan = rgb(3, 2, () => 0);
    nan.data[(1 * 3 + 2) * 3 + 1] = Number.NaN;
    expect(() => assertImage(nan)).toThrow('non-finite value NaN at pixel (x=2, y=1), channel 1');
    expect(() => assertImage(null as unknown as Image)).toThrow(ImageError);
  });
});

describe('sampleBilinear', () => {
  it('interpolates a hand-computed 2×2 case and clamps outside', () => {
    // channel 0 values: (0,0)=0 (1,0)=10 (0,1)=20 (1,1)=30
    const img = rgb(2, 2, (x, y) => x * 10 + y * 20);
    const out = new Float32Array(3);
    sampleBilinear(img, 0.5, 0.5, out);
    expect(out[0]).toBeCloseTo(15, 6);
    sampleBilinear(img, 0.25, 0, out);
    expect(out[0]).toBeCloseTo(2.5, 6);
    sampleBilinear(img, -3, 9, out); // clamps to (0, 1)
    expect(out[0]).toBe(20);
  });
  it('reproduces an affine image exactly inside the pixel grid', () => {
    const img = rgb(8, 6, (x, y, c) => 3 * x - 2 * y + c);
    const out = new Float32Array(3);
    for (const [x, y] of [[1.3, 2.7], [6.99, 0.01], [3.5, 4.25]] as const) {
      sampleBilinear(img, x, y, out);
      for (let c = 0; c < 3; c++) expect(out[c]).toBeCloseTo(3 * x - 2 * y + c, 4);
    }
  });
  it('rounds into uint8 outputs', () => {
    const img = rgb(2, 1, (x) => (x === 0 ? 0 : 3));
    const out = new Uint8Array(3);
    sampleBilinear(img, 0.5, 0, out);
    expect(out[0]).toBe(2); // 1.5 rounds to 2
  });
});

describe('resizeBilinear', () => {
  it('keeps a constant image constant and an image of the same size unchanged', () => {
    const c = rgb(5, 4, () => 7);
    expect(Array.from(resizeBilinear(c, 9, 3).data).every((v) => Math.abs(v - 7) < 1e-6)).toBe(true);
    const g = rgb(5, 4, (x, y, ch) => x + 10 * y + 100 * ch);
    expect(Array.from(resizeBilinear(g, 5, 4).data)).toEqual(Array.from(g.data));
  });
  it('halves a 4×1 ramp by averaging pixel pairs (half-pixel centres)', () => {
    const ramp = rgb(4, 1, (x) => x * 10);
    const half = resizeBilinear(ramp, 2, 1);
    expect(half.data[0]).toBeCloseTo(5, 6); // centre at x=0.5
    expect(half.data[3]).toBeCloseTo(25, 6); // centre at x=2.5
  });
  it('rejects bad sizes', () => {
    expect(() => resizeBilinear(rgb(2, 2, () => 0), 0, 3)).toThrow('target size must be positive integers, got 0×3');
  });
});

describe('channel conversion', () => {
  it('expands grey, drops alpha and clamps to uint8', () => {
    const grey: Image<Uint8Array> = { width: 2, height: 1, channels: 1, data: new Uint8Array([5, 250]) };
    expect(Array.from(toRgbFloat(grey).data)).toEqual([5, 5, 5, 250, 250, 250]);
    const rgba: Image<Uint8Array> = { width: 1, height: 1, channels: 4, data: new Uint8Array([1, 2, 3, 4]) };
    expect(Array.from(toRgbFloat(rgba).data)).toEqual([1, 2, 3]);
    const f = rgb(1, 1, (_x, _y, c) => [-3, 127.6, 300][c]!);
    expect(Array.from(toRgbUint8(f).data)).toEqual([0, 128, 255]);
    expect(() => toRgbFloat({ width: 1, height: 1, channels: 2, data: new Uint8Array(2) })).toThrow('unsupported channel count 2');
  });
  it('createImage allocates the right type and size', () => {
    const a = createImage(3, 2, 3, 'uint8');
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(a.data.length).toBe(18);
    expect(createImage(1, 1, 1, 'float32').data).toBeInstanceOf(Float32Array);
  });
});
