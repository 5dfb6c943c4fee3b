import {
  accuracyAtThreshold,
  bestThreshold,
  chiSquareTerms,
  kernelSvmScores,
  powerCpdKernel,
  trainPrecomputedSvm,
  trainWeightedChiSquare,
  weightedChiSquareScores,
  type FoldResult,
  type PairRepresentation,
} from '@deepface-ts/metrics';
import { mulberry32, shuffleInPlace } from '@deepface-ts/datasets';
import { createProgress } from '@deepface-ts/progress';

/**
 * Training pairs per fold for the kernel SVM. LIBSVM (wasm) on a precomputed 5,400² kernel
 * took over 2 minutes per fold on this machine; a seeded, class-balanced subset of 2,000 keeps
 * the 10 folds within minutes. (The weighted χ² SVM always uses every training pair.)
 */
export const KERNEL_SVM_TRAIN_PAIRS = 2000;
import { metricResult, type MetricResult, type VerificationPair } from './verification';

/**
 * Restricted LFW: only the training folds' labelled pairs are used for learning.
 * - weighted χ²: a linear SVM (C = 1) on the 2,891 elementwise χ² terms of each pair;
 * - kernel-SVM ensemble (C = 1) on a sum of power CPD kernels −‖x−y‖^β over two pair
 *   representations: the per-cell χ² distances and the per-cell Hellinger distances
 *   Σ(√a − √b)² (one value per LBP cell each; per element for a non-histogram descriptor
 *   such as DeepFace's, i.e. the χ² and Hellinger term vectors), each standardised on the
 *   training pairs.
 * Accuracy is that of the SVM's own decision (score > 0) on the held-out fold; ROC, AUC and
 * EER pool the held-out scores of all folds.
 */
export async function restrictedMetrics(
  pairs: readonly VerificationPair[],
  descriptors: Map<string, Float32Array>,
  dim: number,
  binsPerCell: number,
  options: { kernelTrainPairs?: number; seed?: number } = {},
): Promise<{ metrics: MetricResult[]; usedPairs: number }> {
  const { kernelTrainPairs = KERNEL_SVM_TRAIN_PAIRS, seed = 1 } = options;
  // Pairs with a missing descriptor cannot be described; they are left out of learning and scoring.
  const kept = pairs.filter((p) => descriptors.has(p.path1) && descriptors.has(p.path2));
  const n = kept.length;
  const cells = dim / binsPerCell;
  const terms = chiSquareTermRows(kept, descriptors, dim);
  const perCellChi = new Float32Array(n * cells);
  const perCellHel = new Float32Array(n * cells);
  kept.forEach((p, i) => {
    const a = descriptors.get(p.path1)!;
    const b = descriptors.get(p.path2)!;
    for (let c = 0; c < cells; c++) {
      let chi = 0;
      let hel = 0;
      for (let k = c * binsPerCell; k < (c + 1) * binsPerCell; k++) {
        chi += terms[i * dim + k]!;
        const d = Math.sqrt(a[k]!) - Math.sqrt(b[k]!);
        hel += d * d;
      }
      perCellChi[i * cells + c] = chi;
      perCellHel[i * cells + c] = hel;
    }
  });
  const foldIds = [...new Set(kept.map((p) => p.fold))].sort((x, y) => x - y);
  const chiScores = new Float64Array(n);
  const ensScores = new Float64Array(n);
  const chiFolds: FoldResult[] = [];
  const ensFolds: FoldResult[] = [];
  const progress = createProgress({ label: 'restricted: train folds', total: foldIds.length, unit: 'fold' });
  for (const f of foldIds) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    kept.forEach((p, i) => (p.fold === f ? testIdx : trainIdx).push(i));
    const trainLabels = trainIdx.map((i) => kept[i]!.same);
    const testLabels = testIdx.map((i) => kept[i]!.same);

    const chi = weightedChiSquareFold(f, gather(terms, dim, trainIdx), trainLabels, gather(terms, dim, testIdx), testLabels, dim, 'sign');
    testIdx.forEach((i, k) => (chiScores[i] = chi.scores[k]!));
    chiFolds.push(chi.result);

    const reps = (idx: number[]) => [
      { rows: gather(perCellChi, cells, idx), d: cells, beta: 1 },
      { rows: gather(perCellHel, cells, idx), d: cells, beta: 1 },
    ];
    const kernelIdx = balancedSubset(trainIdx, (i) => kept[i]!.same, kernelTrainPairs, seed * 1000 + f);
    const trainReps = reps(kernelIdx);
    const testReps = reps(testIdx);
    standardise(trainReps, testReps);
    const model = await trainPrecomputedSvm(powerCpdKernel(trainReps, trainReps), kernelIdx.length, kernelIdx.map((i) => kept[i]!.same));
    const sEns = kernelSvmScores(model, powerCpdKernel(testReps, trainReps));
    testIdx.forEach((i, k) => (ensScores[i] = sEns[k]!));
    ensFolds.push({ fold: f, threshold: 0, trainAccuracy: NaN, testAccuracy: accuracyAtThreshold(sEns, testLabels, 0), testPairs: testIdx.length });
    progress.tick(1, `weighted χ² ${chi.result.testAccuracy.toFixed(3)}, ensemble ${ensFolds.at(-1)!.testAccuracy.toFixed(3)}`);
  }
  progress.done();
  const labels = kept.map((p) => p.same);
  return { metrics: [metricResult('weighted χ² (linear SVM)', chiScores, labels, chiFolds), metricResult('kernel-SVM ensemble', ensScores, labels, ensFolds)], usedPairs: n };
}

/** The χ² terms (n×dim, row-major) of pairs whose two descriptors are known. */
export function chiSquareTermRows(pairs: readonly { path1: string; path2: string }[], descriptors: ReadonlyMap<string, Float32Array>, dim: number): Float32Array {
  const terms = new Float32Array(pairs.length * dim);
  pairs.forEach((p, i) => chiSquareTerms(descriptors.get(p.path1)!, descriptors.get(p.path2)!, terms, i * dim));
  return terms;
}

/**
 * One fold of the weighted χ² (SPEC §3): a linear SVM (C = 1) on the training pairs' χ²
 * terms, whose decision value scores the test pairs. Same = score ≥ threshold, with the
 * threshold 0 (`'sign'`: the SVM's own decision, as the restricted protocol reports) or the
 * one that maximises accuracy on the training pairs' scores (`'train'`).
 */
export function weightedChiSquareFold(
  fold: number,
  trainTerms: Float32Array,
  trainLabels: readonly boolean[],
  testTerms: Float32Array,
  testLabels: readonly boolean[],
  dim: number,
  threshold: 'sign' | 'train',
): { scores: Float32Array; result: FoldResult } {
  const model = trainWeightedChiSquare(trainTerms, dim, trainLabels);
  const scores = weightedChiSquareScores(model, testTerms, dim);
  const train = threshold === 'train' ? bestThreshold(weightedChiSquareScores(model, trainTerms, dim), trainLabels) : { threshold: 0, accuracy: NaN };
  return {
    scores,
    result: { fold, threshold: train.threshold, trainAccuracy: train.accuracy, testAccuracy: accuracyAtThreshold(scores, testLabels, train.threshold), testPairs: testLabels.length },
  };
}

/** Up to `max` indices, half from each class where possible, chosen by a seeded shuffle; all of them when there are few. */
export function balancedSubset(idx: readonly number[], same: (i: number) => boolean, max: number, seed: number): number[] {
  if (idx.length <= max) return [...idx];
  const rng = mulberry32(seed);
  const pos = shuffleInPlace(idx.filter(same), rng);
  const neg = shuffleInPlace(idx.filter((i) => !same(i)), rng);
  const nPos = Math.min(pos.length, Math.max(max - neg.length, Math.floor(max / 2)));
  return [...pos.slice(0, nPos), ...neg.slice(0, max - nPos)].sort((a, b) => a - b);
}

export function gather(rows: Float32Array, d: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * d);
  idx.forEach((i, k) => out.set(rows.subarray(i * d, (i + 1) * d), k * d));
  return out;
}

/** z-scores every column of each representation with the training rows' mean and std (in place). */
export function standardise(train: PairRepresentation[], test: PairRepresentation[]): void {
  train.forEach((rep, r) => {
    const { rows, d } = rep;
    const n = rows.length / d;
    for (let c = 0; c < d; c++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += rows[i * d + c]!;
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (rows[i * d + c]! - mean) ** 2;
      const sd = Math.sqrt(v / Math.max(1, n - 1)) || 1;
      for (const target of [rows, test[r]!.rows]) for (let i = 0; i < target.length / d; i++) target[i * d + c] = (target[i * d + c]! - mean) / sd;
    }
  });
}
