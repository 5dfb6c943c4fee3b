// Reproduces the classic LBP baseline on LFW View 2 (unsupervised): uniform LBP grid
// histograms of a centre crop of each deep-funneled image, χ² distance, threshold chosen on
// the 9 training folds, mean ± SE over the 10 folds; draws our ROC beside the published LBP
// curve. Reads ../shared/datasets (or $DEEPFACE_DATASETS); writes plots to --out.
//
//   pnpm --filter @deepface-ts/lbp eval [--crop 100] [--radius 2] [--grid 7] [--sqrt] [--out dir]
//
// The last stdout line is one JSON object with the numbers.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
} from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import sharp from 'sharp';
import { lbpDescriptor, type LbpOptions } from '../src/index';

const { values: args } = parseArgs({
  options: {
    crop: { type: 'string', default: '100' },
    radius: { type: 'string', default: '2' },
    grid: { type: 'string', default: '7' },
    sqrt: { type: 'boolean', default: false },
    out: { type: 'string', default: join(process.cwd(), 'lfw-baseline') },
    data: { type: 'string' },
  },
});
const datasets = args.data ?? process.env.DEEPFACE_DATASETS ?? resolve(import.meta.dirname, '../../../../shared/datasets');
const lfw = join(datasets, 'lfw');
const imageRoot = join(lfw, 'lfw-deepfunneled');
if (!existsSync(join(lfw, 'pairs.txt')) || !existsSync(imageRoot)) {
  console.error(`LFW not found: expected ${join(lfw, 'pairs.txt')} and ${imageRoot} (set DEEPFACE_DATASETS or --data)`);
  process.exit(2);
}

// ---- pairs.txt (View 2): "10 300", then per fold 300 "name i j" and 300 "name1 i name2 j" ----
interface Pair { a: string; b: string; same: boolean; fold: number }
const imagePath = (name: string, n: string) => `${name}/${name}_${n.padStart(4, '0')}.jpg`;
const lines = (await readFile(join(lfw, 'pairs.txt'), 'utf8')).split(/\r?\n/).filter((l) => l.trim());
const [folds, perFold] = lines[0]!.trim().split(/\s+/).map(Number) as [number, number];
const pairs: Pair[] = [];
for (let i = 1; i < lines.length; i++) {
  const f = lines[i]!.trim().split(/\s+/);
  const fold = Math.floor((i - 1) / (2 * perFold));
  if (f.length === 3) pairs.push({ a: imagePath(f[0]!, f[1]!), b: imagePath(f[0]!, f[2]!), same: true, fold });
  else if (f.length === 4) pairs.push({ a: imagePath(f[0]!, f[1]!), b: imagePath(f[2]!, f[3]!), same: false, fold });
  else throw new Error(`${join(lfw, 'pairs.txt')}:${i + 1}: expected 3 or 4 fields, got "${lines[i]}"`);
}
if (pairs.length !== folds * perFold * 2) throw new Error(`pairs.txt: ${pairs.length} pairs, header says ${folds}×2×${perFold}`);

const crop = Number(args.crop);
const options: LbpOptions = {
  radius: Number(args.radius),
  grid: [Number(args.grid), Number(args.grid)],
  sqrt: args.sqrt,
};

// ---- describe every image once (decode with sharp, then LBP) ----
const unique = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const descriptors = new Map<string, Float32Array>();
const failed: string[] = [];
const progress = createProgress({ label: 'LBP on LFW', total: unique.length, unit: 'img' });
const t0 = performance.now();
let next = 0;
async function worker() {
  while (next < unique.length) {
    const rel = unique[next++]!;
    try {
      const { data, info } = await sharp(join(imageRoot, rel)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const img = { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
      const x = Math.floor((img.width - crop) / 2);
      const y = Math.floor((img.height - crop) / 2);
      descriptors.set(rel, lbpDescriptor(img, { ...options, crop: { x, y, width: crop, height: crop } }, rel));
    } catch (err) {
      // One unreadable image must not end a long run: its pairs are reported and scored as "different".
      failed.push(`${rel}: ${(err as Error).message}`);
    }
    progress.tick();
  }
}
await Promise.all(Array.from({ length: 4 }, worker));
progress.done();
const describeSeconds = (performance.now() - t0) / 1000;
if (failed.length) console.error(`${failed.length} images failed:\n  ${failed.slice(0, 10).join('\n  ')}`);

// ---- scores, folds, read-outs ----
const chi = new Float64Array(pairs.length);
const cos = new Float64Array(pairs.length);
pairs.forEach((p, i) => {
  const a = descriptors.get(p.a);
  const b = descriptors.get(p.b);
  chi[i] = a && b ? -chiSquareDistance(a, b) : -Infinity;
  cos[i] = a && b ? cosineSimilarity(a, b) : -1;
});
const labels = pairs.map((p) => p.same);
const foldOf = pairs.map((p) => p.fold);
const minFinite = Math.min(...Array.from(chi).filter(Number.isFinite));
for (let i = 0; i < chi.length; i++) if (!Number.isFinite(chi[i]!)) chi[i] = minFinite - 1;
const chiFolds = kFoldAccuracy(chi, labels, foldOf);
const cosFolds = kFoldAccuracy(cos, labels, foldOf);
const chiRoc = rocCurve(chi, labels);
const cosRoc = rocCurve(cos, labels);
const name = `LBP r${options.radius} ${args.grid}×${args.grid} crop ${crop}${args.sqrt ? ' sqrt' : ''}`;
console.log(`${name}: χ² accuracy ${chiFolds.mean.toFixed(4)} ± ${chiFolds.se.toFixed(4)}, AUC ${auc(chiRoc).toFixed(4)}, EER ${eer(chiRoc).toFixed(4)}`);
console.log(`${name}: cosine accuracy ${cosFolds.mean.toFixed(4)} ± ${cosFolds.se.toFixed(4)}, AUC ${auc(cosRoc).toFixed(4)}, EER ${eer(cosRoc).toFixed(4)}`);

const published = await readRocFile(join(lfw, 'roc-files', 'lbp_eurasip2009_jrs-roc.txt'), 'published LBP (0.695)');
const chart = await writeChart(
  rocChartSpec(
    [
      { name: `ours χ² (${chiFolds.mean.toFixed(3)})`, ...chiRoc },
      { name: `ours cosine (${cosFolds.mean.toFixed(3)})`, ...cosRoc },
      published,
    ],
    { title: `LFW View 2, ${name}, unsupervised` },
  ),
  join(args.out, 'roc-lbp'),
);
console.error(`ROC written to ${chart.png}`);
console.log(
  JSON.stringify({
    protocol: 'lfw',
    descriptor: 'lbp',
    align: 'none',
    options: { ...options, crop },
    images: unique.length,
    failedImages: failed.length,
    describeSeconds: Number(describeSeconds.toFixed(1)),
    accuracy: Number(chiFolds.mean.toFixed(4)),
    se: Number(chiFolds.se.toFixed(4)),
    auc: Number(auc(chiRoc).toFixed(4)),
    eer: Number(eer(chiRoc).toFixed(4)),
    cosine: { accuracy: Number(cosFolds.mean.toFixed(4)), se: Number(cosFolds.se.toFixed(4)), auc: Number(auc(cosRoc).toFixed(4)) },
  }),
);
