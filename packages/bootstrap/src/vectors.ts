/**
 * Plain-JS vector helpers and the reference implementations the WASM paths are tested
 * against: row normalisation (keeping the norms), per-row int8 quantisation, exact top-k.
 */
import { BootstrapError } from './errors';

/** Validates a row-major n×dim matrix and returns n. `what` names it in errors. */
export function rowCount(matrix: Float32Array, dim: number, what = 'matrix'): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new BootstrapError(`dim must be a positive integer, got ${dim}`);
  if (!(matrix instanceof Float32Array)) throw new BootstrapError(`${what} must be a Float32Array (n×${dim} row-major)`);
  if (matrix.length % dim !== 0) {
    throw new BootstrapError(`${what}.length = ${matrix.length} is not a multiple of dim = ${dim} (expected n×${dim} row-major)`);
  }
  return matrix.length / dim;
}

/** Throws naming the first non-finite entry (row, column). */
export function assertFinite(matrix: Float32Array, dim: number, what = 'matrix'): void {
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new BootstrapError(`${what} has a non-finite value ${matrix[i]} at row ${Math.floor(i / dim)}, column ${i % dim}`);
    }
  }
}

/**
 * L2-normalises each row into `out` and returns the original norms (cosine needs unit rows;
 * the norms are kept so the raw hyperplanes can be rebuilt). Zero rows stay zero, norm 0.
 */
export function normalizeRows(matrix: Float32Array, dim: number, out: Float32Array = new Float32Array(matrix.length)): Float32Array {
  const n = rowCount(matrix, dim);
  const norms = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += matrix[o + j] * matrix[o + j];
    const norm = Math.sqrt(s);
    norms[r] = norm;
    const inv = norm > 0 ? 1 / norm : 0;
    for (let j = 0; j < dim; j++) out[o + j] = matrix[o + j] * inv;
  }
  return norms;
}

/**
 * Per-row symmetric int8 quantisation: scale = max|x| / 127, q = round(x / scale), so
 * x ≈ q·scale with error ≤ scale/2 per entry. The reference for csrc quantize_rows_i8.
 */
export function quantizeRowsInt8(
  matrix: Float32Array,
  dim: number,
  out: Int8Array = new Int8Array(matrix.length),
  scales: Float32Array = new Float32Array(matrix.length / dim),
): { values: Int8Array; scales: Float32Array } {
  const n = rowCount(matrix, dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let mx = 0;
    for (let j = 0; j < dim; j++) mx = Math.max(mx, Math.abs(matrix[o + j]));
    // Math.fround: the C side computes the scale and its inverse in float32.
    scales[r] = Math.fround(mx / 127);
    const inv = mx > 0 ? Math.fround(127 / mx) : 0;
    for (let j = 0; j < dim; j++) {
      const v = Math.fround(matrix[o + j] * inv);
      const q = Math.sign(v) * Math.floor(Math.fround(Math.abs(v) + 0.5));
      out[o + j] = Math.max(-127, Math.min(127, q));
    }
  }
  return { values: out, scales };
}

export interface TopK {
  /** Row numbers, best first. */
  ids: Int32Array;
  /** Cosine scores, best first. */
  scores: Float32Array;
}

/**
 * The plain-JS reference: scores every row with a float64 dot product, sorts, keeps k.
 * Ties go to the lower row number. O(n·dim + n log n); the baseline in the benchmark.
 */
export function referenceTopK(unitRows: Float32Array, dim: number, query: Float32Array, k: number): TopK {
  const n = rowCount(unitRows, dim, 'unitRows');
  const scores = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += unitRows[o + j] * query[j];
    scores[r] = s;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const m = Math.min(k, n);
  const ids = new Int32Array(m);
  const out = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    ids[i] = order[i];
    out[i] = scores[order[i]];
  }
  return { ids, scores: out };
}

/** Fraction of `exact` ids found in `approx` (recall@k). */
export function recallAt(exact: ArrayLike<number>, approx: ArrayLike<number>): number {
  if (exact.length === 0) return 1;
  const set = new Set<number>();
  for (let i = 0; i < approx.length; i++) set.add(approx[i]);
  let hit = 0;
  for (let i = 0; i < exact.length; i++) if (set.has(exact[i])) hit++;
  return hit / exact.length;
}
