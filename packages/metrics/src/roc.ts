import { checkScoredPairs, requireBothClasses, type PairLabels, type Scores } from './errors';

/**
 * A ROC curve at every distinct threshold. Convention used everywhere in this package:
 * a higher score means "more likely the same person" (pass similarities, or negated
 * distances), and a pair is accepted when `score >= threshold`.
 *
 * Point 0 is (0, 0) at threshold +∞; each following point lowers the threshold to the next
 * distinct score, so tied scores form one step (a diagonal segment when the tie mixes
 * classes). The last point is (1, 1).
 */
export interface RocCurve {
  /** False-positive rate per point, non-decreasing from 0 to 1. */
  fpr: Float64Array;
  /** True-positive rate per point, non-decreasing from 0 to 1. */
  tpr: Float64Array;
  /** Threshold per point (`Infinity` for the first). */
  thresholds: Float64Array;
  positives: number;
  negatives: number;
}

export function rocCurve(scores: Scores, labels: PairLabels): RocCurve {
  const y = checkScoredPairs(scores, labels, 'rocCurve');
  const { positives, negatives } = requireBothClasses(y, 'rocCurve');
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thresholds: number[] = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    while (k < n && scores[order[k]!]! === s) {
      if (y[order[k]!]) tp++;
      else fp++;
      k++;
    }
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(s);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds), positives, negatives };
}

/**
 * Area under the ROC curve by the trapezoid rule over the points of {@link rocCurve}.
 * Because ties form one diagonal step, this equals the Mann–Whitney statistic
 * P(score_same > score_diff) + ½·P(equal).
 */
export function auc(scoresOrCurve: Scores | RocCurve, labels?: PairLabels): number {
  const curve = isCurve(scoresOrCurve) ? scoresOrCurve : rocCurve(scoresOrCurve, labels!);
  const { fpr, tpr } = curve;
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += (fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!) * 0.5;
  return area;
}

/**
 * Equal error rate: the rate where the false-positive rate equals the false-negative rate
 * (1 − TPR), found by linear interpolation along the ROC segment where FPR + TPR crosses 1.
 */
export function eer(scoresOrCurve: Scores | RocCurve, labels?: PairLabels): number {
  const curve = isCurve(scoresOrCurve) ? scoresOrCurve : rocCurve(scoresOrCurve, labels!);
  const { fpr, tpr } = curve;
  // g = FNR − FPR goes from 1 at (0,0) to −1 at (1,1); it is non-increasing along the curve.
  for (let i = 1; i < fpr.length; i++) {
    const g0 = 1 - tpr[i - 1]! - fpr[i - 1]!;
    const g1 = 1 - tpr[i]! - fpr[i]!;
    if (g0 >= 0 && g1 <= 0) {
      if (g0 === g1) return fpr[i - 1]!; // g0 = g1 = 0: the whole segment is on the diagonal
      const a = g0 / (g0 - g1);
      return fpr[i - 1]! + a * (fpr[i]! - fpr[i - 1]!);
    }
  }
  /* c8 ignore next */
  throw new Error('eer: unreachable (ROC always crosses FPR = FNR)');
}

/** TPR at a given FPR, linearly interpolated along the ROC (e.g. "verification rate @ 0.1 % FAR"). */
export function tprAtFpr(curve: RocCurve, targetFpr: number): number {
  const { fpr, tpr } = curve;
  if (!(targetFpr >= 0 && targetFpr <= 1)) throw new RangeError(`tprAtFpr: target FPR must be in [0, 1], got ${targetFpr}`);
  let best = 0;
  for (let i = 1; i < fpr.length; i++) {
    if (fpr[i]! <= targetFpr) best = tpr[i]!;
    else {
      if (fpr[i - 1]! <= targetFpr && fpr[i]! > fpr[i - 1]!) {
        const a = (targetFpr - fpr[i - 1]!) / (fpr[i]! - fpr[i - 1]!);
        best = Math.max(best, tpr[i - 1]! + a * (tpr[i]! - tpr[i - 1]!));
      }
      break;
    }
  }
  return best;
}

function isCurve(x: Scores | RocCurve): x is RocCurve {
  return typeof x === 'object' && x !== null && 'fpr' in x && 'tpr' in x;
}
