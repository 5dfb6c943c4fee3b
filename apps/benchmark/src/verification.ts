import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  auc,
  chiSquareDistance,
  cosineSimilarity,
  eer,
  kFoldAccuracy,
  meanStdErr,
  readRocFile,
  rocChartSpec,
  rocCurve,
  writeChart,
  type FoldResult,
  type KFoldResult,
  type RocCurve,
  type Scores,
  type RocSeries,
} from '@deepface-ts/metrics';

export interface VerificationPair {
  path1: string;
  path2: string;
  same: boolean;
  /** 1-based fold. */
  fold: number;
  /** Identity labels of the two images, where the dataset gives them (LFW; used by the unrestricted protocol). */
  name1?: string;
  name2?: string;
}

export interface MetricResult {
  name: string;
  folds: KFoldResult;
  roc: RocCurve;
  auc: number;
  eer: number;
}

/** A metric's read-outs: per-fold accuracies (mean ± SE over folds) and the ROC, AUC and EER of all its scores pooled. */
export function metricResult(name: string, scores: Scores, labels: readonly boolean[], folds: readonly FoldResult[]): MetricResult {
  const roc = rocCurve(scores, labels);
  return { name, folds: { ...meanStdErr(folds.map((f) => f.testAccuracy)), folds: [...folds] }, roc, auc: auc(roc), eer: eer(roc) };
}

/**
 * Read-outs of unsupervised similarity scores: 10-fold accuracy (threshold from the other
 * folds), ROC, AUC and EER. The pairs listed in `missing` (no score) get the lowest score of
 * their metric minus 1, so they count as "different".
 */
export function unsupervisedMetrics(named: readonly (readonly [string, Float64Array])[], labels: readonly boolean[], folds: readonly number[], missing: readonly number[] = []): MetricResult[] {
  const isMissing = new Set(missing);
  return named.map(([name, scores]) => {
    if (isMissing.size) {
      let lo = Infinity;
      scores.forEach((s, i) => (lo = isMissing.has(i) ? lo : Math.min(lo, s)));
      for (const i of isMissing) scores[i] = (Number.isFinite(lo) ? lo : 0) - 1;
    }
    return metricResult(name, scores, labels, kFoldAccuracy(scores, labels, folds).folds);
  });
}

/**
 * Scores every pair with each unsupervised metric (χ² distance negated, cosine) and reads
 * out 10-fold accuracy (threshold from the other folds), ROC, AUC and EER. χ² is for
 * non-negative features (histograms, ReLU outputs): pass `chi2: false` for a descriptor with
 * signed values, which is then scored by cosine only. A pair whose image could not be
 * described gets the lowest score of its metric (it counts as "different"), and is counted
 * in `missingPairs`.
 */
export function verify(
  pairs: readonly VerificationPair[],
  descriptors: Map<string, Float32Array>,
  options: { chi2?: boolean } = {},
): { metrics: MetricResult[]; missingPairs: number } {
  const withChi2 = options.chi2 ?? true;
  const chi = new Float64Array(pairs.length);
  const cos = new Float64Array(pairs.length);
  const missing: number[] = [];
  pairs.forEach((p, i) => {
    const a = descriptors.get(p.path1);
    const b = descriptors.get(p.path2);
    if (!a || !b) {
      missing.push(i);
      return;
    }
    if (withChi2) chi[i] = -chiSquareDistance(a, b);
    cos[i] = cosineSimilarity(a, b);
  });
  const named: [string, Float64Array][] = withChi2 ? [['χ²', chi], ['cosine', cos]] : [['cosine', cos]];
  const metrics = unsupervisedMetrics(
    named,
    pairs.map((p) => p.same),
    pairs.map((p) => p.fold),
    missing,
  );
  return { metrics, missingPairs: missing.length };
}

const PUBLISHED_LFW = [
  ['lbp_eurasip2009_jrs-roc.txt', 'published LBP'],
  ['funneled-pixels-roc.txt', 'published funneled pixels'],
  ['deepface_ensemble.txt', 'published DeepFace ensemble'],
] as const;

/** Draws our ROC curves (linear and log FPR), with the published LFW curves when `rocDir` has them. */
export async function drawRoc(metrics: readonly MetricResult[], title: string, outBase: string, rocDir?: string): Promise<string[]> {
  const series: RocSeries[] = metrics.map((m) => ({ name: `ours ${m.name} (${m.folds.mean.toFixed(3)})`, fpr: m.roc.fpr, tpr: m.roc.tpr }));
  if (rocDir) {
    for (const [file, name] of PUBLISHED_LFW) {
      const path = join(rocDir, file);
      if (existsSync(path)) series.push(await readRocFile(path, name));
    }
  }
  const a = await writeChart(rocChartSpec(series, { title }), outBase);
  const b = await writeChart(rocChartSpec(series, { title: `${title} (log FPR)`, logFpr: true, minFpr: 1e-3 }), `${outBase}-log`);
  return [a.png, a.svg, b.png, b.svg];
}

export function verificationTable(metrics: readonly MetricResult[]): string {
  const rows = metrics.map(
    (m) => `| ${m.name} | ${m.folds.mean.toFixed(4)} ± ${m.folds.se.toFixed(4)} | ${m.auc.toFixed(4)} | ${m.eer.toFixed(4)} | ${m.folds.folds.map((f) => f.testAccuracy.toFixed(3)).join(' ')} |`,
  );
  return ['| metric | accuracy ± SE | AUC | EER | per-fold accuracy |', '|---|---|---|---|---|', ...rows].join('\n');
}
