import { LinearSvmError, rowSquaredNorms, rowsOf, solveDual, type LinearSvmOptions } from './svm';

export interface OneVsRestModel {
  /** K×d row-major: row k is the hyperplane of class k against the rest. */
  W: Float32Array;
  /** K biases. */
  b: Float32Array;
  /** Number of classes K (labels are 0..K−1). */
  classes: number;
  /** Feature dimension d. */
  d: number;
  /** Outer iterations per class, and whether each converged. */
  iterations: Int32Array;
  converged: boolean[];
}

/**
 * One binary SVM per class (class k = +1, every other class = −1), all with the same options.
 * Every class 0..K−1 must have at least one example: an empty class has no hyperplane to learn,
 * so the caller must remap labels to the classes it has (PIPER trains parts only on the identities they saw).
 */
export function trainOneVsRest(
  X: Float32Array,
  labels: Int32Array,
  d: number,
  K: number,
  opts: LinearSvmOptions = {},
): OneVsRestModel {
  const n = rowsOf(X, d);
  if (!Number.isInteger(K) || K < 2) throw new LinearSvmError(`K must be an integer ≥ 2, got ${K}`);
  if (labels.length !== n) throw new LinearSvmError(`labels.length = ${labels.length} but X has n = ${n} rows`);
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new LinearSvmError(`labels[${i}] = ${c} is outside 0..${K - 1}`);
    counts[c]++;
  }
  for (let k = 0; k < K; k++) {
    if (counts[k] === 0) throw new LinearSvmError(`class ${k} has no examples (labels must cover 0..${K - 1})`);
  }
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) throw new LinearSvmError(`X has a non-finite value ${X[i]} at row ${Math.floor(i / d)}, column ${i % d}`);
  }
  const sq = rowSquaredNorms(X, n, d);
  const W = new Float32Array(K * d);
  const b = new Float32Array(K);
  const iterations = new Int32Array(K);
  const converged: boolean[] = [];
  const sign = new Int8Array(n);
  const seed = opts.seed ?? 1;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) sign[i] = labels[i] === k ? 1 : -1;
    // Distinct but reproducible permutation streams per class.
    const m = solveDual(X, sign, n, d, sq, { ...opts, seed: (seed + Math.imul(k, 0x9e3779b1)) >>> 0 }, false);
    W.set(m.w, k * d);
    b[k] = m.b;
    iterations[k] = m.iterations;
    converged.push(m.converged);
  }
  return { W, b, classes: K, d, iterations, converged };
}

/** n×K scores: scores[i·K + k] = W_k·x_i + b_k. */
export function scoresOneVsRest(model: { W: Float32Array; b: Float32Array }, X: Float32Array, d: number): Float32Array {
  const n = rowsOf(X, d);
  const K = model.b.length;
  if (model.W.length !== K * d) throw new LinearSvmError(`model.W.length = ${model.W.length} but K×d = ${K}×${d}`);
  const out = new Float32Array(n * K);
  const W = model.W;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < K; k++) {
      const wo = k * d;
      let s = model.b[k];
      for (let j = 0; j < d; j++) s += W[wo + j] * X[o + j];
      out[i * K + k] = s;
    }
  }
  return out;
}

/** Row-wise softmax of an n×K matrix of scores divided by `temperature` (default 1); numerically stable. */
export function softmaxRows(scores: Float32Array, K: number, temperature = 1): Float32Array {
  if (!Number.isInteger(K) || K <= 0) throw new LinearSvmError(`K must be a positive integer, got ${K}`);
  if (scores.length % K !== 0) throw new LinearSvmError(`scores.length = ${scores.length} is not a multiple of K = ${K}`);
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new LinearSvmError(`temperature must be > 0, got ${temperature}`);
  const n = scores.length / K;
  const out = new Float32Array(scores.length);
  const inv = 1 / temperature;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (scores[o + k] > max) max = scores[o + k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp((scores[o + k] - max) * inv);
      out[o + k] = e;
      sum += e;
    }
    const r = 1 / sum;
    for (let k = 0; k < K; k++) out[o + k] *= r;
  }
  return out;
}
