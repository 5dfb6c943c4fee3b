/**
 * Face verification on LFW View 2 with the recognition net at face-api's fixed threshold.
 *
 *   pnpm --filter @deepface-ts/detect eval:recognition [folds=1]
 *
 * For the pairs of the first `folds` folds of pairs.txt: detect (SSD + landmarks, the face
 * nearest the centre), crop, describe, and call a pair "same" when the Euclidean distance is
 * below 0.6 (no training). Two crops side by side: face-api's (`recognitionBox`: landmarks'
 * bounding box + 20 %) and the raw SSD box. Also prints the accuracy at the best threshold
 * (chosen on the same pairs, so optimistic). Prints a table, then one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '@deepface-ts/image';
import { createProgress } from '@deepface-ts/progress';
import { createFaceDetector, createFaceRecognizer, descriptorDistance, recognitionBox, RECOGNITION_THRESHOLD, type FaceBox } from '../src/index';
import { decodeRgb, lfwDir, requireLfw } from './lfw';
import { cropBox } from './crop-box';

requireLfw();
const folds = Number(process.argv[2] ?? 1);
const lines = readFileSync(join(lfwDir, '..', 'pairs.txt'), 'utf8').trim().split('\n');
const [nFolds, perFold] = lines[0]!.split(/\s+/).map(Number) as [number, number];
if (!(folds >= 1 && folds <= nFolds)) throw new RangeError(`folds must be 1..${nFolds}, got ${process.argv[2]}`);
const file = (name: string, i: string) => join(lfwDir, name, `${name}_${i.padStart(4, '0')}.jpg`);
const pairs = lines.slice(1, 1 + folds * 2 * perFold).map((l) => {
  const t = l.split('\t');
  return t.length === 3 ? { a: file(t[0]!, t[1]!), b: file(t[0]!, t[2]!), same: true } : { a: file(t[0]!, t[1]!), b: file(t[2]!, t[3]!), same: false };
});


const CROPS = { faceapi: (f: { box: FaceBox; landmarks: Float32Array }) => recognitionBox(f.landmarks), ssd_box: (f: { box: FaceBox }) => f.box };
type CropName = keyof typeof CROPS;
const detector = await createFaceDetector();
const recognizer = await createFaceRecognizer();
const descriptors: Record<CropName, Map<string, Float32Array>> = { faceapi: new Map(), ssd_box: new Map() };
const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
const progress = createProgress({ label: 'eval:recognition', total: images.length, unit: 'img' });
let noFace = 0;
for (const path of images) {
  const image = await decodeRgb(path);
  const faces = await detector.detect(image);
  progress.tick();
  if (faces.length === 0) {
    noFace++;
    continue;
  }
  const dist = (f: (typeof faces)[0]) => Math.hypot(f.box.x + f.box.width / 2 - image.width / 2, f.box.y + f.box.height / 2 - image.height / 2);
  const face = faces.reduce((a, b) => (dist(b) < dist(a) ? b : a));
  const names = Object.keys(CROPS) as CropName[];
  const out = await recognizer.describe(names.map((n) => cropBox(image, CROPS[n](face))));
  names.forEach((n, i) => descriptors[n].set(path, out[i]!));
}
progress.done(noFace ? `${noFace} images without a face (their pairs count as "different")` : undefined);
detector.dispose();
recognizer.dispose();

const rows = (Object.keys(CROPS) as CropName[]).map((name) => {
  const d = pairs.map((p) => {
    const a = descriptors[name].get(p.a);
    const b = descriptors[name].get(p.b);
    return a && b ? descriptorDistance(a, b) : Infinity;
  });
  const accAt = (t: number) => pairs.filter((p, i) => d[i]! < t === p.same).length / pairs.length;
  let best = { accuracy: 0, threshold: 0 };
  for (let t = 0.3; t <= 0.9 + 1e-9; t += 0.01) if (accAt(t) > best.accuracy) best = { accuracy: accAt(t), threshold: +t.toFixed(2) };
  return { crop: name, accuracy: +accAt(RECOGNITION_THRESHOLD).toFixed(4), best_accuracy: +best.accuracy.toFixed(4), best_threshold: best.threshold };
});
console.log(`\nLFW View 2, first ${folds} fold(s): ${pairs.length} pairs, ${images.length} images (${noFace} without a face)`);
console.log('crop      accuracy @ 0.6   best (threshold)');
for (const r of rows) console.log(`${r.crop.padEnd(9)} ${r.accuracy.toFixed(4).padStart(14)}   ${r.best_accuracy.toFixed(4)} (${r.best_threshold})`);
console.log(JSON.stringify({ folds, pairs: pairs.length, images: images.length, noFace, rows }));
