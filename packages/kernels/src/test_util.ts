/** Helpers shared by the tests (not part of the public API). */
import { uniform } from '@deepface-ts/random';
import { expect } from 'vitest';

/** Deterministic uniform values in [-1, 1), exactly representable in float32 (multiples of 2^-12). */
export function seededValues(n: number, seed: number): Float32Array {
  const rand = uniform(seed); // mulberry32
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((rand() * 2 - 1) * 4096) / 4096;
  return out;
}

/** float32 unit roundoff. */
export const F32_EPS = 2 ** -24;

/**
 * Asserts |actual − expected| ≤ tol[i] elementwise, where tol is a rounding-error bound
 * (e.g. γ_n · Σ|terms| for a length-n float32 dot product), and reports the worst element.
 */
export function expectWithinBound(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: ArrayLike<number> | number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const bound = typeof tol === 'number' ? tol : tol[i]!;
    const err = Math.abs(actual[i]! - expected[i]!);
    const ratio = err / Math.max(bound, 1e-30);
    if (!(ratio <= worstRatio) || Number.isNaN(err)) {
      worstRatio = Number.isNaN(err) ? Infinity : ratio;
      worst = i;
    }
  }
  if (worstRatio > 1) {
    const bound = typeof tol === 'number' ? tol : tol[worst]!;
    expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ± ${bound} (error ${worstRatio.toFixed(2)}× the bound)`);
  }
}

/** γ_n · magnitude: the classic bound on float32 rounding error of an n-term sum of products. */
export function dotBound(n: number, magnitude: ArrayLike<number>, slack = 2): Float64Array {
  const gamma = (n * F32_EPS) / (1 - n * F32_EPS);
  return Float64Array.from(magnitude, (m) => slack * gamma * m + 1e-30);
}

export const abs = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, Math.abs);
