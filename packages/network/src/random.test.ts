import { describe, expect, it } from 'vitest';
import { createRng, gaussian, shuffle } from './random';

describe('random', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it('has the moments of U(0,1) and N(0,1) within sampling error', () => {
    const rng = createRng(3);
    const n = 20000;
    let su = 0;
    let sg = 0;
    let sg2 = 0;
    for (let i = 0; i < n; i++) {
      su += rng();
      const g = gaussian(rng);
      sg += g;
      sg2 += g * g;
    }
    // 5 standard errors: U mean SE = √(1/12/n) ≈ 0.002, N mean SE ≈ 0.007, var SE ≈ 0.01
    expect(Math.abs(su / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sg / n)).toBeLessThan(0.035);
    expect(Math.abs(sg2 / n - 1)).toBeLessThan(0.05);
  });
  it('shuffles into a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    shuffle(xs, createRng(1));
    expect([...xs].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
