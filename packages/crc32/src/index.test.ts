import { describe, expect, it } from 'vitest';
import { crc32 } from './index';

/** Plain bitwise CRC-32, the reference. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    // The CRC-32 check value of "123456789" is 0xCBF43926.
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('matches the bitwise reference at every length and when continued', () => {
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    for (const n of [1, 7, 8, 9, 63, 64, 65, 300]) {
      const part = bytes.subarray(0, n);
      expect(crc32(part)).toBe(crc32Bitwise(part));
      const cut = n >> 1;
      expect(crc32(part.subarray(cut), crc32(part.subarray(0, cut)))).toBe(crc32Bitwise(part));
    }
  });
});
