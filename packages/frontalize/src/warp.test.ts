import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { sampleRgb, warpAffine } from './warp';

const img2x2: RgbImage<Uint8Array> = { width: 2, height: 2, channels: 3, data: Uint8Array.of(0, 0, 0, 100, 10, 0, 200, 20, 0, 255, 30, 0) };

describe('sampleRgb', () => {
  it('interpolates a hand-computed 2×2 case', () => {
    const out = new Float32Array(3);
    // Centre: mean of the four pixels → red (0 + 100 + 200 + 255)/4 = 138.75, green 15.
    sampleRgb(img2x2.data, 2, 2, 0.5, 0.5, out, 0, false);
    expect(out[0]).toBeCloseTo(138.75, 5);
    expect(out[1]).toBeCloseTo(15, 5);
    // (0.25, 0): red 0.75·0 + 0.25·100 = 25.
    sampleRgb(img2x2.data, 2, 2, 0.25, 0, out, 0, false);
    expect(out[0]).toBeCloseTo(25, 5);
  });

  it('clamps outside the image, or gives black with the zero border', () => {
    const out = new Float32Array(3);
    sampleRgb(img2x2.data, 2, 2, 5, -3, out, 0, false);
    expect(Array.from(out)).toEqual([100, 10, 0]);
    sampleRgb(img2x2.data, 2, 2, 5, -3, out, 0, true);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });

  it('rounds and clamps into uint8', () => {
    const out = new Uint8Array(3);
    sampleRgb(Float32Array.of(-20, 300, 127.6), 1, 1, 0, 0, out, 0, false);
    expect(Array.from(out)).toEqual([0, 255, 128]);
  });
});

describe('warpAffine', () => {
  it('reproduces the source under the identity and shifts it under a translation', () => {
    const id = warpAffine(img2x2, [1, 0, 0, 0, 1, 0], 2, 2, { dtype: 'uint8' });
    expect(Array.from(id.data)).toEqual(Array.from(img2x2.data));
    // Output pixel (0, 0) reads source (1, 0).
    const shifted = warpAffine(img2x2, [1, 0, 1, 0, 1, 0], 1, 1, { dtype: 'float32' });
    expect(Array.from(shifted.data)).toEqual([100, 10, 0]);
  });

  it('rejects a non-RGB image naming it', () => {
    expect(() => warpAffine({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }, [1, 0, 0, 0, 1, 0], 2, 2)).toThrow(/warpAffine input: expected 3 channels/);
  });
});
