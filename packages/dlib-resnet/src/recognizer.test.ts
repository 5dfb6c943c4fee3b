import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@deepface-ts/datasets';
import { ImageError, type RgbImage } from '@deepface-ts/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceDetector, defaultModelDir, WeightsError, type DetectedFace } from '@deepface-ts/detect';
import { tf } from '@deepface-ts/kernels';
import { createFaceRecognizer, descriptorDistance, recognitionBox, RECOGNITION_THRESHOLD, type FaceRecognizer } from './index';

const here = dirname(fileURLToPath(import.meta.url));
const datasets = process.env.DEEPFACE_DATASETS ?? resolve(here, '../../../../shared/datasets');
const lfwDir = join(datasets, 'lfw/lfw-deepfunneled');
const hasLfw = existsSync(lfwDir);
if (!hasLfw) console.warn(`[detect] LFW not found at ${lfwDir}: skipping the recognition LFW test (set DEEPFACE_DATASETS)`);

/** A deterministic non-square test image: smooth gradients plus a little seeded noise. */
function synthetic(width: number, height: number, seed: number): RgbImage<Uint8Array> {
  let s = seed;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const n = (s >>> 28) - 8;
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, Math.round((255 * x) / width) + n));
      data[i + 1] = Math.max(0, Math.min(255, Math.round((255 * y) / height) + n));
      data[i + 2] = Math.max(0, Math.min(255, 128 + Math.round(100 * Math.sin((x + y) / 9)) + n));
    }
  }
  return { width, height, channels: 3, data };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

let wasm: FaceRecognizer;
beforeAll(async () => {
  wasm = await createFaceRecognizer();
});
afterAll(() => wasm?.dispose());

describe('createFaceRecognizer (face-api face_recognition_model)', () => {
  it('gives finite 128-D descriptors, deterministic, the same batched, one by one and synchronously', async () => {
    const a = synthetic(150, 150, 1);
    const b = synthetic(123, 171, 2); // non-square: padded to a centred square, resized to 150
    const [da, db] = await wasm.describe([a, b]);
    for (const d of [da!, db!]) {
      expect(d).toBeInstanceOf(Float32Array);
      expect(d).toHaveLength(128);
      expect(d.every(Number.isFinite)).toBe(true);
      const norm = Math.hypot(...d);
      expect(norm).toBeGreaterThan(0.1); // not a collapsed (all-zero) output
      expect(norm).toBeLessThan(10);
    }
    expect(descriptorDistance(da!, db!)).toBeGreaterThan(1e-3); // different inputs, different outputs
    const [again] = await wasm.describe([a]);
    expect(maxAbsDiff(again!, da!)).toBeLessThan(1e-5); // batch of 1 vs batch of 2
    expect(Array.from(wasm.describeSync(a))).toEqual(Array.from(again!));
    expect(Array.from((await wasm.describe([a]))[0]!)).toEqual(Array.from(again!));
    expect(await wasm.describe([])).toEqual([]);
  });

  it('mirror: the mean of the descriptors of the crop and of its left–right mirror, in one batch', async () => {
    const a = synthetic(150, 150, 8);
    const flipped = { ...a, data: new Uint8Array(a.data.length) };
    for (let y = 0; y < 150; y++) for (let x = 0; x < 150; x++) flipped.data.set(a.data.subarray((y * 150 + x) * 3, (y * 150 + x) * 3 + 3), (y * 150 + 149 - x) * 3);
    const [plain, mirror] = await wasm.describe([a, flipped]);
    const [both] = await wasm.describe([a], { mirror: true });
    const mean = plain!.map((v, k) => (v + mirror![k]!) / 2);
    expect(maxAbsDiff(both!, mean)).toBeLessThan(1e-5);
    expect(maxAbsDiff(both!, plain!)).toBeGreaterThan(1e-3); // the mirror changes the result
    // a mirrored crop gives the same mirrored descriptor (the average is symmetric)
    const [bothOfFlipped] = await wasm.describe([flipped], { mirror: true });
    expect(maxAbsDiff(bothOfFlipped!, both!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(wasm.describeSync(a, 'a', { mirror: true }), both!)).toBeLessThan(1e-5);
    // more crops than one batch holds, mirrored: each still its own mean
    const many = Array.from({ length: 9 }, (_, i) => synthetic(150, 150, 20 + i));
    const out = await wasm.describe(many, { mirror: true });
    expect(maxAbsDiff(out[8]!, (await wasm.describe([many[8]!], { mirror: true }))[0]!)).toBeLessThan(1e-5);
    await expect(wasm.describe([a], { mirror: 'yes' as unknown as boolean })).rejects.toThrow(/mirror must be true or false/);
  });

  it('leaks no tensors; dispose() frees the weights', async () => {
    await wasm.describe([synthetic(150, 150, 5)]); // backend already active
    const before = tf.memory().numTensors;
    await wasm.describe([synthetic(150, 150, 5), synthetic(60, 70, 6)]);
    wasm.describeSync(synthetic(150, 150, 5));
    await expect(wasm.describe([synthetic(1, 1, 1)])).rejects.toThrow(ImageError);
    expect(tf.memory().numTensors).toBe(before);
    const r = await createFaceRecognizer();
    const withWeights = tf.memory().numTensors;
    r.dispose();
    expect(withWeights - tf.memory().numTensors).toBe(2 * (1 + 2 * 14) + 1); // filter + bias per conv (29 convs), fc
  });

  it('wasm and cpu backends agree to 1e-4', async () => {
    const cpu = await createFaceRecognizer({ backend: 'cpu' });
    try {
      const crops = [synthetic(150, 150, 3), synthetic(96, 80, 4)];
      const onCpu = await cpu.describe(crops);
      const onWasm = await wasm.describe(crops);
      for (let i = 0; i < crops.length; i++) expect(maxAbsDiff(onCpu[i]!, onWasm[i]!)).toBeLessThan(1e-4);
    } finally {
      cpu.dispose();
    }
  });

  it('bad crops → ImageError naming the crop; bad options → RangeError; use after dispose → Error', async () => {
    await expect(wasm.describe([synthetic(20, 20, 1), { width: 0, height: 0, channels: 3, data: new Uint8Array(0) }])).rejects.toThrow(/describe: crop 1: image is empty/);
    await expect(wasm.describe([{ width: 4, height: 4, channels: 4, data: new Uint8Array(64) } as unknown as RgbImage])).rejects.toThrow(ImageError);
    const nan = new Float32Array(5 * 5 * 3);
    nan[7] = NaN;
    expect(() => wasm.describeSync({ width: 5, height: 5, channels: 3, data: nan })).toThrow(/describeSync: non-finite value NaN/);
    expect(() => wasm.describeSync({ width: 5, height: 5, channels: 3, data: nan }, 'face.jpg')).toThrow(/^face\.jpg: non-finite value NaN/);
    await expect(wasm.describe('x' as unknown as RgbImage[])).rejects.toThrow(TypeError);
    await expect(createFaceRecognizer({ backend: 'webgl' as 'cpu' })).rejects.toThrow(RangeError);
    const r = await createFaceRecognizer();
    r.dispose();
    expect(() => r.describeSync(synthetic(10, 10, 1))).toThrow(/used after dispose/);
  });

  it('missing or corrupt weights → WeightsError naming the file or weight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'detect-rec-'));
    try {
      await expect(createFaceRecognizer({ modelDir: dir })).rejects.toThrow(/face_recognition_model-weights_manifest\.json: cannot read model file/);
      const src = await defaultModelDir();
      const manifestText = await readFile(join(src, 'face_recognition_model-weights_manifest.json'), 'utf8');
      await writeFile(join(dir, 'face_recognition_model-weights_manifest.json'), manifestText);
      const bin = await readFile(join(src, 'face_recognition_model.bin'));
      await writeFile(join(dir, 'face_recognition_model.bin'), bin.subarray(0, bin.byteLength - 1000));
      await expect(createFaceRecognizer({ modelDir: dir })).rejects.toThrow(WeightsError);
      await expect(createFaceRecognizer({ modelDir: dir })).rejects.toThrow(/weight 'fc' needs bytes .* \(truncated file\?\)/);
      // A manifest whose names do not match the architecture.
      await copyFile(join(src, 'face_recognition_model.bin'), join(dir, 'face_recognition_model.bin'));
      await writeFile(join(dir, 'face_recognition_model-weights_manifest.json'), manifestText.replace('"conv128_1/conv2/scale/weights"', '"conv128_1/conv2/scale/w"'));
      await expect(createFaceRecognizer({ modelDir: dir })).rejects.toThrow(/face_recognition_model: weight 'conv128_1\/conv2\/scale\/weights' is missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('recognitionBox: the landmarks\' bounding box grown by 20 %', () => {
    const lm = new Float32Array([10, 20, 110, 20, 60, 220]);
    expect(recognitionBox(lm)).toEqual({ x: 0, y: 0, width: 120, height: 240 });
    expect(() => recognitionBox(new Float32Array(3))).toThrow(RangeError);
  });
});

/** The integer crop of `image` inside `box` (clipped to the image). */
function crop(image: RgbImage<Uint8Array>, box: { x: number; y: number; width: number; height: number }): RgbImage<Uint8Array> {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const w = x1 - x0;
  const h = y1 - y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x1) * 3), y * w * 3);
  return { width: w, height: h, channels: 3, data };
}

// Pairs from people with many LFW images. Distances with this crop (measured): same 0.34, 0.43,
// 0.50; different 0.77, 0.73, 0.77, so a small change in detection cannot flip them. (Some
// LFW pairs are hard: Tony_Blair 1–2 sits at 0.600, so the test does not use it.)
const SAME: [string, number, number][] = [
  ['George_W_Bush', 1, 2],
  ['Colin_Powell', 2, 3],
  ['Tony_Blair', 2, 3],
];
const DIFFERENT: [string, number, string, number][] = [
  ['George_W_Bush', 1, 'Colin_Powell', 1],
  ['Colin_Powell', 3, 'Tony_Blair', 1],
  ['Tony_Blair', 2, 'George_W_Bush', 2],
];

describe.skipIf(!hasLfw)("on LFW faces (SSD + 68 landmarks → face-api's recognition crop)", () => {
  const file = (name: string, i: number) => join(lfwDir, name, `${name}_${String(i).padStart(4, '0')}.jpg`);
  const IMAGES = [...new Set([...SAME.flatMap(([n, i, j]) => [file(n, i), file(n, j)]), ...DIFFERENT.flatMap(([a, i, b, j]) => [file(a, i), file(b, j)])])];
  const descriptors = new Map<string, Float32Array>();

  beforeAll(async () => {
    const detector = await createFaceDetector();
    try {
      const crops: RgbImage[] = [];
      for (const path of IMAGES) {
        const image = await decodeImage(path);
        const faces = await detector.detect(image);
        expect(faces.length, `${path}: a face is found`).toBeGreaterThan(0);
        // LFW images are centred on their subject: take the face nearest the centre.
        const dist = (f: DetectedFace) => Math.hypot(f.box.x + f.box.width / 2 - image.width / 2, f.box.y + f.box.height / 2 - image.height / 2);
        const face = faces.reduce((a, b) => (dist(b) < dist(a) ? b : a));
        crops.push(crop(image, recognitionBox(face.landmarks)));
      }
      const out = await wasm.describe(crops);
      IMAGES.forEach((p, i) => descriptors.set(p, out[i]!));
    } finally {
      detector.dispose();
    }
  }, 120_000);

  const d = (a: string, i: number, b: string, j: number) => descriptorDistance(descriptors.get(file(a, i))!, descriptors.get(file(b, j))!);
  const same = () => SAME.map(([n, i, j]) => d(n, i, n, j));
  const different = () => DIFFERENT.map(([a, i, b, j]) => d(a, i, b, j));

  it(`same person: Euclidean distance < ${RECOGNITION_THRESHOLD} (face-api's threshold)`, () => {
    same().forEach((x, k) => expect(x, `${SAME[k]!.join(' ')}`).toBeLessThan(RECOGNITION_THRESHOLD));
  });

  it(`different people: Euclidean distance > ${RECOGNITION_THRESHOLD}, and above every same-person distance`, () => {
    different().forEach((x, k) => expect(x, `${DIFFERENT[k]!.join(' ')}`).toBeGreaterThan(RECOGNITION_THRESHOLD));
    expect(Math.min(...different())).toBeGreaterThan(Math.max(...same()));
  });
});
