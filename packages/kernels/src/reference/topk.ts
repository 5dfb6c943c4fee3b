/**
 * Plain-JS twins of csrc/topk.c: the per-row int8 quantisation it expects and an exact
 * top-k. The WASM kernel is tested against these; callers without WASM (or that want a
 * baseline) use them directly, so the int8 scheme is defined once, next to the kernel.
 */

export interface TopK {
  /** Row numbers, best first. */
  ids: Int32Array;
  /** Scores (dot products; cosines for unit rows), best first. */
  scores: Float32Array;
}

function rows(matrix: ArrayLike<number>, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  if (matrix.length % dim !== 0) throw new RangeError(`${what}.length = ${matrix.length} is not a multiple of dim = ${dim}`);
  return matrix.length / dim;
}

/**
 * Refuses a query row shorter than `dim` or with a NaN or ±Infinity among its first `dim`
 * values: its scores would be NaN (Inf · 0, Inf − Inf), and the ranking meaningless (in the
 * WASM heap a NaN sticks at the root). O(dim).
 */
export function checkQuery(fn: string, query: ArrayLike<number>, dim: number): void {
  if (query == null || !(query.length >= dim)) {
    throw new RangeError(`${fn}: the query row must have ${dim} values, received ${query?.length}`);
  }
  for (let j = 0; j < dim; j++) {
    if (!Number.isFinite(query[j])) {
      throw new RangeError(`${fn}: the query row is not finite: element ${j} is ${query[j]}; queries must be finite`);
    }
  }
}

/**
 * Per-row symmetric int8 quantisation: scale = max|x| / 127, q = round(x / scale) (half
 * away from zero), so x ≈ q·scale with error ≤ scale/2 per entry; rows of zeros get scale 0.
 * Bit-identical to quantize_rows_i8 (the WASM kernel) on rows it accepts.
 */
export function quantizeRowsInt8(
  matrix: Float32Array,
  dim: number,
  out: Int8Array = new Int8Array(matrix.length),
  scales: Float32Array = new Float32Array(matrix.length / dim),
): { values: Int8Array; scales: Float32Array } {
  const n = rows(matrix, dim, 'matrix');
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

/**
 * The k rows of highest dot product with `query`, scored in float64, sorted; ties go to
 * the lower row number (as the kernel's heap). O(n·dim + n log n).
 */
export function referenceTopK(unitRows: Float32Array, dim: number, query: ArrayLike<number>, k: number): TopK {
  const n = rows(unitRows, dim, 'unitRows');
  checkQuery('referenceTopK', query, dim);
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
