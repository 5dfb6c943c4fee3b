/**
 * Real-data check of semantic bootstrapping on LFW: are the identities whose hyperplanes
 * are nearest to a seed's hyperplane harder for the verifier than random identities?
 *
 *   pnpm --filter @deepface-ts/bootstrap eval [--people N] [--seeds N] [--k N]
 *
 * People with ≥ 4 images (lfw-names.txt). Features: root-LBP (uniform LBP, 7×7 cells,
 * Hellinger) of a centre crop of the deep-funneled image, mean-centred and L2-normalised.
 * Each person's images are split in two halves: hyperplanes (one-vs-all linear SVM, 500
 * negatives) are trained on the even-numbered images; the verifier (cosine of the features,
 * DeepFace's unsupervised metric) scores cross-identity pairs of odd-numbered images only,
 * so neighbours are not found and scored on the same images. For each seed: its k nearest
 * hyperplanes (cosine, ExactIndex) vs k random other identities; a cross-identity pair
 * (seed image, other image) is scored. Reports mean pair scores and the false-accept rate
 * of each group at the threshold where random identities are falsely accepted 1 % of the time.
 * Ends with ONE JSON line. Datasets: $DEEPFACE_DATASETS or <repo>/../shared/datasets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetsRoot, decodeEach } from '@deepface-ts/datasets';
import { lbpDescriptor } from '@deepface-ts/lbp';
import { ExactIndex } from '../src/exact-index';
import { drawDistinct } from '../src/expand';
import { trainHyperplanes } from '../src/train';
import { plotDensities } from './png';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const MAX_PEOPLE = opt('people', Infinity);
const SEEDS = opt('seeds', 100);
const K = opt('k', 10);

const lfw = join(datasetsRoot(), 'lfw');
if (!existsSync(join(lfw, 'lfw-names.txt'))) {
  console.error(`LFW not found at ${lfw} (set DEEPFACE_DATASETS): skipping the real-data check`);
  process.exit(0);
}

// People with at least 4 images, in file order.
const people: { name: string; count: number }[] = [];
for (const line of readFileSync(join(lfw, 'lfw-names.txt'), 'utf8').split('\n')) {
  const [name, count] = line.trim().split(/\s+/);
  if (name && Number(count) >= 4 && people.length < MAX_PEOPLE) people.push({ name, count: Number(count) });
}
const files: string[] = [];
const personOf: number[] = [];
const indexInPerson: number[] = [];
people.forEach((p, pi) => {
  for (let i = 1; i <= p.count; i++) {
    files.push(join(lfw, 'lfw-deepfunneled', p.name, `${p.name}_${String(i).padStart(4, '0')}.jpg`));
    personOf.push(pi);
    indexInPerson.push(i);
  }
});

const CROP = { x: 70, y: 65, width: 110, height: 130 }; // the face in a deep-funneled 250×250 image
const lbpOptions = { grid: [7, 7] as const, sqrt: true, crop: CROP };
let dim = 0;
const feats: (Float32Array | undefined)[] = new Array(files.length);
let bad = 0;
for await (const d of decodeEach(files, { progress: 'LFW decode + LBP', onBadFile: (f) => console.error(`skipped ${f.source}: ${f.error.message}`) })) {
  const f = lbpDescriptor(d.image, lbpOptions, d.source);
  dim = f.length;
  feats[d.index] = f;
}
// Mean-centre and L2-normalise (cosine on raw histograms is dominated by their common mean).
const mean = new Float64Array(dim);
let nOk = 0;
for (const f of feats) {
  if (!f) {
    bad++;
    continue;
  }
  nOk++;
  for (let j = 0; j < dim; j++) mean[j] += f[j];
}
for (let j = 0; j < dim; j++) mean[j] /= nOk;
for (const f of feats) {
  if (!f) continue;
  let ss = 0;
  for (let j = 0; j < dim; j++) {
    f[j] -= mean[j];
    ss += f[j] * f[j];
  }
  const inv = 1 / Math.sqrt(ss);
  for (let j = 0; j < dim; j++) f[j] *= inv;
}

// Training half (even image numbers) → hyperplanes; test half (odd) → verifier pairs.
const trainRows: number[] = [];
const testOf: number[][] = people.map(() => []);
files.forEach((_, i) => {
  if (!feats[i]) return;
  if (indexInPerson[i] % 2 === 0) trainRows.push(i);
  else testOf[personOf[i]].push(i);
});
const X = new Float32Array(trainRows.length * dim);
const y = new Int32Array(trainRows.length);
trainRows.forEach((r, i) => {
  X.set(feats[r]!, i * dim);
  y[i] = personOf[r];
});
const h = await trainHyperplanes(X, y, dim, { negatives: 500, threads: 2, progress: 'LFW hyperplanes' });

const index = new ExactIndex({ dim, precisions: ['f32'] });
index.addSync(h.w);

function pairScores(a: number, b: number, out: number[]): void {
  for (const i of testOf[a])
    for (const j of testOf[b]) {
      const fi = feats[i]!;
      const fj = feats[j]!;
      let s = 0;
      for (let t = 0; t < dim; t++) s += fi[t] * fj[t];
      out.push(s);
    }
}

const seeds = drawDistinct(people.length, Math.min(SEEDS, people.length), 7);
const nearScores: number[] = [];
const randomScores: number[] = [];
let seedsNearHarder = 0;
let rngState = 12345;
const rand = () => ((rngState = (Math.imul(rngState, 1103515245) + 12345) >>> 0) / 4294967296);
const nearExample: string[] = [];
for (const s of seeds) {
  const hits = index.searchSync(h.w.subarray(s * dim, (s + 1) * dim), K + 1);
  const near = Array.from(hits.ids).filter((p) => p !== s).slice(0, K);
  const random: number[] = [];
  while (random.length < K) {
    const p = Math.floor(rand() * people.length);
    if (p !== s && !random.includes(p)) random.push(p);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (const p of near) pairScores(s, p, a);
  for (const p of random) pairScores(s, p, b);
  const ma = a.reduce((x, v) => x + v, 0) / a.length;
  const mb = b.reduce((x, v) => x + v, 0) / b.length;
  if (ma > mb) seedsNearHarder++;
  nearScores.push(...a);
  randomScores.push(...b);
  if (nearExample.length < 3) nearExample.push(`${people[s].name} → ${near.slice(0, 3).map((p) => people[p].name).join(', ')}`);
}
// Same-identity pairs on the test half, for scale.
const sameScores: number[] = [];
people.forEach((_, p) => {
  const t = testOf[p];
  for (let i = 0; i < t.length; i++)
    for (let j = i + 1; j < t.length; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += feats[t[i]]![d] * feats[t[j]]![d];
      sameScores.push(s);
    }
});
const mean1 = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
const sorted = [...randomScores].sort((a, b) => a - b);
const threshold = sorted[Math.floor(0.99 * (sorted.length - 1))];
const far = (xs: number[]) => xs.filter((v) => v > threshold).length / xs.length;
const result = {
  people: people.length,
  images: nOk,
  bad_images: bad,
  dim,
  seeds: seeds.length,
  k: K,
  near_pair_score_mean: Number(mean1(nearScores).toFixed(4)),
  random_pair_score_mean: Number(mean1(randomScores).toFixed(4)),
  same_pair_score_mean: Number(mean1(sameScores).toFixed(4)),
  threshold_random_far_1pct: Number(threshold.toFixed(4)),
  near_far_at_threshold: Number(far(nearScores).toFixed(4)),
  random_far_at_threshold: Number(far(randomScores).toFixed(4)),
  seeds_where_near_harder: seedsNearHarder,
  near_pairs: nearScores.length,
  random_pairs: randomScores.length,
  hyperplane_seconds: Number(h.seconds.toFixed(2)),
};
console.log(`\nLFW real-data check: ${people.length} people with ≥ 4 images, ${nOk} images, root-LBP ${dim}-D`);
console.log(`  seeds ${seeds.length}, k = ${K} nearest hyperplanes vs ${K} random identities`);
console.log(`  mean cosine of cross-identity pairs: nearest-hyperplane identities ${result.near_pair_score_mean}, random identities ${result.random_pair_score_mean} (same identity: ${result.same_pair_score_mean})`);
console.log(`  false accepts at the threshold ${result.threshold_random_far_1pct} (random FAR 1 %): nearest ${(100 * result.near_far_at_threshold).toFixed(1)} %, random ${(100 * result.random_far_at_threshold).toFixed(1)} %`);
console.log(`  seeds whose nearest identities score higher than their random ones: ${seedsNearHarder}/${seeds.length}`);
for (const e of nearExample) console.log(`  e.g. ${e}`);
const plot = join(tmpdir(), 'deepface-bootstrap-lfw-check.png');
plotDensities(
  plot,
  [
    { scores: randomScores, colour: [60, 90, 200] },
    { scores: nearScores, colour: [220, 60, 40] },
    { scores: sameScores, colour: [40, 160, 60] },
  ],
  threshold,
);
console.log(`  plot: ${plot} (score densities: blue random identities, red nearest-hyperplane identities, green same identity; dashed: the 1 % FAR threshold; ticks every 0.1, long tick at 0)`);
console.log(JSON.stringify(result));
