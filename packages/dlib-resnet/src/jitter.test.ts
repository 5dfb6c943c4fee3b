import { applyAffine, faceChip, faceChipTemplate, DLIB_MEAN_FACE } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { jitterAffine, jitterChipDetails, jitteredChips, JITTER_DEFAULTS } from './jitter';

const constant = (v: number) => () => v;
const sequence = (vs: number[]) => {
  let i = 0;
  return () => vs[i++ % vs.length]!;
};

describe('jitterAffine (dlib jitter_image: shift, zoom, rotation, flip)', () => {
  it('mid draws: no shift, no rotation, no flip, a zoom about the chip centre by box/size', () => {
    const t = jitterAffine(150, constant(0.5));
    const box = 144 / ((0.97 + 0.99999) / 2); // dlib: the 144-px object inside a box 1/U(0.97, 0.99999) larger
    const s = box / 150;
    expect(t[0]).toBeCloseTo(s, 12);
    expect(t[4]).toBeCloseTo(s, 12);
    expect(t[1]).toBeCloseTo(0, 12);
    expect(t[3]).toBeCloseTo(0, 12);
    const c = applyAffine(t, [74.5, 74.5]);
    expect(c[0]).toBeCloseTo(74.5, 10);
    expect(c[1]).toBeCloseTo(74.5, 10);
  });

  it('extreme draws: ±2 % shift of the object, ±3° rotation, and a mirror above ½', () => {
    // draws in order: tx, ty, scale, angle, flip
    const hi = jitterAffine(150, sequence([0.999999, 0, 0, 0.999999, 0.9]));
    expect((Math.atan2(-hi[1]!, hi[4]!) * 180) / Math.PI).toBeCloseTo(3, 3); // rotation of the chip's y axis (its x axis is mirrored)
    expect(hi[0]! * hi[4]! - hi[1]! * hi[3]!).toBeLessThan(0); // mirrored
    const centre = applyAffine(hi, [74.5, 74.5]);
    expect(centre[0]! - 74.5).toBeCloseTo(0.02 * 144, 3);
    expect(centre[1]! - 74.5).toBeCloseTo(-0.02 * 144, 3);
    const lo = jitterAffine(150, sequence([0.5, 0.5, 0.5, 0, 0.1]));
    expect((Math.atan2(lo[3]!, lo[0]!) * 180) / Math.PI).toBeCloseTo(-3, 6);
    expect(lo[0]! * lo[4]! - lo[1]! * lo[3]!).toBeGreaterThan(0);
    expect(() => jitterAffine(150, constant(0.5), { minObjectHeight: 0.9, maxObjectHeight: 0.8 })).toThrow(RangeError);
    expect(JITTER_DEFAULTS).toEqual({ maxRotationDegrees: 3, minObjectHeight: 0.97, maxObjectHeight: 0.99999, translateAmount: 0.02, flip: true });
  });
});

describe('jitteredChips', () => {
  // A textured image and the template's own points as landmarks: the plain chip is a pure crop.
  const size = 150;
  const image: RgbImage<Uint8Array> = { width: 200, height: 200, channels: 3, data: Uint8Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 7 + ((i / 600) | 0) * 13) % 251) };
  const template = faceChipTemplate();
  const landmarks = new Float64Array(136);
  DLIB_MEAN_FACE.indices.forEach((idx, k) => {
    landmarks[2 * idx] = template[2 * k]! + 20;
    landmarks[2 * idx + 1] = template[2 * k + 1]! + 20;
  });
  // Points dlib does not use still need finite values.
  for (let i = 0; i < 136; i++) if (landmarks[i] === 0) landmarks[i] = 100;
  const { image: plain, details } = faceChip(image, landmarks, { dtype: 'uint8' });

  it('a jitter that only mirrors (object = chip size, no shift or rotation) is the mirrored chip, pixel for pixel', () => {
    const mirrorOnly = { minObjectHeight: 144 / 150, maxObjectHeight: 144 / 150, translateAmount: 0, maxRotationDegrees: 0 };
    const chips = jitteredChips(image, details, 8, 3, mirrorOnly);
    let mirrored = 0;
    for (const c of chips) {
      let same = true;
      let flipped = true;
      for (let y = 0; y < size && (same || flipped); y++)
        for (let x = 0; x < size; x++)
          for (let ch = 0; ch < 3; ch++) {
            // ≤ 1: the zoom 144 / (144 / 150) is 1 only to rounding, so a few values round the other way
            const v = c.data[(y * size + x) * 3 + ch]!;
            if (Math.abs(v - plain.data[(y * size + x) * 3 + ch]!) > 1) same = false;
            if (Math.abs(v - plain.data[(y * size + size - 1 - x) * 3 + ch]!) > 1) flipped = false;
          }
      expect(same || flipped).toBe(true);
      if (flipped && !same) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(0);
    expect(mirrored).toBeLessThan(8);
  });

  it('is reproducible from its seed, differs across seeds, and checks its count', () => {
    const a = jitterChipDetails(details, 3, 7);
    const b = jitterChipDetails(details, 3, 7);
    const c = jitterChipDetails(details, 3, 8);
    expect(Array.from(a[2]!.toImage)).toEqual(Array.from(b[2]!.toImage));
    expect(Array.from(a[2]!.toImage)).not.toEqual(Array.from(c[2]!.toImage));
    // toChip stays the inverse of toImage
    const p = applyAffine(a[1]!.toChip, applyAffine(a[1]!.toImage, [10, 130]));
    expect(p[0]).toBeCloseTo(10, 9);
    expect(p[1]).toBeCloseTo(130, 9);
    expect(() => jitterChipDetails(details, 0)).toThrow(/count must be a whole number ≥ 1/);
  });
});
