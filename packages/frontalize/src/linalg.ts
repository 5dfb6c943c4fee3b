/**
 * Small dense linear algebra on row-major Float64Arrays: Jacobi eigen-decomposition,
 * one-sided Jacobi SVD, Cholesky, and least squares. The matrices in this package are tiny
 * (at most a few thousand rows by 68 columns), where Jacobi's accuracy and simplicity beat
 * anything fancier.
 */

export class LinalgError extends Error {
  override readonly name = 'LinalgError';
}

/** Eigen-decomposition of a symmetric n×n matrix: A = V·diag(values)·Vᵀ, values descending. */
export interface SymmetricEigen {
  values: Float64Array;
  /** n×n, row-major; column j is the eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * Cyclic Jacobi rotations until the off-diagonal mass is negligible. Only the upper triangle
 * of `a` is trusted to be symmetric with the lower one; `a` is not modified.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new LinalgError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i]! * m[i]!;
  const tiny = 1e-30 * Math.max(scale, 1e-300);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! * m[p * n + q]!;
    if (off <= tiny) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, sym.schur2).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j]! - m[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Thin SVD of an m×n matrix: A = U·diag(S)·Vᵀ with U m×k, V n×k, k = min(m, n), S descending. */
export interface Svd {
  u: Float64Array;
  s: Float64Array;
  v: Float64Array;
  rows: number;
  cols: number;
  /** min(rows, cols): the number of columns of u and v. */
  rank: number;
}

/**
 * One-sided Jacobi SVD (Hestenes): orthogonalise the columns of A by plane rotations,
 * accumulating them in V; the column norms are then the singular values. Accurate to
 * working precision even for small singular values.
 */
export function svd(a: ArrayLike<number>, rows: number, cols: number): Svd {
  if (a.length !== rows * cols) throw new LinalgError(`svd: expected ${rows}×${cols} = ${rows * cols} values, got ${a.length}`);
  if (rows < cols) {
    // Work on Aᵀ so the column count is the smaller dimension, then swap U and V back.
    const t = transpose(a, rows, cols);
    const r = svd(t, cols, rows);
    return { u: r.v, s: r.s, v: r.u, rows, cols, rank: r.rank };
  }
  const m = rows;
  const n = cols;
  // Column-major copy: rotations touch whole columns, which are then contiguous.
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j * m + i] = a[i * n + j]!;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const po = p * m;
        const qo = q * m;
        for (let i = 0; i < m; i++) {
          const x = w[po + i]!;
          const y = w[qo + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[po + i]!;
          const y = w[qo + i]!;
          w[po + i] = c * x - s * y;
          w[qo + i] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p]!;
          const y = v[i * n + q]!;
          v[i * n + p] = c * x - s * y;
          v[i * n + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += w[j * m + i]! * w[j * m + i]!;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j]! - norms[i]!);
  const u = new Float64Array(m * n);
  const s = new Float64Array(n);
  const vOut = new Float64Array(n * n);
  order.forEach((src, dst) => {
    const sigma = norms[src]!;
    s[dst] = sigma;
    for (let i = 0; i < m; i++) u[i * n + dst] = sigma > 0 ? w[src * m + i]! / sigma : 0;
    for (let i = 0; i < n; i++) vOut[i * n + dst] = v[i * n + src]!;
  });
  return { u, s, v: vOut, rows, cols, rank: n };
}

export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** C = A·B for A r×k and B k×c. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += ail * b[l * c + j]!;
    }
  }
  return out;
}

/**
 * Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite n×n matrix.
 * Throws (naming the pivot) when A is not positive definite.
 */
export function cholesky(a: ArrayLike<number>, n: number, what = 'matrix'): Float64Array {
  if (a.length !== n * n) throw new LinalgError(`cholesky: ${what} should have ${n}×${n} = ${n * n} values, got ${a.length}`);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
    if (!(d > 0)) throw new LinalgError(`cholesky: ${what} is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L·X = B in place for lower-triangular L (n×n) and B n×c. */
export function solveLowerInPlace(l: ArrayLike<number>, b: Float64Array, n: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const lii = l[i * n + i]!;
    for (let j = 0; j < c; j++) {
      let s = b[i * c + j]!;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k * c + j]!;
      b[i * c + j] = s / lii;
    }
  }
}

export interface LeastSquares {
  /** The n unknowns. */
  x: Float64Array;
  /** Singular values of A, descending (a condition check for callers). */
  singularValues: Float64Array;
}

/**
 * min‖A·x − b‖₂ for A m×n (m ≥ n) through the SVD, so that a rank-deficient A is reported
 * rather than silently producing huge coefficients. `what` names the problem in errors.
 */
export function leastSquares(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, what = 'least squares', rcond = 1e-10): LeastSquares {
  if (m < n) throw new LinalgError(`${what}: ${m} equations cannot determine ${n} unknowns`);
  const { u, s, v } = svd(a, m, n);
  if (!(s[0]! > 0) || s[n - 1]! <= rcond * s[0]!) {
    throw new LinalgError(`${what}: the system is rank deficient (singular values ${fmt(s[0]!)} … ${fmt(s[n - 1]!)})`);
  }
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let ub = 0;
    for (let i = 0; i < m; i++) ub += u[i * n + k]! * b[i]!;
    const c = ub / s[k]!;
    for (let j = 0; j < n; j++) x[j] += v[j * n + k]! * c;
  }
  return { x, singularValues: s };
}

function fmt(v: number): string {
  return v.toPrecision(3);
}

/**
 * min‖A·x − b‖₂ through the normal equations AᵀA·x = Aᵀb and a Cholesky factorisation:
 * much faster than the SVD for tall, well-conditioned problems (the camera fit, where the
 * columns are a normalised 3D shape). A (numerically) rank-deficient A throws, naming `what`.
 */
export function solveNormalEquations(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, what = 'least squares'): Float64Array {
  if (m < n) throw new LinalgError(`${what}: ${m} equations cannot determine ${n} unknowns`);
  const ata = new Float64Array(n * n);
  const atb = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    const br = b[r]!;
    for (let i = 0; i < n; i++) {
      const ai = a[o + i]!;
      if (ai === 0) continue;
      atb[i] += ai * br;
      for (let j = i; j < n; j++) ata[i * n + j] += ai * a[o + j]!;
    }
  }
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) ata[i * n + j] = ata[j * n + i]!;
    maxDiag = Math.max(maxDiag, ata[i * n + i]!);
  }
  let l: Float64Array;
  try {
    l = cholesky(ata, n, `${what}: AᵀA`);
  } catch {
    throw new LinalgError(`${what}: the system is rank deficient`);
  }
  for (let i = 0; i < n; i++) {
    if (l[i * n + i]! ** 2 <= 1e-12 * maxDiag) throw new LinalgError(`${what}: the system is rank deficient (pivot ${i})`);
  }
  solveLowerInPlace(l, atb, n, 1);
  // Back substitution with Lᵀ.
  for (let i = n - 1; i >= 0; i--) {
    let s = atb[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * atb[k]!;
    atb[i] = s / l[i * n + i]!;
  }
  return atb;
}
