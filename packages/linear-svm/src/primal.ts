/**
 * L2-loss SVM in the primal by a finite Newton method (Keerthi & DeCoste, JMLR 2005; the primal problem of
 * LIBLINEAR's `-s 2`, solved here with the exact generalised Hessian instead of TRON's conjugate gradients):
 *   f(w̃) = ½‖w̃‖² + Σᵢ Cᵢ max(0, 1 − yᵢ w̃·x̃ᵢ)²
 *   ∇f = w̃ − 2 Σ_{i∈I} Cᵢ yᵢ (1 − yᵢ w̃·x̃ᵢ) x̃ᵢ,   H = I + 2 Σ_{i∈I} Cᵢ x̃ᵢ x̃ᵢᵀ,   I = {i : yᵢ w̃·x̃ᵢ < 1}.
 * Each step solves H s = −∇f by Cholesky ((d+1)² memory, O(n d²) per step), then a backtracking line search.
 * Meant for small d and many rows (e.g. PIPER's part-weight problem: n·K rows of K+1 features), where dual
 * coordinate descent needs many passes once C is large.
 */

/** Solves A x = b in place for symmetric positive definite A (m×m, row-major); returns false if not SPD. */
function choleskySolve(A: Float64Array, b: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let s = A[j * m + j];
    for (let k = 0; k < j; k++) s -= A[j * m + k] * A[j * m + k];
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    A[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = A[i * m + j];
      for (let k = 0; k < j; k++) t -= A[i * m + k] * A[j * m + k];
      A[i * m + j] = t / l;
    }
  }
  for (let i = 0; i < m; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= A[i * m + k] * b[k];
    b[i] = t / A[i * m + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let t = b[i];
    for (let k = i + 1; k < m; k++) t -= A[k * m + i] * b[k];
    b[i] = t / A[i * m + i];
  }
  return true;
}

export interface PrimalResult {
  w: Float64Array;
  iterations: number;
  converged: boolean;
  alpha: Float64Array;
}

/**
 * `Ci[i]` are the per-row costs (0 removes a row); `gtol` is the stop on ‖∇f‖ relative to ‖∇f(0)‖.
 * Returns w̃ (length d+1 when bias, the last entry being the bias).
 */
export function solvePrimalNewton(
  X: Float32Array,
  sign: Int8Array,
  n: number,
  d: number,
  Ci: Float64Array,
  useBias: boolean,
  gtol: number,
  maxIter: number,
): PrimalResult {
  const m = useBias ? d + 1 : d;
  const w = new Float64Array(m);
  const margin = new Float64Array(n); // yᵢ w̃·x̃ᵢ
  const g = new Float64Array(m);
  const H = new Float64Array(m * m);
  const s = new Float64Array(m);
  const xs = new Float64Array(n); // yᵢ s·x̃ᵢ
  const row = new Float64Array(m);
  const objective = (t: number): number => {
    let f = 0;
    for (let k = 0; k < m; k++) f += (w[k] + t * s[k]) ** 2;
    f *= 0.5;
    for (let i = 0; i < n; i++) {
      const v = 1 - (margin[i] + t * xs[i]);
      if (v > 0) f += Ci[i] * v * v;
    }
    return f;
  };
  let g0 = 0;
  let iter = 0;
  let converged = false;
  for (; iter < maxIter; iter++) {
    // Gradient and generalised Hessian at w.
    for (let k = 0; k < m; k++) g[k] = w[k];
    H.fill(0);
    for (let k = 0; k < m; k++) H[k * m + k] = 1;
    for (let i = 0; i < n; i++) {
      const v = 1 - margin[i];
      if (!(v > 0) || Ci[i] === 0) continue;
      const o = i * d;
      for (let k = 0; k < d; k++) row[k] = X[o + k];
      if (useBias) row[d] = 1;
      const a = 2 * Ci[i] * v * sign[i];
      const c = 2 * Ci[i];
      for (let k = 0; k < m; k++) {
        g[k] -= a * row[k];
        const ck = c * row[k];
        for (let l = 0; l <= k; l++) H[k * m + l] += ck * row[l];
      }
    }
    for (let k = 0; k < m; k++) for (let l = k + 1; l < m; l++) H[k * m + l] = H[l * m + k];
    let gnorm = 0;
    for (let k = 0; k < m; k++) gnorm += g[k] * g[k];
    gnorm = Math.sqrt(gnorm);
    if (iter === 0) g0 = Math.max(gnorm, 1e-300);
    if (gnorm <= gtol * g0) {
      converged = true;
      break;
    }
    for (let k = 0; k < m; k++) s[k] = -g[k];
    if (!choleskySolve(H, s, m)) break; // cannot happen: H ⪰ I
    let gs = 0;
    for (let k = 0; k < m; k++) gs += g[k] * s[k];
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let t = useBias ? s[d] : 0;
      for (let k = 0; k < d; k++) t += s[k] * X[o + k];
      xs[i] = sign[i] * t;
    }
    // Backtracking (Armijo) line search; the full Newton step is accepted almost always.
    const f0 = objective(0);
    let t = 1;
    while (t > 1e-10 && objective(t) > f0 + 0.01 * t * gs) t *= 0.5;
    for (let k = 0; k < m; k++) w[k] += t * s[k];
    for (let i = 0; i < n; i++) margin[i] += t * xs[i];
  }
  const alpha = new Float64Array(n);
  for (let i = 0; i < n; i++) alpha[i] = 2 * Ci[i] * Math.max(0, 1 - margin[i]);
  return { w, iterations: iter, converged, alpha };
}
