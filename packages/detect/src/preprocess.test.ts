import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { squareInput, squarePadding, type Crop } from './preprocess';

/** Reference: face-api's op sequence on tf kernels (slice, padToSquare with zeros, legacy resizeBilinear). */
function tfReference(data: Float32Array, ih: number, iw: number, crop: Crop, size: number, centred: boolean): Float32Array {
  return tf.tidy(() => {
    const img = tf.tensor3d(data, [ih, iw, 3]);
    const c = tf.slice(img, [crop.y, crop.x, 0], [crop.height, crop.width, 3]);
    const { axis, before, after } = squarePadding(crop.height, crop.width, centred);
    const pads: [number, number][] = axis === 0 ? [[before, after], [0, 0], [0, 0]] : [[0, 0], [before, after], [0, 0]];
    const sq = tf.pad(c, pads, 0);
    const out = sq.shape[0] === size ? sq : tf.image.resizeBilinear(sq as tf.Tensor3D, [size, size], false, false);
    return out.dataSync() as Float32Array;
  });
}

describe('squarePadding', () => {
  it('splits like face-api: round(diff/2) after, the rest before when centred', () => {
    expect(squarePadding(10, 7, true)).toEqual({ axis: 1, before: 1, after: 2 });
    expect(squarePadding(7, 10, false)).toEqual({ axis: 0, before: 0, after: 3 });
    expect(squarePadding(6, 10, true)).toEqual({ axis: 0, before: 2, after: 2 });
    expect(squarePadding(5, 5, true)).toEqual({ axis: 0, before: 0, after: 0 });
  });
});

describe('squareInput', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const ih = 23;
  const iw = 31;
  const data = Float32Array.from({ length: ih * iw * 3 }, (_, i) => (i * 37 + ((i * i) % 11)) % 256);
  const image = { width: iw, height: ih, channels: 3 as const, data };
  it.each([
    ['whole landscape image, pad bottom', { x: 0, y: 0, width: iw, height: ih }, 16, false],
    ['whole image upscaled', { x: 0, y: 0, width: iw, height: ih }, 40, false],
    ['tall crop, centred (odd padding)', { x: 4, y: 2, width: 9, height: 20 }, 12, true],
    ['wide crop at the border, centred', { x: 20, y: 15, width: 11, height: 8 }, 7, true],
    ['square crop, no resize', { x: 3, y: 3, width: 10, height: 10 }, 10, true],
  ] as [string, Crop, number, boolean][])('%s matches tf.pad + resizeBilinear', (_name, crop, size, centred) => {
    const expected = tfReference(data, ih, iw, crop, size, centred);
    const got = new Float32Array(size * size * 3);
    squareInput(image, crop, size, centred, [0, 0, 0], 1, got);
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - expected[i]!));
    expect(maxErr).toBeLessThan(1e-3); // float32 kernels on values up to 255
  });
  it('applies (v − mean[c]) · scale per channel and writes at the offset', () => {
    const crop = { x: 0, y: 0, width: 2, height: 2 };
    const px = { width: 2, height: 2, channels: 3 as const, data: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]) };
    const out = new Float32Array(5 + 12).fill(-7);
    squareInput(px, crop, 2, false, [10, 20, 30], 0.5, out, 5);
    expect(Array.from(out.subarray(0, 5))).toEqual([-7, -7, -7, -7, -7]);
    expect(Array.from(out.subarray(5))).toEqual([0, 0, 0, 15, 15, 15, 30, 30, 30, 45, 45, 45]);
  });
});
