/**
 * PCA by subspace iteration: the k leading principal directions of n×d data, without forming a d×d
 * eigendecomposition. Used to shrink part descriptors (learned on training identities only) so the
 * per-part one-vs-rest SVMs stay fast.
 */
import { PiperError } from './fusion';
import { createRandom } from './rng';

export interface Pca {
  mean: Float32Array;
  /** k×d row-major orthonormal rows. */
  basis: Float32Array;
  d: number;
  k: number;
}

function orthonormaliseRows(B: Float64Array, k: number, d: number): void {
  for (let a = 0; a < k; a++) {
    for (let pass = 0; pass < 2; pass++) {
      // Twice-repeated Gram–Schmidt keeps the rows orthogonal in floating point.
      for (let b = 0; b < a; b++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += B[a * d + t] * B[b * d + t];
        for (let t = 0; t < d; t++) B[a * d + t] -= dot * B[b * d + t];
      }
    }
    let norm = 0;
    for (let t = 0; t < d; t++) norm += B[a * d + t] ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-12) throw new PiperError(`PCA: data has rank below k = ${k}`);
    for (let t = 0; t < d; t++) B[a * d + t] /= norm;
  }
}

export function fitPca(X: Float32Array, n: number, d: number, k: number, opts: { iterations?: number; seed?: number } = {}): Pca {
  if (X.length !== n * d) throw new PiperError(`PCA: X has ${X.length} values, expected n×d = ${n}×${d}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= Math.min(n, d))) throw new PiperError(`PCA: k must be in 1..min(n, d) = ${Math.min(n, d)}, got ${k}`);
  const mean = new Float64Array(d);
  for (let j = 0; j < n; j++) for (let t = 0; t < d; t++) mean[t] += X[j * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  const Xc = new Float64Array(n * d);
  for (let j = 0; j < n; j++) for (let t = 0; t < d; t++) Xc[j * d + t] = X[j * d + t] - mean[t];
  const rand = createRandom(opts.seed ?? 1);
  const B = Float64Array.from({ length: k * d }, () => rand() - 0.5);
  orthonormaliseRows(B, k, d);
  const proj = new Float64Array(n * k);
  for (let it = 0; it < (opts.iterations ?? 8); it++) {
    // B ← orth((Xcᵀ Xc) Bᵀ)ᵀ, computed as (Xc Bᵀ) then Xcᵀ(·).
    proj.fill(0);
    for (let j = 0; j < n; j++) {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += Xc[j * d + t] * B[a * d + t];
        proj[j * k + a] = s;
      }
    }
    B.fill(0);
    for (let j = 0; j < n; j++) {
      for (let a = 0; a < k; a++) {
        const p = proj[j * k + a];
        for (let t = 0; t < d; t++) B[a * d + t] += p * Xc[j * d + t];
      }
    }
    orthonormaliseRows(B, k, d);
  }
  return { mean: Float32Array.from(mean), basis: Float32Array.from(B), d, k };
}

/** Projects rows onto the basis and L2-normalises them (zero rows stay zero). */
export function projectPca(pca: Pca, X: Float32Array, n: number): Float32Array {
  const { d, k, mean, basis } = pca;
  if (X.length !== n * d) throw new PiperError(`PCA: X has ${X.length} values, expected n×d = ${n}×${d}`);
  const out = new Float32Array(n * k);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (X[j * d + t] - mean[t]) * basis[a * d + t];
      out[j * k + a] = s;
      norm += s * s;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let a = 0; a < k; a++) out[j * k + a] *= inv;
    }
  }
  return out;
}
