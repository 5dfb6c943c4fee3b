/** Seeded uniform [0, 1) stream for tests and benchmarks (mulberry32, from @deepface-ts/random). */
import { uniform as mulberry32 } from '@deepface-ts/random';
export { mulberry32 };

/** Standard normal samples by Box–Muller. */
export function gaussian(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
