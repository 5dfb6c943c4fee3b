/**
 * The DeepFace paper's ensemble over descriptors (issue 15, item 7): each pair is represented
 * by a short vector of distances, one per member descriptor —
 *   deepface: χ²(a, b) of the DeepFace network's normalised F7 (non-negative),
 *   dlib:     1 − cosine(a, b) of dlib's ResNet descriptors (signed values: no χ²),
 *   lbp:      χ²(a, b) of the LBP histograms —
 * each distance standardised on the training pairs, and a C-SVC (C = 1) on the kernel
 * K(x, y) = Σ_m −|x_m − y_m|^β (a sum of power CPD kernels, one per member, β = 1 as the
 * restricted per-cell ensemble uses) is trained on the training pairs. The SVM and kernels
 * are @deepface-ts/metrics' (`powerCpdKernel`, `trainPrecomputedSvm`, `kernelSvmScores`).
 *
 * Every member is also scored alone by the same SVM on its single distance, so the report
 * shows what combining them adds. Members and their alignments: see `MEMBER_ALIGN` and
 * `DEFAULT_ENSEMBLE_MEMBERS` (args.ts; how to choose the members on View 1 is said there).
 */
import {
  accuracyAtThreshold,
  bestThreshold,
  chiSquareDistance,
  cosineSimilarity,
  kernelSvmScores,
  powerCpdKernel,
  trainPrecomputedSvm,
  type FoldResult,
  type PairRepresentation,
} from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import type { Align, EnsembleMember } from './args';
import { balancedSubset, KERNEL_SVM_TRAIN_PAIRS, standardise } from './restricted';
import { metricResult, type MetricResult } from './verification';

/**
 * Each member's alignment: the describer's default for the networks (DeepFace on the 3D
 * frontalization it was trained on; dlib on its face chip, mirrored), and for LBP the 3D crop,
 * its best alignment on LFW (see the README), framed as LBP's `--align 3d` runs frame it. The
 * descriptor caches are those of the single-descriptor runs with the same settings.
 */
export const MEMBER_ALIGN: Record<EnsembleMember, Align> = { deepface: '3d', dlib: 'chip', lbp: '3d' };
/** β of every member's power CPD kernel −|x − y|^β (the restricted ensemble's). */
export const ENSEMBLE_BETA = 1;
/** What each member's distance is, for reports. */
export const MEMBER_DISTANCE: Record<EnsembleMember, string> = { deepface: 'χ²', dlib: '1 − cosine', lbp: 'χ²' };

/** A member's distance between two descriptors (lower = more alike): χ² for the non-negative ones, 1 − cosine for dlib's signed values. */
export function memberDistance(member: EnsembleMember, a: Float32Array, b: Float32Array): number {
  return member === 'dlib' ? 1 - cosineSimilarity(a, b) : chiSquareDistance(a, b);
}

/**
 * The distance rows (n × M, row-major, M = members) of the pairs whose two images every member
 * described; `kept` holds the indices of those pairs in `pairs`.
 */
export function pairDistanceRows(
  pairs: readonly { path1: string; path2: string }[],
  members: readonly EnsembleMember[],
  descriptors: readonly ReadonlyMap<string, Float32Array>[],
): { rows: Float64Array; kept: number[] } {
  if (descriptors.length !== members.length) throw new Error(`pairDistanceRows: ${members.length} members but ${descriptors.length} descriptor maps`);
  const kept: number[] = [];
  pairs.forEach((p, i) => {
    if (descriptors.every((d) => d.has(p.path1) && d.has(p.path2))) kept.push(i);
  });
  const M = members.length;
  const rows = new Float64Array(kept.length * M);
  kept.forEach((i, k) => {
    const p = pairs[i]!;
    members.forEach((m, j) => (rows[k * M + j] = memberDistance(m, descriptors[j]!.get(p.path1)!, descriptors[j]!.get(p.path2)!)));
  });
  return { rows, kept };
}

/** Labelled distance rows (n × M) to train on. */
export interface DistanceSet {
  rows: Float64Array;
  labels: readonly boolean[];
}

/** The columns `columns` of n × M rows as one d = 1 power-CPD representation each. */
function representations(rows: Float64Array, M: number, columns: readonly number[]): PairRepresentation[] {
  const n = rows.length / M;
  return columns.map((c) => ({ rows: Float32Array.from({ length: n }, (_, i) => rows[i * M + c]!), d: 1, beta: ENSEMBLE_BETA }));
}

/**
 * Trains the kernel SVM (C = 1) on the members `columns` of the training rows (each distance
 * standardised on them) and scores the test rows. Same = score ≥ threshold: 0, the SVM's own
 * decision (`'sign'`), or the most accurate threshold on the training pairs' scores (`'train'`).
 */
export async function ensembleFold(
  train: DistanceSet,
  testRows: Float64Array,
  M: number,
  columns: readonly number[],
  threshold: 'sign' | 'train' = 'sign',
): Promise<{ scores: Float64Array; threshold: number; trainAccuracy: number }> {
  const trainReps = representations(train.rows, M, columns);
  const testReps = representations(testRows, M, columns);
  standardise(trainReps, testReps);
  const n = train.labels.length;
  const K = powerCpdKernel(trainReps, trainReps);
  const model = await trainPrecomputedSvm(K, n, train.labels);
  const scores = kernelSvmScores(model, powerCpdKernel(testReps, trainReps));
  const fit = threshold === 'train' ? bestThreshold(kernelSvmScores(model, K), train.labels) : { threshold: 0, accuracy: NaN };
  return { scores, threshold: fit.threshold, trainAccuracy: fit.accuracy };
}

function rowsAt(rows: Float64Array, M: number, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length * M);
  idx.forEach((i, k) => out.set(rows.subarray(i * M, (i + 1) * M), k * M));
  return out;
}

/**
 * The ensemble over the members' distances, 10-fold: for each fold, the kernel SVM over all
 * members and the same SVM on each member's distance alone are trained on that fold's training
 * pairs — by default the other folds' pairs (restricted; a seeded class-balanced subset of
 * `kernelTrainPairs`, as the restricted per-cell ensemble) or those `training` gives (e.g.
 * unrestricted identity pairs, subset alike) — and score the fold's pairs. Returns the
 * ensemble first, then each member alone (accuracy ± SE over folds; ROC, AUC, EER pooled).
 */
export async function ensembleMetrics(
  pairs: readonly { same: boolean; fold: number }[],
  rows: Float64Array,
  members: readonly EnsembleMember[],
  options: {
    training?: (fold: number) => DistanceSet;
    threshold?: 'sign' | 'train';
    kernelTrainPairs?: number;
    seed?: number;
    label?: string;
  } = {},
): Promise<MetricResult[]> {
  const { threshold = 'sign', kernelTrainPairs = KERNEL_SVM_TRAIN_PAIRS, seed = 1 } = options;
  const M = members.length;
  if (rows.length !== pairs.length * M) throw new Error(`ensembleMetrics: ${rows.length} distances for ${pairs.length} pairs × ${M} members`);
  const models: { name: string; columns: number[] }[] = [
    { name: `kernel-SVM ensemble (${members.map((m) => `${m} ${MEMBER_DISTANCE[m]}`).join(' + ')})`, columns: members.map((_, j) => j) },
    ...members.map((m, j) => ({ name: `${m} ${MEMBER_DISTANCE[m]} alone (kernel SVM)`, columns: [j] })),
  ];
  const scores = models.map(() => new Float64Array(pairs.length));
  const folds: FoldResult[][] = models.map(() => []);
  const foldIds = [...new Set(pairs.map((p) => p.fold))].sort((x, y) => x - y);
  const progress = createProgress({ label: options.label ?? 'ensemble: train folds', total: foldIds.length, unit: 'fold' });
  for (const f of foldIds) {
    const testIdx: number[] = [];
    const otherIdx: number[] = [];
    pairs.forEach((p, i) => (p.fold === f ? testIdx : otherIdx).push(i));
    const all = options.training ? options.training(f) : { rows: rowsAt(rows, M, otherIdx), labels: otherIdx.map((i) => pairs[i]!.same) };
    const subset = balancedSubset(
      all.labels.map((_, i) => i),
      (i) => all.labels[i]!,
      kernelTrainPairs,
      seed * 1000 + f,
    );
    const train = { rows: rowsAt(all.rows, M, subset), labels: subset.map((i) => all.labels[i]!) };
    const testRows = rowsAt(rows, M, testIdx);
    const testLabels = testIdx.map((i) => pairs[i]!.same);
    for (const [k, model] of models.entries()) {
      const r = await ensembleFold(train, testRows, M, model.columns, threshold);
      testIdx.forEach((i, t) => (scores[k]![i] = r.scores[t]!));
      folds[k]!.push({ fold: f, threshold: r.threshold, trainAccuracy: r.trainAccuracy, testAccuracy: accuracyAtThreshold(r.scores, testLabels, r.threshold), testPairs: testIdx.length });
    }
    progress.tick(1, models.map((m, k) => `${k === 0 ? 'ensemble' : members[k - 1]} ${folds[k]!.at(-1)!.testAccuracy.toFixed(3)}`).join(', '));
  }
  progress.done();
  const labels = pairs.map((p) => p.same);
  return models.map((m, k) => metricResult(m.name, scores[k]!, labels, folds[k]!));
}
