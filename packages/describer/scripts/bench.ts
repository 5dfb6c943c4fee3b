/**
 * The whole pipeline per LFW image, one core: decode → detect (SSD + 68 landmarks) → align →
 * describe, for each describer configuration in the same run, with each stage timed.
 *
 *   pnpm --filter @deepface-ts/describer bench [images=100]
 *
 * Configurations: dlib on its chip (the default, ± mirroring), dlib on face-api's box crop and
 * on our 3D crop, and the DeepFace model on its 3D crop (the path verify used before). The first
 * `images` people's first photos (alphabetical); 5 warm-up images first. Mean ms per image per
 * stage; a table, then one JSON line.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsRoot, decodeImage } from '@deepface-ts/datasets';
import { createFaceDetector, type DetectedFace } from '@deepface-ts/detect';
import { chooseFace } from '@deepface-ts/frontalize';
import { createDescriber, DLIB_DEFAULTS, type DescriberOptions } from '../src/index';

const lfwDir = join(datasetsRoot(), 'lfw', 'lfw-deepfunneled');
if (!existsSync(lfwDir)) {
  console.error(`LFW not found at ${lfwDir}; set DEEPFACE_DATASETS to the folder holding lfw/`);
  process.exit(2);
}
const count = Number(process.argv.slice(2).find((a) => a !== '--') ?? 100);
if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`images must be a whole number ≥ 1, got ${process.argv[2]}`);
const WARMUP = 5;
const files = readdirSync(lfwDir).sort().map((p) => join(lfwDir, p, `${p}_0001.jpg`)).filter(existsSync).slice(0, count + WARMUP);

const CONFIGS: [string, DescriberOptions][] = [
  ['dlib-chip', { descriptor: 'dlib', align: 'chip', mirror: false }],
  ['dlib-chip-mirror', { descriptor: 'dlib', align: 'chip', mirror: true }],
  ['dlib-box', { descriptor: 'dlib', align: 'box', mirror: false }],
  ['dlib-3d', { descriptor: 'dlib', align: '3d', mirror: false }],
  ['deepface-3d', { descriptor: 'deepface', align: '3d' }],
];

const detector = await createFaceDetector();
const rows: Record<string, number | string>[] = [];
for (const [name, options] of CONFIGS) {
  const describer = await createDescriber({ ...options, detector, requireThreshold: false });
  const t = { decode: 0, detect: 0, align: 0, describe: 0 };
  let n = 0;
  for (const [i, file] of files.entries()) {
    const t0 = performance.now();
    const image = await decodeImage(file);
    const t1 = performance.now();
    const face: DetectedFace | undefined = chooseFace(await describer.detect(image), 'nearest-centre', image.width, image.height);
    const t2 = performance.now();
    if (!face) continue;
    const crop = await describer.crop(image, face, file);
    const t3 = performance.now();
    await describer.describeCrops([crop]);
    const t4 = performance.now();
    if (i < WARMUP) continue;
    t.decode += t1 - t0;
    t.detect += t2 - t1;
    t.align += t3 - t2;
    t.describe += t4 - t3;
    n++;
  }
  describer.dispose();
  const ms = (v: number) => +(v / n).toFixed(2);
  const row = { config: name, images: n, decode_ms: ms(t.decode), detect_ms: ms(t.detect), align_ms: ms(t.align), describe_ms: ms(t.describe), total_ms: ms(t.decode + t.detect + t.align + t.describe) };
  rows.push(row);
  console.log(`${name.padEnd(18)} ${String(n).padStart(4)} images  decode ${row.decode_ms.toFixed(1).padStart(5)}  detect+landmarks ${row.detect_ms.toFixed(1).padStart(5)}  align ${row.align_ms.toFixed(2).padStart(5)}  describe ${row.describe_ms.toFixed(1).padStart(5)}  total ${row.total_ms.toFixed(1).padStart(5)} ms`);
}
detector.dispose();
const total = (c: string) => rows.find((r) => r.config === c)!.total_ms as number;
console.log(JSON.stringify({ images: count, pipeline_ms: Object.fromEntries(rows.map((r) => [r.config, r.total_ms])), stages: rows, default_pipeline_ms: total(DLIB_DEFAULTS.mirror ? 'dlib-chip-mirror' : 'dlib-chip'), chip_vs_3d_speedup: +(total('dlib-3d') / total('dlib-chip')).toFixed(2) }));
