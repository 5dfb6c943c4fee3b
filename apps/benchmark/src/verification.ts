import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  auc,
  chiSquareDistance,
  cosineSimilarity,
  eer,
  kFoldAccuracy,
  readRocFile,
  rocChartSpec,
  rocCurve,
  writeChart,
  type KFoldResult,
  type RocCurve,
  type RocSeries,
} from '@deepface-ts/metrics';

export interface VerificationPair {
  path1: string;
  path2: string;
  same: boolean;
  /** 1-based fold. */
  fold: number;
}

export interface MetricResult {
  name: string;
  folds: KFoldResult;
  roc: RocCurve;
  auc: number;
  eer: number;
}

/**
 * Scores every pair with each unsupervised metric (χ² distance negated, cosine) and reads
 * out 10-fold accuracy (threshold from the other folds), ROC, AUC and EER. A pair whose
 * image could not be described gets the lowest score of its metric (it counts as
 * "different"), and is counted in `missingPairs`.
 */
export function verify(pairs: readonly VerificationPair[], descriptors: Map<string, Float32Array>): { metrics: MetricResult[]; missingPairs: number } {
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
    chi[i] = -chiSquareDistance(a, b);
    cos[i] = cosineSimilarity(a, b);
  });
  const labels = pairs.map((p) => p.same);
  const folds = pairs.map((p) => p.fold);
  const metrics = (
    [
      ['χ²', chi],
      ['cosine', cos],
    ] as const
  ).map(([name, scores]) => {
    if (missing.length) {
      let lo = Infinity;
      scores.forEach((s, i) => (lo = missing.includes(i) ? lo : Math.min(lo, s)));
      for (const i of missing) scores[i] = lo - 1;
    }
    const roc = rocCurve(scores, labels);
    return { name, folds: kFoldAccuracy(scores, labels, folds), roc, auc: auc(roc), eer: eer(roc) };
  });
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
