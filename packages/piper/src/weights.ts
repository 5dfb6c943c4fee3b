/**
 * Part weights w (PIPER §4.3): a binary linear SVM over one row per (instance j, label y) with features
 * [P0ʲ(y), P1ʲ(y), …, Pmʲ(y)] and target +1 when j's identity is y, else −1. The P's come from
 * cross-fitting on the validation set (parts trained on one half predict the other); C is chosen by grid
 * search (train on half A's rows, accuracy of argmax s on half B), then w is retrained on both halves.
 */
import { trainLinearSvm } from '@deepface-ts/linear-svm';
import { accuracy, fuseScores, PiperError } from './fusion';

/** Filled matrices [P0, …, Pm] (each n×K) of a set of instances, with their identity labels. */
export interface FilledSet {
  filled: Float32Array[];
  labels: Int32Array;
  K: number;
}

/** The (n·K)×(m+1) rows and ±1 targets of the weight-learning problem. */
export function fusionRows(set: FilledSet): { X: Float32Array; y: Int8Array; d: number } {
  const { filled, labels, K } = set;
  const n = labels.length;
  const d = filled.length;
  if (d === 0) throw new PiperError('no part matrices to learn weights for');
  for (let i = 0; i < d; i++) {
    if (filled[i].length !== n * K) throw new PiperError(`part matrix ${i} has ${filled[i].length} values, expected ${n}×${K}`);
  }
  const X = new Float32Array(n * K * d);
  const y = new Int8Array(n * K);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < K; c++) {
      const r = j * K + c;
      for (let i = 0; i < d; i++) X[r * d + i] = filled[i][r];
      y[r] = labels[j] === c ? 1 : -1;
    }
  }
  return { X, y, d };
}

export interface LearnWeightsOptions {
  /** C values to try (default 0.01, 0.1, 1, 10, 100). */
  Cgrid?: number[];
  /** Weigh the positives by (K−1) so both classes count alike (default true; see README). */
  balanced?: boolean;
  seed?: number;
}

export interface LearnedWeights {
  /** m+1 weights, w[0] for the global model. */
  w: Float32Array;
  C: number;
  /** Accuracy on half B of the model trained on half A, per C of the grid. */
  grid: { C: number; accuracy: number }[];
}

function combine(a: FilledSet, b: FilledSet): FilledSet {
  if (a.K !== b.K || a.filled.length !== b.filled.length) throw new PiperError('the two halves differ in K or in the number of parts');
  const filled = a.filled.map((m, i) => {
    const out = new Float32Array(m.length + b.filled[i].length);
    out.set(m, 0);
    out.set(b.filled[i], m.length);
    return out;
  });
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels, 0);
  labels.set(b.labels, a.labels.length);
  return { filled, labels, K: a.K };
}

function trainWeights(set: FilledSet, C: number, balanced: boolean, seed: number): Float32Array {
  const { X, y, d } = fusionRows(set);
  let pos = 0;
  for (let r = 0; r < y.length; r++) if (y[r] > 0) pos++;
  if (pos === 0 || pos === y.length) throw new PiperError('weight learning needs instances whose identity is among the K labels, and K ≥ 2');
  const neg = y.length - pos;
  const m = trainLinearSvm(X, y, d, {
    C,
    loss: 'l2',
    bias: true,
    // m+1 features and n·K rows: Newton on the primal converges in a few passes where dual coordinate
    // descent needs hundreds once C·(K−1) is large.
    solver: 'primal-newton',
    seed,
    classWeights: balanced ? { pos: neg / pos, neg: 1 } : { pos: 1, neg: 1 },
  });
  return m.w;
}

/**
 * Cross-fitted weight learning: `halfA` holds P's of half A predicted by parts trained on half B, and
 * `halfB` the reverse (both over the same K identities).
 */
export function learnPartWeights(halfA: FilledSet, halfB: FilledSet, opts: LearnWeightsOptions = {}): LearnedWeights {
  const grid = opts.Cgrid ?? [0.01, 0.1, 1, 10, 100];
  if (grid.length === 0) throw new PiperError('Cgrid is empty');
  const balanced = opts.balanced ?? true;
  const seed = opts.seed ?? 1;
  const results: { C: number; accuracy: number }[] = [];
  let best = grid[0];
  let bestAcc = -1;
  for (const C of grid) {
    const w = trainWeights(halfA, C, balanced, seed);
    const acc = accuracy(fuseScores(halfB.filled, w, halfB.labels.length, halfB.K), halfB.labels, halfB.K);
    results.push({ C, accuracy: acc });
    if (acc > bestAcc) {
      bestAcc = acc;
      best = C;
    }
  }
  const w = trainWeights(combine(halfA, halfB), best, balanced, seed);
  return { w, C: best, grid: results };
}
