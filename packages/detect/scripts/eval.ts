/**
 * Detection quality on LFW: for N people (first image each), does each detector
 * configuration find exactly one face whose box centre lies within 35 px of the image centre
 * (LFW deep-funneled crops are 250×250 with the labelled face centred)? Also checks the
 * landmarks' geometry (eye line, nose, mouth order) for that face.
 *
 *   pnpm --filter @deepface-ts/detect eval [N=300] [config,config,…]
 *
 * Prints a table, then one JSON line.
 */
import { createProgress } from '@deepface-ts/progress';
import { createFaceDetector, eyeCenters, type DetectedFace, type FaceDetectorOptions } from '../src/index';
import { decodeAll, lfwSample, median, requireLfw } from './lfw';

requireLfw();
const n = Number(process.argv[2] ?? 300);
// Optional second argument: comma-separated config names to run (default: all).
const only = process.argv[3]?.split(',');

const configs: [string, FaceDetectorOptions][] = [
  ['ssd-auto', { detector: 'ssd' }],
  ['ssd-512', { detector: 'ssd', inputSize: 512 }],
  ['ssd-256', { detector: 'ssd', inputSize: 256 }],
  ['ssd-128', { detector: 'ssd', inputSize: 128 }],
  ['tiny-auto', { detector: 'tiny' }],
  ['tiny-416', { detector: 'tiny', inputSize: 416 }],
  ['tiny-320', { detector: 'tiny', inputSize: 320 }],
  ['tiny-256', { detector: 'tiny', inputSize: 256 }],
];

function saneLandmarks(f: DetectedFace): boolean {
  const lm = f.landmarks;
  const { left, right } = eyeCenters(lm);
  const iod = Math.hypot(right.x - left.x, right.y - left.y);
  const ux = (right.x - left.x) / iod;
  const uy = (right.y - left.y) / iod;
  const frame = (i: number) => ({ u: (lm[2 * i]! - left.x) * ux + (lm[2 * i + 1]! - left.y) * uy, v: -(lm[2 * i]! - left.x) * uy + (lm[2 * i + 1]! - left.y) * ux });
  const nose = frame(30);
  const ml = frame(48);
  const mr = frame(54);
  return ux > 0 && nose.u > 0 && nose.u < iod && nose.v > 0.2 * iod && (ml.v + mr.v) / 2 > nose.v && ml.u < mr.u;
}

const sample = lfwSample(n);
const decoding = createProgress({ label: 'decode LFW', total: sample.length, unit: 'img' });
const decoded = await decodeAll(sample, () => decoding.tick());
decoding.done();
const images = decoded.map((d) => d.image);
const files = decoded.map((d) => d.file);

const rows: Record<string, { found: number; extra: number; sane: number; median_ms: number; median_cpu_ms: number }> = {};
for (const [name, opts] of configs.filter(([name]) => !only || only.includes(name))) {
  const det = await createFaceDetector(opts);
  await det.detect(images[0]!); // warm-up
  const progress = createProgress({ label: name, total: images.length, unit: 'img' });
  let found = 0;
  let extra = 0;
  let sane = 0;
  const ms: number[] = [];
  const cpu: number[] = [];
  const misses: string[] = [];
  for (const [i, img] of images.entries()) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const faces = await det.detect(img);
    ms.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
    const central = faces.filter((f) => Math.hypot(f.box.x + f.box.width / 2 - 125, f.box.y + f.box.height / 2 - 125) < 35);
    if (central.length === 1) {
      found++;
      if (saneLandmarks(central[0]!)) sane++;
    } else misses.push(files[i]!.split('/').pop()!);
    if (faces.length > central.length) extra++;
    progress.tick(1, `found ${found}/${i + 1}`);
  }
  progress.done();
  det.dispose();
  rows[name] = { found: found / images.length, extra: extra / images.length, sane: sane / Math.max(1, found), median_ms: median(ms), median_cpu_ms: median(cpu) };
  if (misses.length) console.error(`${name} misses: ${misses.slice(0, 10).join(', ')}${misses.length > 10 ? ', …' : ''}`);
}

console.log(`\nLFW, ${images.length} people (first image each); machine may be shared, times are noisy`);
console.log('config     central-face  other-faces  sane-landmarks  median ms/img, detect + landmarks (wall / process cpu)');
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name.padEnd(10)} ${(100 * r.found).toFixed(1).padStart(11)}% ${(100 * r.extra).toFixed(1).padStart(11)}% ${(100 * r.sane).toFixed(1).padStart(14)}% ${r.median_ms.toFixed(1).padStart(10)} / ${r.median_cpu_ms.toFixed(1)}`);
}
console.log(JSON.stringify({ images: images.length, ...Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, { central_face_rate: +r.found.toFixed(4), other_faces_rate: +r.extra.toFixed(4), sane_landmark_rate: +r.sane.toFixed(4), median_ms: +r.median_ms.toFixed(2), median_cpu_ms: +r.median_cpu_ms.toFixed(2) }])) }));
