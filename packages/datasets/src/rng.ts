/**
 * Small seeded pseudo-random generators, so that every sampled split and frame pair is
 * reproducible from a seed on every platform (Math.random cannot be seeded).
 */

/** A generator of uniform floats in [0, 1). */
export interface Rng {
  /** Next uniform float in [0, 1) with 32 random bits. */
  next(): number;
  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number;
}

/**
 * mulberry32 (Tommy Ettinger): 32-bit state, period 2^32, passes gjrand/PractRand to
 * useful sizes; plenty for sampling indices. `Math.imul` keeps the arithmetic in exact
 * 32-bit integers.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    nextUint32,
    next: () => nextUint32() / 4294967296,
    int(n: number): number {
      if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) {
        throw new RangeError(`rng.int: n must be an integer in [1, 2^32], got ${n}`);
      }
      // Rejection sampling: drop the top partial block so every residue is equally likely.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
  };
}

/**
 * Mixes any number of integers into one 32-bit seed (murmur3's finaliser per word), so
 * that (seed, split, pair) gives an independent stream per pair: sampling one pair does
 * not depend on how many pairs were sampled before it.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fisher–Yates shuffle in place with the given generator; returns the array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}
