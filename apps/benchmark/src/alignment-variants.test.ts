import { align2d, createFrontalizer, createTemplate, syntheticFace } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { cropRecipe, parseAlignmentVariant } from './alignment-variants';
import { centreCrop } from './describe';

describe('parseAlignmentVariant', () => {
  it('reads the three kinds', () => {
    expect(parseAlignmentVariant('raw-0.4')).toEqual({ name: 'raw-0.4', kind: 'raw', fraction: 0.4 });
    expect(parseAlignmentVariant('3d-0.36')).toEqual({ name: '3d-0.36', kind: '3d', interOcular: 0.36 });
    expect(parseAlignmentVariant('2d-0.4-all-0')).toEqual({ name: '2d-0.4-all-0', kind: '2d', interOcular: 0.4, fit: 'all', rounds: 0 });
  });
  it('says what is wrong with a bad name', () => {
    expect(() => parseAlignmentVariant('2d-0.4-five-0')).toThrow(/"2d-0\.4-five-0": the fit must be "six" or "all", got "five"/);
    expect(() => parseAlignmentVariant('raw-1.5')).toThrow(/"raw-1\.5": the crop fraction must be a fraction in \(0, 1\), got "1\.5"/);
    expect(() => parseAlignmentVariant('2d-0.4-six--1')).toThrow(/expected raw-<fraction>/);
    expect(() => parseAlignmentVariant('2d-0.4-six-1.5')).toThrow(/re-detection rounds must be a whole number/);
    expect(() => parseAlignmentVariant('funnel')).toThrow(/expected raw-<fraction>, 3d-<interOcular> or 2d-/);
  });
});

describe('cropRecipe', () => {
  const size = 48;
  const image: RgbImage<Uint8Array> = { width: 160, height: 160, channels: 3, data: Uint8Array.from({ length: 160 * 160 * 3 }, (_, i) => (i * 31) % 253) };
  // A frontal face in the image: the synthetic shape's x, y scaled to about 60 px across.
  const shape = syntheticFace();
  const landmarks = Float64Array.from({ length: 136 }, (_, k) => 80 + 30 * shape[3 * (k >> 1) + (k & 1)]! * (k & 1 ? -1 : 1));

  it('gives the same crops as the package calls they stand for', async () => {
    const t = createTemplate({ size, interOcular: 0.4 });
    const same = (a: RgbImage, b: RgbImage) => expect(Array.from(a.data)).toEqual(Array.from(b.data));
    same(await cropRecipe(parseAlignmentVariant('raw-0.5'), size, { fallbackFraction: 0.5 })(image, landmarks, 'x'), centreCrop(image, { fraction: 0.5, size }));
    same(await cropRecipe(parseAlignmentVariant('3d-0.4'), size, { fallbackFraction: 0.5 })(image, landmarks, 'x'), createFrontalizer(t).frontalize(image, landmarks, { dtype: 'uint8' }).image);
    same(await cropRecipe(parseAlignmentVariant('2d-0.4-all-0'), size, { fallbackFraction: 0.5 })(image, landmarks, 'x'), (await align2d(image, landmarks, { template: t, fit: 'all', dtype: 'uint8' })).image);
  });

  it('falls back to the raw crop without landmarks, and a re-detecting recipe needs a detector', async () => {
    const crop = await cropRecipe(parseAlignmentVariant('3d-0.4'), size, { fallbackFraction: 0.45 })(image, undefined, 'x');
    expect(Array.from(crop.data)).toEqual(Array.from(centreCrop(image, { fraction: 0.45, size }).data));
    expect(() => cropRecipe(parseAlignmentVariant('2d-0.4-six-2'), size, { fallbackFraction: 0.5 })).toThrow(/re-detects landmarks: pass a detector/);
  });
});
