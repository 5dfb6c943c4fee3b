import { decisionFunction, trainLinearSvm, type LinearSvmOptions } from '@deepface-ts/linear-svm';
import { MetricsError } from './errors';

type Vec = ArrayLike<number>;

function sameLength(a: Vec, b: Vec, where: string): number {
  if (a.length !== b.length) throw new MetricsError(`${where}: feature lengths differ (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new MetricsError(`${where}: empty feature vectors`);
  return a.length;
}

/** ⟨a, b⟩. For L2-normalised features (DeepFace's representation) this is the cosine. */
export function innerProduct(a: Vec, b: Vec): number {
  const n = sameLength(a, b, 'innerProduct');
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity ⟨a, b⟩ / (‖a‖‖b‖); 0 when either vector is all zeros (no direction to compare). */
export function cosineSimilarity(a: Vec, b: Vec): number {
  const n = sameLength(a, b, 'cosineSimilarity');
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * Elementwise χ² terms (a − b)² / (a + b), written into `out` (0/0 counts as 0: two empty
 * histogram bins are identical). Meant for non-negative features (histograms, ReLU outputs).
 */
export function chiSquareTerms(a: Vec, b: Vec, out: Float32Array = new Float32Array(a.length), outOffset = 0): Float32Array {
  const n = sameLength(a, b, 'chiSquareTerms');
  for (let i = 0; i < n; i++) {
    const s = a[i]! + b[i]!;
    const d = a[i]! - b[i]!;
    out[outOffset + i] = s === 0 ? 0 : (d * d) / s;
  }
  return out;
}

/** Unweighted χ² distance Σ (a − b)² / (a + b) (0/0 → 0). Lower = more alike. */
export function chiSquareDistance(a: Vec, b: Vec): number {
  const n = sameLength(a, b, 'chiSquareDistance');
  if (a instanceof Float32Array && b instanceof Float32Array) return chiSquareF32(a, b, n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = a[i]! + b[i]!;
    if (t !== 0) {
      const d = a[i]! - b[i]!;
      s += (d * d) / t;
    }
  }
  return s;
}

/**
 * The Float32Array case on its own, so V8 compiles a monomorphic loop: called with both plain
 * arrays and typed arrays, the generic version runs several times slower in probe × gallery
 * matching.
 */
function chiSquareF32(a: Float32Array, b: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = a[i]! + b[i]!;
    const d = a[i]! - b[i]!;
    // Branch-free 0/0 → 0: when t = 0 then d = 0 and the term is 0/1e-30 = 0; for |t| ≥ 1e-14
    // (any histogram bin or real feature) adding 1e-30 is below double rounding. With many
    // empty bins the unpredictable branch made this loop ~4× slower (measured, CPU time).
    s += (d * d) / (t + 1e-30);
  }
  return s;
}

/** Elementwise |a − b| into `out`. */
export function absDifference(a: Vec, b: Vec, out: Float32Array = new Float32Array(a.length), outOffset = 0): Float32Array {
  const n = sameLength(a, b, 'absDifference');
  for (let i = 0; i < n; i++) out[outOffset + i] = Math.abs(a[i]! - b[i]!);
  return out;
}

/**
 * Builds one row per pair from a feature table: `features` is n×d row-major, `pairs` holds
 * index pairs [i, j]. `term` fills the d values of a row (χ² terms, |Δ|, …).
 */
export function pairRows(
  features: Float32Array,
  d: number,
  pairs: ArrayLike<readonly [number, number]>,
  term: (a: Float32Array, b: Float32Array, out: Float32Array, offset: number) => unknown,
): Float32Array {
  const n = features.length / d;
  if (!Number.isInteger(n)) throw new MetricsError(`pairRows: features has ${features.length} values, not a multiple of d = ${d}`);
  const out = new Float32Array(pairs.length * d);
  for (let p = 0; p < pairs.length; p++) {
    const [i, j] = pairs[p]!;
    if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new MetricsError(`pairRows: pair ${p} = [${i}, ${j}] is outside the ${n} feature rows`);
    term(features.subarray(i * d, i * d + d), features.subarray(j * d, j * d + d), out, p * d);
  }
  return out;
}

/** A weighted χ² similarity: score = Σ wᵢ (a−b)ᵢ²/(a+b)ᵢ + b; higher = more likely the same. */
export interface WeightedChiSquare {
  w: Float32Array;
  b: number;
}

/**
 * Learns the weights of the χ² distance (DeepFace §4.2) with a linear SVM on the vectors of
 * elementwise terms (f1−f2)²/(f1+f2) of labelled pairs. `terms` is n×d row-major (from
 * {@link chiSquareTerms} / {@link pairRows}); label 1/true = same. The SVM's decision value
 * is the similarity, so the learned weights come out mostly negative (a large term means
 * "different"). Default C = 1, L2 loss, with bias; override through `svm`.
 */
export function trainWeightedChiSquare(
  terms: Float32Array,
  d: number,
  labels: ArrayLike<boolean | number>,
  svm: LinearSvmOptions = {},
): WeightedChiSquare {
  const n = terms.length / d;
  if (!Number.isInteger(n) || n === 0) throw new MetricsError(`trainWeightedChiSquare: terms has ${terms.length} values, not a non-empty multiple of d = ${d}`);
  if (labels.length !== n) throw new MetricsError(`trainWeightedChiSquare: ${n} rows of terms but ${labels.length} labels`);
  const y = new Int8Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    y[i] = l === true || l === 1 ? 1 : -1;
    if (y[i] === 1) pos++;
  }
  if (pos === 0 || pos === n) throw new MetricsError(`trainWeightedChiSquare: need both same and different pairs (got ${pos} same of ${n})`);
  const model = trainLinearSvm(terms, y, d, { C: 1, loss: 'l2', bias: true, ...svm });
  return { w: model.w, b: model.b };
}

/** Similarity scores of rows of χ² terms under a trained weighting. */
export function weightedChiSquareScores(model: WeightedChiSquare, terms: Float32Array, d: number): Float32Array {
  if (model.w.length !== d) throw new MetricsError(`weightedChiSquareScores: model has ${model.w.length} weights, terms have d = ${d}`);
  return decisionFunction(model, terms, d);
}
