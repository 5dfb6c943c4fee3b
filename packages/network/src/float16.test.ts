import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, fromHalfBits, toHalfBits } from './float16';

describe('float16', () => {
  it('encodes hand-checked values', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.5)).toBe(0x3800);
    expect(toHalfBits(65504)).toBe(0x7bff); // largest finite half
    expect(toHalfBits(65520)).toBe(0x7c00); // rounds to Infinity
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(2 ** -26)).toBe(0x0000); // underflows to 0
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(toHalfBits(Infinity)).toBe(0x7c00);
    expect(fromHalfBits(toHalfBits(Number.NaN))).toBeNaN();
  });

  it('rounds to nearest even at the halfway point', () => {
    // 1 + 2^-11 is exactly between 1 and 1 + 2^-10: ties go to the even mantissa (1.0)
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 is between 1+2^-10 (odd) and 1+2^-9 (even): goes up
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every half value exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = fromHalfBits(h);
      if (!Number.isNaN(v) && toHalfBits(v) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps relative error within 2^-11 for normal values', () => {
    const xs = new Float32Array(2000);
    for (let i = 0; i < xs.length; i++) xs[i] = (Math.sin(i * 12.9898) * 43758.5453) % 1000;
    const back = decodeFloat16(encodeFloat16(xs));
    for (let i = 0; i < xs.length; i++) {
      if (Math.abs(xs[i]!) < 6.2e-5) continue; // subnormal range has absolute, not relative, error
      expect(Math.abs(back[i]! - xs[i]!) / Math.abs(xs[i]!)).toBeLessThanOrEqual(2 ** -11);
    }
  });
});
