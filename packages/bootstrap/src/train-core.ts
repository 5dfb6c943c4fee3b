/** The one-vs-all problem of one identity, shared by the worker and the in-thread path. */
import { uniform } from '@deepface-ts/random';
import type { LinearSvmOptions } from '@deepface-ts/linear-svm';

export interface SvmSettings {
  C: number;
  loss: 'l1' | 'l2';
  bias: boolean;
  tol: number;
  maxIter: number;
  /** Multiplier of C for the positives (e.g. negatives/positives to balance). */
  positiveWeight: number;
  /**
   * 'wasm' (default): dual coordinate descent in WASM SIMD (csrc/svm.c, float32, shrinking
   * off unless asked); 'js': @deepface-ts/linear-svm (float64, LIBLINEAR's shrinking), the baseline.
   */
  solver: 'wasm' | 'js';
}

export interface TrainBatchTask {
  /** n×dim features (float32) in a SharedArrayBuffer. */
  features: SharedArrayBuffer;
  dim: number;
  /** Row numbers grouped by identity (Int32, length n). */
  order: SharedArrayBuffer;
  /** Start of each identity's rows in `order` (Int32, length identities + 1). */
  offsets: SharedArrayBuffer;
  identities: number[];
  negatives: number;
  seed: number;
  svm: SvmSettings & Pick<LinearSvmOptions, 'shrinking'>;
}

export interface TrainBatchResult {
  /** Identity of each row of w. */
  identities: Int32Array;
  /** Hyperplane weights, identities × dim. */
  w: Float32Array;
  b: Float32Array;
  /** Solver passes per identity, and whether it met its tolerance. */
  iterations: Int32Array;
  converged: Uint8Array;
  /** Positives per identity. */
  positives: Int32Array;
}

/** Mixes (seed, identity) into a 32-bit seed, so results do not depend on batching or threads. */
export function identitySeed(seed: number, identity: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(identity + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// Seeded uniform [0, 1) (mulberry32): negatives are drawn reproducibly per identity.
const rng = uniform;

/**
 * Positives: every row of `identity`. Negatives: `negatives` distinct rows drawn uniformly
 * (seeded) from all other identities' rows, or all of them when there are fewer.
 */
export function buildOneVsAllProblem(
  task: Pick<TrainBatchTask, 'features' | 'dim' | 'order' | 'offsets' | 'negatives' | 'seed' | 'svm'>,
  identity: number,
): { X: Float32Array; y: Int8Array; positives: number; seed: number } {
  const { dim } = task;
  const features = new Float32Array(task.features);
  const p = sampleOneVsAll(task, identity);
  const X = new Float32Array(p.rows.length * dim);
  p.rows.forEach((r, i) => X.set(features.subarray(r * dim, (r + 1) * dim), i * dim));
  return { X, y: p.y, positives: p.positives, seed: p.seed };
}

/**
 * The rows of the problem (positives first, then the sampled negatives) and their labels,
 * without copying features: the WASM solver copies each row once, into its own memory.
 */
export function sampleOneVsAll(
  task: Pick<TrainBatchTask, 'order' | 'offsets' | 'negatives' | 'seed'>,
  identity: number,
): { rows: Int32Array; y: Int8Array; positives: number; seed: number } {
  const order = new Int32Array(task.order);
  const offsets = new Int32Array(task.offsets);
  const n = order.length;
  const from = offsets[identity];
  const to = offsets[identity + 1];
  const pos = to - from;
  const others = n - pos;
  const negCount = Math.min(task.negatives, others);
  const seed = identitySeed(task.seed, identity);
  const rand = rng(seed);
  const rows = new Int32Array(pos + negCount);
  for (let i = 0; i < pos; i++) rows[i] = order[from + i];
  if (negCount === others) {
    let j = pos;
    for (let p = 0; p < n; p++) if (p < from || p >= to) rows[j++] = order[p];
  } else {
    // Rejection sampling over positions outside [from, to); a Set keeps them distinct.
    const seen = new Set<number>();
    let j = pos;
    while (j < pos + negCount) {
      const p = Math.floor(rand() * others);
      const at = p < from ? p : p + pos;
      if (seen.has(at)) continue;
      seen.add(at);
      rows[j++] = order[at];
    }
  }
  const y = new Int8Array(pos + negCount).fill(-1);
  y.fill(1, 0, pos);
  return { rows, y, positives: pos, seed };
}
