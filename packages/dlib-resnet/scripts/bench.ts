/**
 * Speed of the dlib ResNet (128-D descriptors) on LFW faces, single thread.
 *
 *   pnpm --filter @deepface-ts/dlib-resnet bench [images=20]
 *
 * Each image's face (SSD + landmarks, nearest the centre) is cut as dlib's 150×150 chip;
 * describe() is timed per face at batch 1 and 8 on wasm, at batch 1 with mirroring (two
 * forward passes in one batch), and at batch 1 on the pure-JS cpu backend (2 faces) as the
 * baseline. Wall and process CPU time, median after 3 warm-up runs. Prints a table, then one
 * JSON line.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsRoot, decodeImage } from '@deepface-ts/datasets';
import { createFaceDetector } from '@deepface-ts/detect';
import { chooseFace, faceChip } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { tf } from '@deepface-ts/kernels';
import { createFaceRecognizer } from '../src/index';

const lfwDir = join(datasetsRoot(), 'lfw', 'lfw-deepfunneled');
if (!existsSync(lfwDir)) {
  console.error(`LFW not found at ${lfwDir}; set DEEPFACE_DATASETS to the folder holding lfw/`);
  process.exit(2);
}
const count = Number(process.argv[2] ?? 20);
const files = readdirSync(lfwDir).sort().map((p) => join(lfwDir, p, `${p}_0001.jpg`)).filter(existsSync).slice(0, count);

const detector = await createFaceDetector();
const chips: RgbImage<Uint8Array>[] = [];
for (const file of files) {
  const image = await decodeImage(file);
  const face = chooseFace(await detector.detect(image), 'nearest-centre', image.width, image.height);
  if (face) chips.push(faceChip(image, face.landmarks, { dtype: 'uint8' }).image as RgbImage<Uint8Array>);
}
detector.dispose();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function perFace(backend: 'wasm' | 'cpu', batch: number, faces: RgbImage[], mirror = false) {
  const r = await createFaceRecognizer({ backend });
  for (let i = 0; i < 3; i++) await r.describe(faces.slice(0, batch), { mirror });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i + batch <= faces.length; i += batch) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await r.describe(faces.slice(i, i + batch), { mirror });
    wall.push((performance.now() - t0) / batch);
    cpu.push((cpuMs() - c0) / batch);
  }
  r.dispose();
  return { backend, batch, mirror, faces: wall.length * batch, ms: +median(wall).toFixed(1), cpu_ms: +median(cpu).toFixed(1) };
}

const rows = [await perFace('wasm', 1, chips), await perFace('wasm', 8, chips), await perFace('wasm', 1, chips, true), await perFace('cpu', 1, chips.slice(0, 2))];
console.log('\ndescribe() per face, LFW dlib chips (150×150), single thread, median after 3 warm-up runs');
console.log('backend  batch  mirror  faces  ms/face (wall / cpu)');
for (const r of rows) console.log(`${r.backend.padEnd(8)} ${String(r.batch).padStart(5)} ${String(r.mirror).padStart(7)} ${String(r.faces).padStart(6)} ${r.ms.toFixed(1).padStart(10)} / ${r.cpu_ms.toFixed(1)}`);
console.log(JSON.stringify({ describe_ms_b1: rows[0]!.ms, describe_ms_b8: rows[1]!.ms, describe_mirror_ms_b1: rows[2]!.ms, cpu_backend_ms_b1: rows[3]!.ms, speedup_vs_cpu: +(rows[3]!.ms / rows[0]!.ms).toFixed(1), tensors_after: tf.memory().numTensors }));
