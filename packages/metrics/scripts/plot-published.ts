// Draws every published LFW ROC curve (../shared/datasets/lfw/roc-files) on linear and log
// FPR axes, to check the reader and the chart by eye. Usage:
//   pnpm --filter @deepface-ts/metrics exec tsx scripts/plot-published.ts [outDir]
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bestBalancedAccuracy, readRocFile, rocChartSpec, writeChart } from '../src/plot';

const datasets = process.env.DEEPFACE_DATASETS ?? resolve(import.meta.dirname, '../../../../shared/datasets');
const rocDir = join(datasets, 'lfw', 'roc-files');
const outDir = process.argv[2] ?? join(process.cwd(), 'plots');
const files = (await readdir(rocDir)).filter((f) => f.endsWith('.txt')).sort();
const series = [];
for (const f of files) {
  const s = await readRocFile(join(rocDir, f));
  const acc = bestBalancedAccuracy(s);
  series.push({ ...s, name: `${s.name} (${acc.toFixed(3)})`, dashed: false });
  console.log(`${f}: ${s.fpr.length} points, best balanced accuracy ${acc.toFixed(4)}`);
}
const a = await writeChart(rocChartSpec(series, { title: 'Published LFW ROC curves' }), join(outDir, 'published-roc'));
const b = await writeChart(rocChartSpec(series, { title: 'Published LFW ROC curves (log FPR)', logFpr: true, minFpr: 1e-3 }), join(outDir, 'published-roc-log'));
console.log(JSON.stringify({ files: files.length, outputs: [a.png, b.png] }));
