/**
 * Part classifiers (PIPER §4.2): one multi-class linear SVM (one-vs-rest) per part on that part's features,
 * trained only on the instances where the part fires, hence only on the identities Fᵢ with such examples;
 * P̂ᵢ(y|X) = softmax of its scores over Fᵢ (zero outside Fᵢ).
 */
import { scoresOneVsRest, trainOneVsRest, type LinearSvmOptions, type OneVsRestModel } from '@deepface-ts/linear-svm';
import { PiperError, type PartPrediction } from './fusion';

/** One part's features on every instance of a dataset. */
export interface PartFeatures {
  name: string;
  /** n×d row-major; rows of instances where the part does not fire are ignored (may be zeros). */
  X: Float32Array;
  d: number;
  /** n entries, 1 where the part fires (for the global model: all 1). */
  fires: Uint8Array;
}

export interface PartClassifierOptions {
  /** SVM options for the one-vs-rest training (default C = 1, L2 loss). */
  svm?: LinearSvmOptions;
  /** Softmax temperature on the SVM scores (default 1). */
  temperature?: number;
}

export interface PartClassifier {
  name: string;
  /** K entries: 1 where identity y ∈ Fᵢ. */
  trained: Uint8Array;
  /** Fᵢ as identity ids (the local class c of the SVM is identity classIds[c]). */
  classIds: Int32Array;
  /** null when |Fᵢ| < 2 (0: the part knows nobody; 1: P̂ is 1 on that identity). */
  model: OneVsRestModel | null;
  d: number;
  K: number;
}

export function checkPartFeatures(p: PartFeatures, n: number): void {
  if (!Number.isInteger(p.d) || p.d <= 0) throw new PiperError(`part '${p.name}': d must be a positive integer, got ${p.d}`);
  if (p.X.length !== n * p.d) throw new PiperError(`part '${p.name}': X has ${p.X.length} values, expected n×d = ${n}×${p.d} = ${n * p.d}`);
  if (p.fires.length !== n) throw new PiperError(`part '${p.name}': fires has ${p.fires.length} entries, expected n = ${n}`);
}

function gatherRows(X: Float32Array, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(X.subarray(rows[r] * d, rows[r] * d + d), r * d);
  return out;
}

/**
 * Trains part `part` on the instances `trainIdx` (indices into the dataset), with identity labels in 0..K−1.
 * Only the instances where the part fires count.
 */
export function trainPartClassifier(
  part: PartFeatures,
  labels: Int32Array,
  trainIdx: ArrayLike<number>,
  K: number,
  opts: PartClassifierOptions = {},
): PartClassifier {
  checkPartFeatures(part, labels.length);
  const rows: number[] = [];
  const trained = new Uint8Array(K);
  for (let r = 0; r < trainIdx.length; r++) {
    const j = trainIdx[r];
    if (!part.fires[j]) continue;
    const y = labels[j];
    if (!(y >= 0 && y < K)) throw new PiperError(`instance ${j}: identity ${y} is outside 0..${K - 1}`);
    rows.push(j);
    trained[y] = 1;
  }
  const classIds: number[] = [];
  const local = new Int32Array(K).fill(-1);
  for (let y = 0; y < K; y++) {
    if (trained[y]) {
      local[y] = classIds.length;
      classIds.push(y);
    }
  }
  let model: OneVsRestModel | null = null;
  if (classIds.length >= 2) {
    const X = gatherRows(part.X, part.d, rows);
    const y = new Int32Array(rows.length);
    for (let r = 0; r < rows.length; r++) y[r] = local[labels[rows[r]]];
    model = trainOneVsRest(X, y, part.d, classIds.length, opts.svm ?? {});
  }
  return { name: part.name, trained, classIds: Int32Array.from(classIds), model, d: part.d, K };
}

/** Raw one-vs-rest scores of a part classifier on `testIdx` (rows × |Fᵢ|), for re-softmaxing at other temperatures. */
export function partScores(clf: PartClassifier, part: PartFeatures, testIdx: ArrayLike<number>): Float32Array {
  if (part.d !== clf.d) throw new PiperError(`part '${part.name}': features have d = ${part.d}, classifier expects ${clf.d}`);
  if (clf.model === null) return new Float32Array(testIdx.length * clf.classIds.length);
  return scoresOneVsRest(clf.model, gatherRows(part.X, part.d, testIdx), part.d);
}

/**
 * P̂ᵢ on `testIdx` as a PartPrediction over K identities: softmax over Fᵢ of scores / temperature
 * where the part fires, zeros elsewhere.
 */
export function predictPart(
  clf: PartClassifier,
  part: PartFeatures,
  testIdx: ArrayLike<number>,
  opts: { temperature?: number; scores?: Float32Array } = {},
): PartPrediction {
  const T = opts.temperature ?? 1;
  if (!(T > 0 && Number.isFinite(T))) throw new PiperError(`temperature must be > 0, got ${T}`);
  const n = testIdx.length;
  const K = clf.K;
  const F = clf.classIds.length;
  const scores = opts.scores ?? partScores(clf, part, testIdx);
  if (scores.length !== n * F) throw new PiperError(`part '${part.name}': scores have ${scores.length} values, expected ${n}×${F}`);
  const probs = new Float32Array(n * K);
  const fires = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    if (!part.fires[testIdx[r]] || F === 0) continue;
    fires[r] = 1;
    const o = r * F;
    let max = -Infinity;
    for (let c = 0; c < F; c++) if (scores[o + c] > max) max = scores[o + c];
    let sum = 0;
    for (let c = 0; c < F; c++) sum += Math.exp((scores[o + c] - max) / T);
    for (let c = 0; c < F; c++) probs[r * K + clf.classIds[c]] = Math.exp((scores[o + c] - max) / T) / sum;
  }
  return { name: clf.name, probs, fires, trained: clf.trained };
}
