/**
 * Speed of the face recognition net (128-D descriptors) on LFW faces, single thread.
 *
 *   pnpm --filter @deepface-ts/detect bench:recognition [images=20]
 *
 * Each image's face (SSD + landmarks, nearest the centre) is cropped with `recognitionBox`;
 * then describe() is timed per face at batch 1 and at batch 8, on wasm, and at batch 1 on the
 * pure-JS cpu backend (2 faces) as a baseline. Wall and process CPU time, median after 3
 * warm-up runs. Prints a table, then one JSON line.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '@deepface-ts/image';
import { createFaceDetector, createFaceRecognizer, recognitionBox, type FaceBox } from '../src/index';
import { decodeAll, lfwSample, median, requireLfw } from './lfw';
import { cropBox } from './crop-box';

requireLfw();
const count = Number(process.argv[2] ?? 20);
const images = (await decodeAll(lfwSample(count))).map((d) => d.image);


const detector = await createFaceDetector();
const crops: RgbImage<Uint8Array>[] = [];
for (const image of images) {
  const [face] = await detector.detect(image);
  crops.push(face ? cropBox(image, recognitionBox(face.landmarks)) : cropBox(image, { x: 65, y: 65, width: 120, height: 120 }));
}
detector.dispose();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function perFace(backend: 'wasm' | 'cpu', batch: number, faces: RgbImage[]) {
  const r = await createFaceRecognizer({ backend });
  for (let i = 0; i < 3; i++) await r.describe(faces.slice(0, batch));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i + batch <= faces.length; i += batch) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await r.describe(faces.slice(i, i + batch));
    wall.push((performance.now() - t0) / batch);
    cpu.push((cpuMs() - c0) / batch);
  }
  r.dispose();
  return { backend, batch, faces: wall.length * batch, ms: +median(wall).toFixed(1), cpu_ms: +median(cpu).toFixed(1) };
}

const rows = [await perFace('wasm', 1, crops), await perFace('wasm', 8, crops), await perFace('cpu', 1, crops.slice(0, 2))];
console.log('\ndescribe() per face, LFW crops → 150×150, single thread, median after 3 warm-up runs (shared machine: noisy)');
console.log('backend  batch  faces  ms/face (wall / cpu)');
for (const r of rows) console.log(`${r.backend.padEnd(8)} ${String(r.batch).padStart(5)} ${String(r.faces).padStart(6)} ${r.ms.toFixed(1).padStart(10)} / ${r.cpu_ms.toFixed(1)}`);
console.log(JSON.stringify({ describe_ms: rows, tensors_after: tf.memory().numTensors }));
