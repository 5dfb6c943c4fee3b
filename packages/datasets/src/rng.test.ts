import { describe, expect, it } from 'vitest';
import { mixSeed, mulberry32, shuffleInPlace } from './rng';

// Plain reference: mulberry32 written with BigInt arithmetic mod 2^32, straight from its definition.
function mulberry32Reference(seed: number): () => number {
  const M = 0xffffffffn;
  let a = BigInt(seed >>> 0);
  const mul = (x: bigint, y: bigint): bigint => (x * y) & M;
  return () => {
    a = (a + 0x6d2b79f5n) & M;
    let t = a;
    t = mul(t ^ (t >> 15n), t | 1n);
    t = (t ^ (t + mul(t ^ (t >> 7n), t | 61n))) & M;
    return Number((t ^ (t >> 14n)) & M);
  };
}

describe('mulberry32', () => {
  it('matches a BigInt reference implementation bit for bit', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 32 - 1]) {
      const fast = mulberry32(seed);
      const ref = mulberry32Reference(seed);
      for (let i = 0; i < 1000; i++) expect(fast.nextUint32()).toBe(ref());
    }
  });

  it('is reproducible from a seed and differs between seeds', () => {
    const a = Array.from({ length: 5 }, mulberry32(7).next);
    const b = Array.from({ length: 5 }, mulberry32(7).next);
    const c = Array.from({ length: 5 }, mulberry32(8).next);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
  });

  it('int(n) is uniform (chi-square over 10 bins, 100k draws)', () => {
    const rng = mulberry32(123);
    const bins = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) bins[rng.int(10)]++;
    const expected = n / 10;
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
    expect(chi2).toBeLessThan(27.88);
  });

  it('int(n) rejects n that is not a positive integer', () => {
    expect(() => mulberry32(1).int(0)).toThrow(/positive|\[1, 2\^32\]/);
    expect(() => mulberry32(1).int(2.5)).toThrow(RangeError);
  });
});

describe('mixSeed', () => {
  it('is deterministic, order-sensitive and spreads nearby inputs', () => {
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
    expect(mixSeed(1, 2, 3)).not.toBe(mixSeed(3, 2, 1));
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(mixSeed(0, i));
    expect(seen.size).toBe(10_000);
  });
});

describe('shuffleInPlace', () => {
  it('returns a permutation, reproducible from the seed', () => {
    const a = shuffleInPlace(Int32Array.from({ length: 100 }, (_, i) => i), mulberry32(5));
    const b = shuffleInPlace(Int32Array.from({ length: 100 }, (_, i) => i), mulberry32(5));
    expect([...a]).toEqual([...b]);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
