/**
 * Affine structure from motion (Tomasi–Kanade factorisation with a metric upgrade): from
 * many 2D views of the same n points, a 3D shape up to a similarity (and the depth
 * reversal that affine cameras cannot resolve).
 */
import { LandmarkError } from './landmarks.js';
import { svd, symmetricEigen } from './linalg.js';

export interface StructureFromMotionOptions {
  /**
   * Fraction of views with the largest rank-3 reprojection error to drop and refit once
   * (robustness to failed detections). Default 0.1.
   */
  trim?: number;
}

export interface StructureFromMotion {
  /** n×3 points in a metric frame (arbitrary rotation, scale and depth sign). */
  shape: Float64Array;
  /** 2×3 linear camera per kept view (row-major, 6 values each), in the same frame. */
  cameras: Float64Array[];
  /** Indices of the views that were kept. */
  kept: number[];
  /** RMS reprojection error per kept view, in the views' units. */
  viewRms: Float64Array;
  /** Singular values of the centred measurement matrix (the 4th measures non-rigidity and noise). */
  singularValues: Float64Array;
}

/**
 * `views`: each holds n points x0,y0,… of one image. Each view is centred, the 2F×n
 * measurement matrix is factorised at rank 3 (W ≈ M·S by SVD), and M is upgraded by the Q
 * that makes each view's two camera rows orthogonal with equal norms: with L = Q·Qᵀ, the
 * equations m₁ᵀLm₁ − m₂ᵀLm₂ = 0 and m₁ᵀLm₂ = 0 are linear in the 6 entries of L, solved
 * (up to scale) as the null vector of the stacked system; Q comes from L's eigenvectors.
 */
export function affineStructureFromMotion(views: ReadonlyArray<ArrayLike<number>>, options: StructureFromMotionOptions = {}): StructureFromMotion {
  const { trim = 0.1 } = options;
  if (views.length < 3) throw new LandmarkError(`affineStructureFromMotion: need at least 3 views, got ${views.length}`);
  const values = views[0]!.length;
  const n = values / 2;
  if (!Number.isInteger(n) || n < 4) throw new LandmarkError(`affineStructureFromMotion: each view needs at least 4 points, view 0 has ${values} values`);
  views.forEach((v, k) => {
    if (v.length !== values) throw new LandmarkError(`affineStructureFromMotion: view ${k} has ${v.length} values, expected ${values}`);
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new LandmarkError(`affineStructureFromMotion: view ${k}, point ${i >> 1} is not finite`);
  });
  const all = views.map((_, k) => k);
  let result = factorise(views, all, n);
  if (trim > 0 && views.length * (1 - trim) >= 3) {
    const order = all.slice().sort((a, b) => result.viewRms[a]! - result.viewRms[b]!);
    const kept = order.slice(0, Math.max(3, Math.round(views.length * (1 - trim)))).sort((a, b) => a - b);
    result = factorise(views, kept, n);
    return { ...result, kept, viewRms: Float64Array.from(kept, (k) => result.viewRms[k]!) };
  }
  return { ...result, kept: all };
}

function factorise(views: ReadonlyArray<ArrayLike<number>>, kept: number[], n: number): Omit<StructureFromMotion, 'kept'> {
  const f = kept.length;
  const rows = 2 * f;
  const w = new Float64Array(rows * n);
  kept.forEach((k, r) => {
    const v = views[k]!;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < n; i++) {
      cx += v[2 * i]! / n;
      cy += v[2 * i + 1]! / n;
    }
    for (let i = 0; i < n; i++) {
      w[2 * r * n + i] = v[2 * i]! - cx;
      w[(2 * r + 1) * n + i] = v[2 * i + 1]! - cy;
    }
  });
  const dec = svd(w, rows, n);
  const k = dec.rank;
  // M = U₃·√Σ₃ (rows×3), S = √Σ₃·V₃ᵀ (3×n).
  const motion = new Float64Array(rows * 3);
  const structure = new Float64Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const root = Math.sqrt(dec.s[c]!);
    for (let r = 0; r < rows; r++) motion[r * 3 + c] = dec.u[r * k + c]! * root;
    for (let i = 0; i < n; i++) structure[c * n + i] = dec.v[i * k + c]! * root;
  }
  const q = metricUpgrade(motion, f);
  const qInv = invert3(q);
  // Shape = Q⁻¹·S (3×n), stored as n×3; cameras = M·Q.
  const shape = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) {
      let s = 0;
      for (let b = 0; b < 3; b++) s += qInv[a * 3 + b]! * structure[b * n + i]!;
      shape[i * 3 + a] = s;
    }
  }
  const cameras: Float64Array[] = [];
  const viewRms = new Float64Array(views.length);
  kept.forEach((view, r) => {
    const cam = new Float64Array(6);
    for (let row = 0; row < 2; row++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let b = 0; b < 3; b++) s += motion[(2 * r + row) * 3 + b]! * q[b * 3 + c]!;
        cam[row * 3 + c] = s;
      }
    }
    cameras.push(cam);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let row = 0; row < 2; row++) {
        const pred = cam[row * 3]! * shape[i * 3]! + cam[row * 3 + 1]! * shape[i * 3 + 1]! + cam[row * 3 + 2]! * shape[i * 3 + 2]!;
        err += (w[(2 * r + row) * n + i]! - pred) ** 2;
      }
    }
    viewRms[view] = Math.sqrt(err / n);
  });
  return { shape, cameras, viewRms, singularValues: dec.s.slice(0, Math.min(6, k)) };
}

/** Coefficients g such that aᵀ·L·b = g·l for l = [L11, L12, L13, L22, L23, L33]. */
function quadraticRow(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, out: Float64Array, oo: number, sign = 1): void {
  const [a1, a2, a3] = [a[ao]!, a[ao + 1]!, a[ao + 2]!];
  const [b1, b2, b3] = [b[bo]!, b[bo + 1]!, b[bo + 2]!];
  out[oo] += sign * a1 * b1;
  out[oo + 1] += sign * (a1 * b2 + a2 * b1);
  out[oo + 2] += sign * (a1 * b3 + a3 * b1);
  out[oo + 3] += sign * a2 * b2;
  out[oo + 4] += sign * (a2 * b3 + a3 * b2);
  out[oo + 5] += sign * a3 * b3;
}

function metricUpgrade(motion: Float64Array, f: number): Float64Array {
  const eq = new Float64Array(2 * f * 6);
  for (let v = 0; v < f; v++) {
    const o1 = 2 * v * 3;
    const o2 = (2 * v + 1) * 3;
    quadraticRow(motion, o1, motion, o1, eq, 2 * v * 6);
    quadraticRow(motion, o2, motion, o2, eq, 2 * v * 6, -1);
    quadraticRow(motion, o1, motion, o2, eq, (2 * v + 1) * 6);
  }
  const dec = svd(eq, 2 * f, 6);
  // Null vector: the right singular vector of the smallest singular value.
  const l = Array.from({ length: 6 }, (_, i) => dec.v[i * 6 + 5]!);
  const big = [
    l[0]!, l[1]!, l[2]!,
    l[1]!, l[3]!, l[4]!,
    l[2]!, l[4]!, l[5]!,
  ];
  const eig = symmetricEigen(big, 3);
  // L is defined up to sign: make its dominant eigenvalues positive.
  const sign = eig.values[0]! + eig.values[1]! + eig.values[2]! >= 0 ? 1 : -1;
  const vals = Array.from(eig.values, (x) => x * sign).sort((a, b) => b - a);
  const vecs = sign === 1 ? eig.vectors : reorderForSign(eig);
  const floor = Math.max(vals[0]! * 1e-6, 1e-300);
  const q = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) q[r * 3 + c] = vecs[r * 3 + c]! * Math.sqrt(Math.max(vals[c]!, floor));
  return q;
}

/** Eigenvectors of −L in descending order of −λ. */
function reorderForSign(eig: { values: Float64Array; vectors: Float64Array }): Float64Array {
  const out = new Float64Array(9);
  for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) out[r * 3 + c] = eig.vectors[r * 3 + (2 - c)]!;
  return out;
}

function invert3(m: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = m as unknown as number[];
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  if (!(Math.abs(det) > 1e-300)) throw new LandmarkError('affineStructureFromMotion: the metric upgrade is singular (views too similar or degenerate)');
  return Float64Array.of(
    A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det,
    B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det,
    C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det,
  );
}
