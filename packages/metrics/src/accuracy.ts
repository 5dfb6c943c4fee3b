import { checkScoredPairs, MetricsError, type PairLabels, type Scores } from './errors';

/** Fraction of pairs classified right when "same" means `score >= threshold`. */
export function accuracyAtThreshold(scores: Scores, labels: PairLabels, threshold: number): number {
  const y = checkScoredPairs(scores, labels, 'accuracyAtThreshold');
  if (y.length === 0) throw new MetricsError('accuracyAtThreshold: no pairs');
  let right = 0;
  for (let i = 0; i < y.length; i++) if ((scores[i]! >= threshold ? 1 : 0) === y[i]) right++;
  return right / y.length;
}

/**
 * The threshold that maximises accuracy on (training) pairs. Candidates are the midpoints
 * between adjacent distinct scores, plus one point below the lowest and one above the
 * highest score (so "accept all" and "reject all" are possible). Among equally accurate
 * candidates the lowest is returned, which makes the choice deterministic.
 */
export function bestThreshold(scores: Scores, labels: PairLabels): { threshold: number; accuracy: number } {
  const y = checkScoredPairs(scores, labels, 'bestThreshold');
  const n = y.length;
  if (n === 0) throw new MetricsError('bestThreshold: no training pairs');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  // Threshold below everything: accept all → right = positives.
  let right = positives;
  const lo = scores[order[0]!]!;
  const hi = scores[order[n - 1]!]!;
  let bestRight = right;
  let best = lo - Math.max(1, Math.abs(lo));
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    // Raise the threshold past every pair scoring s: those become "different".
    while (k < n && scores[order[k]!]! === s) {
      right += y[order[k]!] ? -1 : 1;
      k++;
    }
    if (right > bestRight) {
      bestRight = right;
      best = k < n ? (s + scores[order[k]!]!) / 2 : hi + Math.max(1, Math.abs(hi));
    }
  }
  return { threshold: best, accuracy: bestRight / n };
}

export interface MeanSe {
  mean: number;
  /** Sample standard deviation (divides by n − 1), the LFW / DeepFace convention. */
  std: number;
  /** Standard error of the mean: std / √n. */
  se: number;
  n: number;
}

/** Mean, sample standard deviation (n − 1) and standard error σ/√n, as reported for LFW's 10 folds. */
export function meanStdErr(values: ArrayLike<number>): MeanSe {
  const n = values.length;
  if (n === 0) throw new MetricsError('meanStdErr: no values');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  if (n === 1) return { mean, std: 0, se: 0, n };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  return { mean, std, se: std / Math.sqrt(n), n };
}

export interface FoldResult {
  fold: number;
  threshold: number;
  trainAccuracy: number;
  testAccuracy: number;
  testPairs: number;
}

export interface KFoldResult extends MeanSe {
  folds: FoldResult[];
}

/**
 * k-fold verification accuracy: for each fold, the threshold is chosen on the other folds'
 * pairs ({@link bestThreshold}) and accuracy measured on the held-out fold. Returns the mean
 * ± standard error over folds (std with n − 1, SE = std/√k).
 *
 * `folds[i]` is the fold index (0-based) of pair i.
 */
export function kFoldAccuracy(scores: Scores, labels: PairLabels, folds: ArrayLike<number>): KFoldResult {
  const y = checkScoredPairs(scores, labels, 'kFoldAccuracy');
  if (folds.length !== y.length) throw new MetricsError(`kFoldAccuracy: ${folds.length} fold indices but ${y.length} pairs`);
  const ids = [...new Set(Array.from(folds))].sort((a, b) => a - b);
  if (ids.length < 2) throw new MetricsError(`kFoldAccuracy: need at least 2 folds, got ${ids.length}`);
  const results: FoldResult[] = [];
  for (const f of ids) {
    const trS: number[] = [];
    const trY: number[] = [];
    const teS: number[] = [];
    const teY: number[] = [];
    for (let i = 0; i < y.length; i++) {
      if (folds[i] === f) {
        teS.push(scores[i]!);
        teY.push(y[i]!);
      } else {
        trS.push(scores[i]!);
        trY.push(y[i]!);
      }
    }
    const { threshold, accuracy } = bestThreshold(trS, trY);
    results.push({ fold: f, threshold, trainAccuracy: accuracy, testAccuracy: accuracyAtThreshold(teS, teY, threshold), testPairs: teS.length });
  }
  return { ...meanStdErr(results.map((r) => r.testAccuracy)), folds: results };
}
