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

export interface PairedComparison extends MeanSe {
  /** t = mean / se of the per-fold differences a − b (Student t with n − 1 degrees of freedom); ±Infinity when they are all equal and non-zero, 0 when all zero. */
  t: number;
  /** Two-sided p-value of the paired t-test. */
  p: number;
  /** Folds where a is above, below, level with b. */
  wins: number;
  losses: number;
  ties: number;
}

/**
 * Paired comparison of two methods measured on the same folds (e.g. LFW's 10 folds with two
 * alignments): mean ± SE of the per-fold differences a − b, the paired t-test, and the fold
 * count each way. Pairing removes the fold-to-fold spread both methods share, so it tells
 * apart differences that unpaired SEs cannot.
 */
export function pairedComparison(a: ArrayLike<number>, b: ArrayLike<number>, source = 'pairedComparison'): PairedComparison {
  if (a.length !== b.length) throw new MetricsError(`${source}: the two methods have ${a.length} and ${b.length} folds; a paired comparison needs the same folds`);
  if (a.length < 2) throw new MetricsError(`${source}: need at least 2 folds, got ${a.length}`);
  const d = new Float64Array(a.length);
  let wins = 0, losses = 0, ties = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) throw new MetricsError(`${source}: fold ${i + 1} has a non-finite value (${a[i]}, ${b[i]})`);
    d[i] = a[i]! - b[i]!;
    // Fold accuracies are ratios of counts: differences below 1e-12 are rounding, not a win.
    if (d[i]! > 1e-12) wins++;
    else if (d[i]! < -1e-12) losses++;
    else ties++;
  }
  const m = meanStdErr(d);
  const t = m.se > 0 ? m.mean / m.se : m.mean === 0 ? 0 : m.mean * Infinity;
  const df = a.length - 1;
  const p = Number.isFinite(t) ? studentTwoSidedP(t, df) : 0;
  return { ...m, t, p, wins, losses, ties };
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new MetricsError(`studentTwoSidedP: degrees of freedom must be > 0, got ${df}`);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** I_x(a, b) by the continued fraction of the incomplete beta function (modified Lentz), with the symmetry swap for fast convergence. */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
  return (front * betaContinuedFraction(x, a, b)) / a;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    // Even step.
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: relative error about 1e-15). */
function logGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}
