/**
 * Linear SVM by dual coordinate descent (Hsieh, Chang, Lin, Keerthi, Sundararajan, ICML 2008),
 * the algorithm behind LIBLINEAR's `-s 1` (L2-loss) and `-s 3` (L1-loss) dual solvers.
 *
 * Primal (with x̃ = [x, 1] when `bias` is on, so the bias is regularised like LIBLINEAR's):
 *   L1-loss: min ½‖w̃‖² + Σᵢ Cᵢ max(0, 1 − yᵢ w̃·x̃ᵢ)
 *   L2-loss: min ½‖w̃‖² + Σᵢ Cᵢ max(0, 1 − yᵢ w̃·x̃ᵢ)²
 * Dual: min_α ½ αᵀ Q̄ α − eᵀα, 0 ≤ αᵢ ≤ Uᵢ, Q̄ = Q + D, Qᵢⱼ = yᵢyⱼ x̃ᵢ·x̃ⱼ,
 *   L1: Uᵢ = Cᵢ, Dᵢᵢ = 0;   L2: Uᵢ = ∞, Dᵢᵢ = 1/(2Cᵢ).
 * w̃ = Σ αᵢ yᵢ x̃ᵢ is kept up to date so each coordinate step costs O(d).
 */

import { solvePrimalNewton } from './primal';

import { mulberry32 } from '@deepface-ts/random';

export type SvmLoss = 'l1' | 'l2';

export interface LinearSvmOptions {
  /** Regularisation constant (default 1). */
  C?: number;
  /** 'l1' = hinge loss, 'l2' = squared hinge loss (default 'l2', as LIBLINEAR's default). */
  loss?: SvmLoss;
  /** Append a constant feature 1 whose weight is the bias (regularised, as LIBLINEAR `-B 1`). Default true. */
  bias?: boolean;
  /** Stopping tolerance on the projected-gradient gap max(PG, 0) − min(PG, 0) over one pass (default 0.1, as LIBLINEAR). */
  tol?: number;
  /** Maximum number of outer iterations (passes over the data; default 1000). */
  maxIter?: number;
  /** Seed of the permutation generator (default 1). Same seed, same data → same model. */
  seed?: number;
  /** Per-sample multipliers of C (≥ 0; a 0 removes the sample). */
  sampleWeights?: Float32Array;
  /** Multipliers of C for the positive and negative class (default 1, 1). */
  classWeights?: { pos: number; neg: number };
  /** LIBLINEAR's shrinking heuristic (default true; dual solver only). */
  shrinking?: boolean;
  /**
   * 'dual' (default): dual coordinate descent, O(d) per coordinate step, best for large d.
   * 'primal-newton': finite Newton on the primal, L2 loss only, O(n d²) per step, for small d (≲ 50) and many
   * rows or large C. With it, `tol` is the stop on ‖∇f‖ relative to its start (default 1e-6).
   */
  solver?: 'dual' | 'primal-newton';
}

export interface LinearSvmModel {
  /** Weights, length d. */
  w: Float32Array;
  /** Bias (0 when `bias: false`). */
  b: number;
  /** Outer iterations run. */
  iterations: number;
  /** Whether the stopping tolerance was reached before `maxIter`. */
  converged: boolean;
  /** Dual variables αᵢ at the solution (length n), for KKT checks and warm analysis. */
  alpha: Float64Array;
}

export class LinearSvmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinearSvmError';
  }
}

/** Seeded uint32 stream (mulberry32, from @deepface-ts/random), for the coordinate permutations. */
export function createRng(seed: number): () => number {
  return mulberry32(seed).nextUint32;
}

/** w[0..d) · X[o..o+d); four accumulators break the floating-point add dependency chain. */
function dotRow(w: Float64Array, X: Float32Array, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const d4 = d & ~3;
  let k = 0;
  for (; k < d4; k += 4) {
    s0 += w[k] * X[o + k];
    s1 += w[k + 1] * X[o + k + 1];
    s2 += w[k + 2] * X[o + k + 2];
    s3 += w[k + 3] * X[o + k + 3];
  }
  for (; k < d; k++) s0 += w[k] * X[o + k];
  return s0 + s1 + (s2 + s3);
}

/** w[0..d) += a · X[o..o+d). */
function axpyRow(w: Float64Array, a: number, X: Float32Array, o: number, d: number): void {
  const d4 = d & ~3;
  let k = 0;
  for (; k < d4; k += 4) {
    w[k] += a * X[o + k];
    w[k + 1] += a * X[o + k + 1];
    w[k + 2] += a * X[o + k + 2];
    w[k + 3] += a * X[o + k + 3];
  }
  for (; k < d; k++) w[k] += a * X[o + k];
}

/** Validates X against d and returns n. */
export function rowsOf(X: Float32Array, d: number, what = 'X'): number {
  if (!Number.isInteger(d) || d <= 0) throw new LinearSvmError(`d must be a positive integer, got ${d}`);
  if (!(X instanceof Float32Array)) throw new LinearSvmError(`${what} must be a Float32Array (n×d row-major)`);
  if (X.length % d !== 0) {
    throw new LinearSvmError(`${what}.length = ${X.length} is not a multiple of d = ${d} (expected n×d row-major)`);
  }
  return X.length / d;
}

/** Squared row norms, shared by one-vs-rest so they are computed once. */
export function rowSquaredNorms(X: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let k = 0; k < d; k++) {
      const v = X[o + k];
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

function checkFiniteData(X: Float32Array, d: number): void {
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      throw new LinearSvmError(`X has a non-finite value ${X[i]} at row ${Math.floor(i / d)}, column ${i % d}`);
    }
  }
}

function positiveNumber(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new LinearSvmError(`${name} must be a finite number > 0, got ${v}`);
  return v;
}

/**
 * Core solver on validated inputs; `sign[i]` ∈ {−1, +1}; `sqNorms` are ‖xᵢ‖² without the bias term.
 * Exposed inside the package so one-vs-rest can reuse norms; not part of the public API.
 */
export function solveDual(
  X: Float32Array,
  sign: Int8Array,
  n: number,
  d: number,
  sqNorms: Float64Array,
  opts: LinearSvmOptions,
  validateData = true,
): LinearSvmModel {
  const C = positiveNumber(opts.C, 1, 'C');
  const loss = opts.loss ?? 'l2';
  if (loss !== 'l1' && loss !== 'l2') throw new LinearSvmError(`loss must be 'l1' or 'l2', got ${String(loss)}`);
  const useBias = opts.bias ?? true;
  const tol = positiveNumber(opts.tol, opts.solver === 'primal-newton' ? 1e-6 : 0.1, 'tol');
  const maxIter = opts.maxIter ?? (opts.solver === 'primal-newton' ? 100 : 1000);
  if (!Number.isInteger(maxIter) || maxIter <= 0) throw new LinearSvmError(`maxIter must be a positive integer, got ${maxIter}`);
  const shrinking = opts.shrinking ?? true;
  const cw = opts.classWeights ?? { pos: 1, neg: 1 };
  if (!(Number.isFinite(cw.pos) && cw.pos >= 0 && Number.isFinite(cw.neg) && cw.neg >= 0)) {
    throw new LinearSvmError(`classWeights must be finite and ≥ 0, got pos=${cw.pos}, neg=${cw.neg}`);
  }
  const sw = opts.sampleWeights;
  if (sw !== undefined) {
    if (sw.length !== n) throw new LinearSvmError(`sampleWeights.length = ${sw.length} but X has n = ${n} rows`);
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(sw[i]) && sw[i] >= 0)) {
        throw new LinearSvmError(`sampleWeights[${i}] = ${sw[i]} must be finite and ≥ 0`);
      }
    }
  }
  if (validateData) checkFiniteData(X, d);

  if (opts.solver === 'primal-newton') {
    if (loss !== 'l2') throw new LinearSvmError("solver 'primal-newton' needs loss 'l2' (the hinge loss is not twice differentiable)");
    const Ci = new Float64Array(n);
    for (let i = 0; i < n; i++) Ci[i] = C * (sign[i] > 0 ? cw.pos : cw.neg) * (sw ? sw[i] : 1);
    const r = solvePrimalNewton(X, sign, n, d, Ci, useBias, tol, maxIter);
    return { w: Float32Array.from(r.w.subarray(0, d)), b: useBias ? r.w[d] : 0, iterations: r.iterations, converged: r.converged, alpha: r.alpha };
  }
  if (opts.solver !== undefined && opts.solver !== 'dual') throw new LinearSvmError(`solver must be 'dual' or 'primal-newton', got ${String(opts.solver)}`);
  const dim = useBias ? d + 1 : d;
  const w = new Float64Array(dim);
  const alpha = new Float64Array(n);
  const upper = new Float64Array(n); // Uᵢ
  const diag = new Float64Array(n); // Dᵢᵢ
  const QD = new Float64Array(n); // Q̄ᵢᵢ
  const index = new Int32Array(n);
  let l = 0; // samples with Cᵢ > 0 take part; the others keep αᵢ = 0
  for (let i = 0; i < n; i++) {
    const Ci = C * (sign[i] > 0 ? cw.pos : cw.neg) * (sw ? sw[i] : 1);
    if (Ci <= 0) continue;
    if (loss === 'l1') {
      upper[i] = Ci;
      diag[i] = 0;
    } else {
      upper[i] = Infinity;
      diag[i] = 0.5 / Ci;
    }
    QD[i] = diag[i] + sqNorms[i] + (useBias ? 1 : 0);
    index[l++] = i;
  }

  const rng = createRng(opts.seed ?? 1);
  let activeSize = l;
  let PGmaxOld = Infinity;
  let PGminOld = -Infinity;
  let iter = 0;
  let converged = l === 0;
  while (!converged && iter < maxIter) {
    let PGmaxNew = -Infinity;
    let PGminNew = Infinity;
    // A fresh random order each outer iteration (Hsieh et al. §3.1: "random permutation").
    for (let s = 0; s < activeSize - 1; s++) {
      const j = s + (rng() % (activeSize - s));
      const t = index[s];
      index[s] = index[j];
      index[j] = t;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s];
      const yi = sign[i];
      const o = i * d;
      const dot = dotRow(w, X, o, d) + (useBias ? w[d] : 0);
      const G = yi * dot - 1 + diag[i] * alpha[i];
      const Ui = upper[i];
      let PG = 0;
      if (alpha[i] === 0) {
        if (G > PGmaxOld && shrinking) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else if (alpha[i] === Ui) {
        if (G < PGminOld && shrinking) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          s--;
          continue;
        } else if (G > 0) PG = G;
      } else PG = G;
      if (PG > PGmaxNew) PGmaxNew = PG;
      if (PG < PGminNew) PGminNew = PG;
      if (Math.abs(PG) > 1e-12) {
        const old = alpha[i];
        let a = old - G / QD[i];
        if (a < 0) a = 0;
        else if (a > Ui) a = Ui;
        alpha[i] = a;
        const step = (a - old) * yi;
        axpyRow(w, step, X, o, d);
        if (useBias) w[d] += step;
      }
    }
    iter++;
    if (activeSize === 0) PGmaxNew = PGminNew = 0;
    // LIBLINEAR stops on PGmax − PGmin ≤ ε. Clamping at 0 also catches the case where every projected
    // gradient has the same sign (e.g. all −0.016 on a 2-point problem): the gap is 0 there, yet it is no optimum.
    if (Math.max(PGmaxNew, 0) - Math.min(PGminNew, 0) <= tol) {
      if (activeSize === l) {
        converged = true;
        break;
      }
      // Converged on the shrunk set: un-shrink and check on all samples before stopping.
      activeSize = l;
      PGmaxOld = Infinity;
      PGminOld = -Infinity;
      continue;
    }
    PGmaxOld = PGmaxNew > 0 ? PGmaxNew : Infinity;
    PGminOld = PGminNew < 0 ? PGminNew : -Infinity;
  }
  const wOut = new Float32Array(d);
  for (let k = 0; k < d; k++) wOut[k] = w[k];
  return { w: wOut, b: useBias ? w[d] : 0, iterations: iter, converged, alpha };
}

/** Trains a binary linear SVM; `y` holds ±1 per row of X (n×d row-major). */
export function trainLinearSvm(
  X: Float32Array,
  y: Int8Array | Float32Array,
  d: number,
  opts: LinearSvmOptions = {},
): LinearSvmModel {
  const n = rowsOf(X, d);
  if (y.length !== n) throw new LinearSvmError(`y.length = ${y.length} but X has n = ${n} rows (X.length ${X.length} / d ${d})`);
  if (n === 0) throw new LinearSvmError('X has no rows');
  const sign = new Int8Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v === 1) {
      sign[i] = 1;
      pos++;
    } else if (v === -1) sign[i] = -1;
    else throw new LinearSvmError(`y[${i}] = ${v}: labels must be +1 or -1`);
  }
  if (pos === 0 || pos === n) {
    throw new LinearSvmError(`the ${pos === 0 ? 'positive (+1)' : 'negative (-1)'} class is empty (n = ${n}); an SVM needs both`);
  }
  return solveDual(X, sign, n, d, rowSquaredNorms(X, n, d), opts);
}

/** w·x + b for every row of X. */
export function decisionFunction(model: { w: Float32Array; b: number }, X: Float32Array, d: number): Float32Array {
  const n = rowsOf(X, d);
  if (model.w.length !== d) throw new LinearSvmError(`model has ${model.w.length} weights but d = ${d}`);
  const out = new Float32Array(n);
  const w = model.w;
  for (let i = 0; i < n; i++) {
    let s = model.b;
    const o = i * d;
    for (let k = 0; k < d; k++) s += w[k] * X[o + k];
    out[i] = s;
  }
  return out;
}
