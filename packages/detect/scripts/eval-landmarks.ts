/**
 * Landmark accuracy against human annotations: CFP frontal images (Sengupta et al., 2016)
 * carry 30 hand-placed fiducials on one half of the face. Fourteen of them are the same
 * anatomical points as iBUG-68 indices (checked by drawing them):
 *   CFP 12–17 → iBUG 36–41 (image-left eye: outer corner, two upper lid, inner corner, two lower lid)
 *   CFP 18 → 27 (top of nose bridge), 21 → 30 (nose tip), 24 → 31 (left nostril edge)
 *   CFP 25 → 48 (left mouth corner), 26 → 51 (top of upper lip), 28 → 57 (bottom of lower lip)
 *   CFP 8 → 8 (chin)
 * Error = mean distance over these points / eye–chin distance (CFP eye centre to CFP chin),
 * per image. Baseline in the same run: a fixed mean shape placed in the same detected box
 * (what the box alone predicts, without the landmark net).
 *
 *   pnpm --filter @deepface-ts/detect eval:landmarks [people=300]
 *
 * First frontal image (01.jpg) of the first N people. Table, then one JSON line.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createProgress } from '@deepface-ts/progress';
import { createFaceDetector, type FaceBox } from '../src/index';
import { datasets, decodeRgb, median } from './lfw';

const cfp = join(datasets, 'cfp/Data');
if (!existsSync(cfp)) {
  console.error(`CFP not found at ${cfp}; set DEEPFACE_DATASETS to the folder holding cfp/`);
  process.exit(2);
}
const n = Number(process.argv[2] ?? 300);
const PAIRS: [number, number][] = [
  [12, 36], [13, 37], [14, 38], [15, 39], [16, 40], [17, 41],
  [18, 27], [21, 30], [24, 31], [25, 48], [26, 51], [28, 57], [8, 8],
];

// Images live under Images/{train,test}/NNN/frontal/01.jpg, fiducials under Fiducials/NNN/frontal/01.txt.
const imageOf = new Map<string, string>();
for (const split of readdirSync(join(cfp, 'Images'))) {
  for (const id of readdirSync(join(cfp, 'Images', split))) imageOf.set(id, join(cfp, 'Images', split, id, 'frontal/01.jpg'));
}
const ids = [...imageOf.keys()].sort().slice(0, n);

function readFiducials(file: string): Float64Array {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  if (lines.length !== 30) throw new Error(`${file}: expected 30 lines of "x,y", got ${lines.length}`);
  const out = new Float64Array(60);
  lines.forEach((l, i) => {
    const [x, y] = l.split(',').map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${file}:${i + 1}: cannot parse "${l}"`);
    out[2 * i] = x!;
    out[2 * i + 1] = y!;
  });
  return out;
}

// SSD input size: 'auto' (default) or a fixed size from the second argument, to compare.
const sizeArg = process.argv[3];
const ssd = await createFaceDetector({ inputSize: sizeArg ? Number(sizeArg) : 'auto' });
interface Sample { lm: Float32Array; gt: Float64Array; box: FaceBox; norm: number }
const samples: Sample[] = [];
let missed = 0;
let failed = 0;
const progress = createProgress({ label: 'CFP frontal', total: ids.length, unit: 'img' });
for (const id of ids) {
  try {
    const gt = readFiducials(join(cfp, 'Fiducials', id, 'frontal/01.txt'));
    const img = await decodeRgb(imageOf.get(id)!);
    let ex = 0;
    let ey = 0;
    for (let i = 12; i <= 17; i++) {
      ex += gt[2 * i]! / 6;
      ey += gt[2 * i + 1]! / 6;
    }
    const norm = Math.hypot(gt[16]! - ex, gt[17]! - ey); // eye centre → chin (point 8)
    // The annotated face: the detection whose box holds the annotated eye centre.
    const face = (await ssd.detect(img)).find((f) => ex > f.box.x && ex < f.box.x + f.box.width && ey > f.box.y && ey < f.box.y + f.box.height);
    if (!face) missed++;
    else samples.push({ lm: face.landmarks, gt, box: face.box, norm });
  } catch (err) {
    failed++;
    console.error(`skipping ${id}: ${(err as Error).message}`);
  }
  progress.tick(1, `missed ${missed}`);
}
progress.done();
ssd.dispose();

// Mean shape in box-normalised coordinates, from the net's own outputs (no ground truth used).
const mean = new Float64Array(136);
for (const s of samples) for (let k = 0; k < 68; k++) {
  mean[2 * k] += (s.lm[2 * k]! - s.box.x) / s.box.width / samples.length;
  mean[2 * k + 1] += (s.lm[2 * k + 1]! - s.box.y) / s.box.height / samples.length;
}

function nme(s: Sample, pts: (k: number) => [number, number]): number {
  let e = 0;
  for (const [c, k] of PAIRS) {
    const [x, y] = pts(k);
    e += Math.hypot(x - s.gt[2 * c]!, y - s.gt[2 * c + 1]!);
  }
  return e / PAIRS.length / s.norm;
}
const net = samples.map((s) => nme(s, (k) => [s.lm[2 * k]!, s.lm[2 * k + 1]!]));
const base = samples.map((s) => nme(s, (k) => [s.box.x + mean[2 * k]! * s.box.width, s.box.y + mean[2 * k + 1]! * s.box.height]));
const perPoint = PAIRS.map(([c, k]) => median(samples.map((s) => Math.hypot(s.lm[2 * k]! - s.gt[2 * c]!, s.lm[2 * k + 1]! - s.gt[2 * c + 1]!) / s.norm)));
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const within = (xs: number[], t: number) => xs.filter((x) => x < t).length / xs.length;

console.log(`\nCFP frontal 01.jpg, ${ids.length} people: ${samples.length} evaluated, ${missed} without a detection on the annotated face, ${failed} unreadable`);
console.log('error / eye–chin distance   mean    median  <5%     <10%');
for (const [name, xs] of [['landmark net', net], ['mean shape in box', base]] as const) {
  console.log(`${name.padEnd(26)} ${(100 * avg(xs)).toFixed(2).padStart(6)}% ${(100 * median(xs)).toFixed(2).padStart(6)}% ${(100 * within(xs, 0.05)).toFixed(1).padStart(5)}% ${(100 * within(xs, 0.1)).toFixed(1).padStart(5)}%`);
}
console.log('median error per point (iBUG index: %):', PAIRS.map(([, k], i) => `${k}: ${(100 * perPoint[i]!).toFixed(1)}`).join(', '));
console.log(JSON.stringify({
  people: ids.length, evaluated: samples.length, missed_detections: missed, unreadable: failed,
  nme_mean: +avg(net).toFixed(4), nme_median: +median(net).toFixed(4), under_5pct: +within(net, 0.05).toFixed(4), under_10pct: +within(net, 0.1).toFixed(4),
  baseline_mean_shape_nme_mean: +avg(base).toFixed(4), baseline_mean_shape_nme_median: +median(base).toFixed(4),
}));
