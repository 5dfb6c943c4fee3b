/**
 * Plain-JS vector helpers: row normalisation (keeping the norms), and argument-checked
 * forms of the top-k kernel's plain-JS twins (per-row int8 quantisation, exact top-k),
 * which live beside the kernel in @deepface-ts/kernels/topk.
 */
import { quantizeRowsInt8 as quantizeRows, referenceTopK as kernelsReferenceTopK, type TopK } from '@deepface-ts/kernels/topk';
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
 * x ≈ q·scale with error ≤ scale/2 per entry. The scheme of the top-k kernel's
 * quantize_rows_i8, whose JS twin (in @deepface-ts/kernels/topk) this validates and calls.
 */
export const quantizeRowsInt8: typeof quantizeRows = (matrix, dim, out, scales) => {
  rowCount(matrix, dim);
  return quantizeRows(matrix, dim, out, scales);
};

export type { TopK };

/**
 * The plain-JS reference (@deepface-ts/kernels/topk): scores every row with a float64 dot
 * product, sorts, keeps k. Ties go to the lower row number. The baseline in the benchmark.
 */
export const referenceTopK: typeof kernelsReferenceTopK = (unitRows, dim, query, k) => {
  rowCount(unitRows, dim, 'unitRows');
  return kernelsReferenceTopK(unitRows, dim, query, k);
};

/** Fraction of `exact` ids found in `approx` (recall@k). */
export function recallAt(exact: ArrayLike<number>, approx: ArrayLike<number>): number {
  if (exact.length === 0) return 1;
  const set = new Set<number>();
  for (let i = 0; i < approx.length; i++) set.add(approx[i]);
  let hit = 0;
  for (let i = 0; i < exact.length; i++) if (set.has(exact[i])) hit++;
  return hit / exact.length;
}
