/**
 * 2D affine transforms as 6 numbers [a, b, c, d, e, f]:
 *   x' = a·x + b·y + c,   y' = d·x + e·y + f.
 */
import { assertDistinct, LandmarkError } from './landmarks.js';

export type Affine2 = Float64Array;

export function identityAffine(): Affine2 {
  return Float64Array.of(1, 0, 0, 0, 1, 0);
}

/** (outer ∘ inner): first apply `inner`, then `outer`. */
export function composeAffine(outer: ArrayLike<number>, inner: ArrayLike<number>): Affine2 {
  const [a, b, c, d, e, f] = outer as unknown as number[];
  const [A, B, C, D, E, F] = inner as unknown as number[];
  return Float64Array.of(
    a! * A! + b! * D!, a! * B! + b! * E!, a! * C! + b! * F! + c!,
    d! * A! + e! * D!, d! * B! + e! * E!, d! * C! + e! * F! + f!,
  );
}

export function invertAffine(t: ArrayLike<number>): Affine2 {
  const [a, b, c, d, e, f] = t as unknown as number[];
  const det = a! * e! - b! * d!;
  if (!(Math.abs(det) > 1e-300) || !Number.isFinite(det)) {
    throw new LandmarkError(`invertAffine: the transform is singular (determinant ${det})`);
  }
  const ia = e! / det;
  const ib = -b! / det;
  const id = -d! / det;
  const ie = a! / det;
  return Float64Array.of(ia, ib, -(ia * c! + ib * f!), id, ie, -(id * c! + ie * f!));
}

/** Applies t to n points x0,y0,x1,y1,… */
export function applyAffine(t: ArrayLike<number>, points: ArrayLike<number>): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    out[i] = t[0]! * x + t[1]! * y + t[2]!;
    out[i + 1] = t[3]! * x + t[4]! * y + t[5]!;
  }
  return out;
}

/**
 * Least-squares similarity (uniform scale, rotation, translation; no reflection) taking
 * `src` onto `dst` (both x0,y0,…), in closed form: with both sets centred, the optimal
 * [a −b; b a] has a = Σ(x·x' + y·y')/Σ(x² + y²) and b = Σ(x·y' − y·x')/Σ(x² + y²).
 * Points that coincide in `src` make the fit meaningless and throw, naming them.
 */
export function fitSimilarity(src: ArrayLike<number>, dst: ArrayLike<number>, names: readonly string[] = [], source = 'fitSimilarity'): Affine2 {
  if (src.length !== dst.length || src.length % 2 !== 0) {
    throw new LandmarkError(`${source}: source and target must hold the same number of 2D points (got ${src.length} and ${dst.length} values)`);
  }
  const n = src.length / 2;
  if (n < 2) throw new LandmarkError(`${source}: need at least 2 points, got ${n}`);
  for (let i = 0; i < src.length; i++) {
    if (!Number.isFinite(src[i]) || !Number.isFinite(dst[i])) {
      throw new LandmarkError(`${source}: ${names[i >> 1] ?? `point ${i >> 1}`} has a non-finite coordinate`);
    }
  }
  assertDistinct(src, names, source);
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[2 * i]!;
    sy += src[2 * i + 1]!;
    dx += dst[2 * i]!;
    dy += dst[2 * i + 1]!;
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[2 * i]! - sx;
    const y = src[2 * i + 1]! - sy;
    const u = dst[2 * i]! - dx;
    const v = dst[2 * i + 1]! - dy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  const a = num1 / den;
  const b = num2 / den;
  if (a === 0 && b === 0) throw new LandmarkError(`${source}: the target points all coincide`);
  return Float64Array.of(a, -b, dx - a * sx + b * sy, b, a, dy - b * sx - a * sy);
}

/** Largest displacement, in pixels, that t causes at the four corners of a w×h frame. */
export function affineDeviationFromIdentity(t: ArrayLike<number>, width: number, height: number): number {
  let worst = 0;
  for (const [x, y] of [[0, 0], [width, 0], [0, height], [width, height]] as const) {
    const u = t[0]! * x + t[1]! * y + t[2]!;
    const v = t[3]! * x + t[4]! * y + t[5]!;
    worst = Math.max(worst, Math.hypot(u - x, v - y));
  }
  return worst;
}
