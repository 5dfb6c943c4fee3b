import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ImageError, type RgbImage } from '@deepface-ts/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoInputSize, createFaceDetector, eyeCenters, type DetectedFace, type FaceBox, type FaceDetector } from './index';

const here = dirname(fileURLToPath(import.meta.url));
const datasets = process.env.DEEPFACE_DATASETS ?? resolve(here, '../../../../shared/datasets');
const lfwDir = join(datasets, 'lfw/lfw-deepfunneled');
const hasLfw = existsSync(lfwDir);
if (!hasLfw) console.warn(`[detect] LFW not found at ${lfwDir}: skipping the LFW tests (set DEEPFACE_DATASETS)`);
const demoDir = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

async function decode(file: string, width?: number): Promise<RgbImage<Uint8Array>> {
  const { data, info } = await sharp(file).resize(width ? { width } : undefined).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const LFW = [
  'Aaron_Eckhart/Aaron_Eckhart_0001.jpg',
  'AJ_Cook/AJ_Cook_0001.jpg',
  'Angelina_Jolie/Angelina_Jolie_0001.jpg',
  'Colin_Powell/Colin_Powell_0001.jpg',
  'George_W_Bush/George_W_Bush_0001.jpg',
  'Serena_Williams/Serena_Williams_0001.jpg',
];

const point = (lm: Float32Array, i: number) => ({ x: lm[2 * i]!, y: lm[2 * i + 1]! });

/**
 * Geometric sanity of a face's 68 points, in the face's own frame (x along the eye line,
 * y perpendicular, downwards) so that head roll does not matter.
 */
function expectSaneLandmarks(face: DetectedFace, where: string) {
  const lm = face.landmarks;
  const { box } = face;
  expect(lm, where).toHaveLength(136);
  const { left, right } = eyeCenters(lm);
  const iod = Math.hypot(right.x - left.x, right.y - left.y);
  const ux = (right.x - left.x) / iod;
  const uy = (right.y - left.y) / iod;
  const frame = (p: { x: number; y: number }) => ({ u: (p.x - left.x) * ux + (p.y - left.y) * uy, v: -(p.x - left.x) * uy + (p.y - left.y) * ux });
  const nose = frame(point(lm, 30));
  const mouthL = frame(point(lm, 48));
  const mouthR = frame(point(lm, 54));
  expect(ux, `${where}: image-left eye is on the left (roll < 90°)`).toBeGreaterThan(0);
  expect(nose.u, `${where}: nose tip between the eyes`).toBeGreaterThan(0);
  expect(nose.u, `${where}: nose tip between the eyes`).toBeLessThan(iod);
  expect(nose.v, `${where}: nose tip below the eye line`).toBeGreaterThan(0.2 * iod);
  expect((mouthL.v + mouthR.v) / 2, `${where}: mouth below the nose tip`).toBeGreaterThan(nose.v);
  expect(mouthL.u, `${where}: mouth corners in order`).toBeLessThan(mouthR.u);
  const scale = Math.sqrt(box.width * box.height);
  expect(iod / scale, `${where}: inter-ocular distance / box size`).toBeGreaterThan(0.2);
  expect(iod / scale, `${where}: inter-ocular distance / box size`).toBeLessThan(0.7);
  for (let i = 0; i < 68; i++) {
    const p = point(lm, i);
    expect(p.x, `${where}: point ${i} x`).toBeGreaterThan(box.x - 0.3 * box.width);
    expect(p.x, `${where}: point ${i} x`).toBeLessThan(box.x + 1.3 * box.width);
    expect(p.y, `${where}: point ${i} y`).toBeGreaterThan(box.y - 0.3 * box.height);
    expect(p.y, `${where}: point ${i} y`).toBeLessThan(box.y + 1.3 * box.height);
  }
}

function expectInside(box: FaceBox, img: RgbImage, where: string) {
  expect(box.x, where).toBeGreaterThanOrEqual(0);
  expect(box.y, where).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, where).toBeLessThanOrEqual(img.width + 1e-6);
  expect(box.y + box.height, where).toBeLessThanOrEqual(img.height + 1e-6);
}

describe('createFaceDetector', () => {
  let ssd: FaceDetector;
  let tiny: FaceDetector;
  beforeAll(async () => {
    [ssd, tiny] = await Promise.all([createFaceDetector(), createFaceDetector({ detector: 'tiny' })]);
  });
  afterAll(() => {
    ssd?.dispose();
    tiny?.dispose();
  });

  it('reproduces face-api\'s published face counts on its sample photos (SSD, minScore 0.15, 5 max)', async () => {
    // face-api README, demo/node-multiprocess.js log (minConfidence 0.15, maxResults 5):
    // sample1..6 → 3, 3, 3, 4, 5, 4 faces.
    const det = await createFaceDetector({ minScore: 0.15, maxFaces: 5, inputSize: 512 });
    try {
      const counts: number[] = [];
      for (let i = 1; i <= 6; i++) {
        const img = await decode(join(demoDir, `sample${i}.jpg`));
        const faces = await det.detect(img);
        counts.push(faces.length);
        for (const f of faces) {
          expectInside(f.box, img, `sample${i}`);
          expect(f.box.width, `sample${i} box width`).toBeGreaterThan(80);
          expect(f.box.width, `sample${i} box width`).toBeLessThan(500);
          expect(f.box.height / f.box.width, `sample${i} aspect`).toBeGreaterThan(0.8);
          expect(f.box.height / f.box.width, `sample${i} aspect`).toBeLessThan(2.2);
          expect(f.score).toBeGreaterThan(0.15);
        }
        const scores = faces.map((f) => f.score);
        expect(scores, 'best first').toEqual([...scores].sort((a, b) => b - a));
      }
      expect(counts).toEqual([3, 3, 3, 4, 5, 4]);
    } finally {
      det.dispose();
    }
  }, 60_000);

  it('tiny detector boxes cover SSD faces on a sample photo, with sane landmarks', async () => {
    const img = await decode(join(demoDir, 'sample1.jpg'));
    const [a, b] = [await ssd.detect(img), await tiny.detect(img)];
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    for (const f of a) {
      const cx = f.box.x + f.box.width / 2;
      const cy = f.box.y + f.box.height / 2;
      const hit = b.find((t) => cx > t.box.x && cx < t.box.x + t.box.width && cy > t.box.y && cy < t.box.y + t.box.height);
      expect(hit, `SSD face at ${cx.toFixed(0)},${cy.toFixed(0)} inside a tiny box`).toBeDefined();
    }
    b.forEach((f, i) => expectSaneLandmarks(f, `tiny face ${i}`));
  }, 30_000);

  describe.skipIf(!hasLfw)('LFW (250×250, one centred face)', () => {
    let images: RgbImage<Uint8Array>[] = [];
    beforeAll(async () => {
      images = await Promise.all(LFW.map((f) => decode(join(lfwDir, f))));
    });
    it.each([['ssd'], ['tiny']])('%s: a face near the centre with sane landmarks', async (kind) => {
      const det = kind === 'ssd' ? ssd : tiny;
      for (const [i, img] of images.entries()) {
        const faces = await det.detect(img);
        const central = faces.filter((f) => Math.hypot(f.box.x + f.box.width / 2 - 125, f.box.y + f.box.height / 2 - 125) < 35);
        expect(central, `${LFW[i]}: exactly one central face`).toHaveLength(1);
        const face = central[0]!;
        expect(face.box.width, LFW[i]).toBeGreaterThan(60);
        expect(face.box.width, LFW[i]).toBeLessThan(170);
        expectInside(face.box, img, LFW[i]!);
        expectSaneLandmarks(face, `${kind} ${LFW[i]}`);
      }
    }, 30_000);

    it('SSD at inputSize auto (128 on LFW, re-laid anchors) finds the same central faces as at 512', async () => {
      // At 512 (upscaled ×2) LFW faces score lower, hence the low threshold for the reference.
      const native = await createFaceDetector({ inputSize: 512, minScore: 0.1 });
      try {
        for (const [i, img] of images.slice(0, 3).entries()) {
          const [ref] = await native.detectBoxes(img);
          const [got] = await ssd.detectBoxes(img);
          const inter = Math.max(0, Math.min(ref!.box.x + ref!.box.width, got!.box.x + got!.box.width) - Math.max(ref!.box.x, got!.box.x))
            * Math.max(0, Math.min(ref!.box.y + ref!.box.height, got!.box.y + got!.box.height) - Math.max(ref!.box.y, got!.box.y));
          const iou = inter / (ref!.box.width * ref!.box.height + got!.box.width * got!.box.height - inter);
          // 128's coarser grid places boxes less tightly (AJ_Cook: IoU 0.70; 0.75+ at 256).
          expect(iou, `${LFW[i]}: IoU of auto vs 512 boxes`).toBeGreaterThan(0.6);
        }
      } finally {
        native.dispose();
      }
    }, 30_000);

    it('wasm and cpu backends agree (independent kernels)', async () => {
      const cpu = await createFaceDetector({ detector: 'tiny', backend: 'cpu' });
      try {
        const img = images[0]!;
        const [w] = await tiny.detect(img);
        const [c] = await cpu.detect(img);
        expect(tf.getBackend()).toBe('cpu');
        expect(Math.abs(w!.score - c!.score)).toBeLessThan(1e-3);
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(w!.box[k] - c!.box[k]), k).toBeLessThan(0.05);
        let maxErr = 0;
        for (let i = 0; i < 136; i++) maxErr = Math.max(maxErr, Math.abs(w!.landmarks[i]! - c!.landmarks[i]!));
        expect(maxErr).toBeLessThan(0.05); // pixels
      } finally {
        cpu.dispose();
      }
    }, 60_000);
  });

  it('landmarks() for a given box: equals detect(), and moves exactly with the image content', async () => {
    const img = await decode(join(demoDir, 'sample3.jpg'), 640);
    const [face] = await tiny.detect(img);
    const again = await tiny.landmarks(img, face!.box);
    expect(Array.from(again)).toEqual(Array.from(face!.landmarks));
    // Paste the image 13 px right and 7 px down on a larger canvas: the crop is the same pixels.
    const dx = 13;
    const dy = 7;
    const W = img.width + dx;
    const H = img.height + dy;
    const shifted = { width: W, height: H, channels: 3 as const, data: new Uint8Array(W * H * 3) };
    for (let y = 0; y < img.height; y++) shifted.data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + dy) * W + dx) * 3);
    const moved = await tiny.landmarks(shifted, { ...face!.box, x: face!.box.x + dx, y: face!.box.y + dy });
    for (let i = 0; i < 68; i++) {
      expect(moved[2 * i]! - face!.landmarks[2 * i]!).toBeCloseTo(dx, 3);
      expect(moved[2 * i + 1]! - face!.landmarks[2 * i + 1]!).toBeCloseTo(dy, 3);
    }
  }, 30_000);

  it('portrait and landscape crops of one photo give the same face, in each crop\'s pixels', async () => {
    // sample1 is 1920×1280 (padded at the bottom); a 700×1280 crop is padded on the right.
    const full = await decode(join(demoDir, 'sample1.jpg'));
    const left = 300;
    const crop = { width: 700, height: full.height, channels: 3 as const, data: new Uint8Array(700 * full.height * 3) };
    for (let y = 0; y < full.height; y++) crop.data.set(full.data.subarray((y * full.width + left) * 3, (y * full.width + left + 700) * 3), y * 700 * 3);
    const inFull = (await ssd.detect(full)).find((f) => f.box.x > left && f.box.x + f.box.width < left + 700)!;
    expect(inFull).toBeDefined();
    const inCrop = (await ssd.detect(crop)).find((f) => Math.abs(f.box.x + left - inFull.box.x) < inFull.box.width / 2);
    expect(inCrop).toBeDefined();
    // The net sees the face at different scales (512 over 1920 vs 512 over 1280): allow a few pixels.
    expect(Math.abs(inCrop!.box.x + left - inFull.box.x)).toBeLessThan(0.08 * inFull.box.width);
    expect(Math.abs(inCrop!.box.y - inFull.box.y)).toBeLessThan(0.08 * inFull.box.height);
    const eyesFull = eyeCenters(inFull.landmarks);
    const eyesCrop = eyeCenters(inCrop!.landmarks);
    expect(Math.abs(eyesCrop.left.x + left - eyesFull.left.x)).toBeLessThan(6);
    expect(Math.abs(eyesCrop.left.y - eyesFull.left.y)).toBeLessThan(6);
  }, 30_000);

  it('Float32 images (0..255) give the same result as Uint8 ones', async () => {
    const img = await decode(join(demoDir, 'sample2.jpg'), 640);
    const asFloat = { ...img, data: Float32Array.from(img.data) };
    const [a, b] = [await tiny.detect(img), await tiny.detect(asFloat)];
    expect(b.map((f) => f.box)).toEqual(a.map((f) => f.box));
  }, 30_000);

  it('an image without a face gives an empty list', async () => {
    const grey = { width: 320, height: 240, channels: 3 as const, data: new Uint8Array(320 * 240 * 3).fill(128) };
    let seed = 12345;
    const noise = { width: 256, height: 256, channels: 3 as const, data: new Uint8Array(256 * 256 * 3).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24)) };
    for (const det of [ssd, tiny]) {
      expect(await det.detect(grey)).toEqual([]);
      expect(await det.detect(noise)).toEqual([]);
    }
  }, 30_000);

  it('bad images get a clear ImageError', async () => {
    const bad: [unknown, RegExp][] = [
      [{ width: 0, height: 0, channels: 3, data: new Uint8Array(0) }, /detect: image is empty/],
      [{ width: 1, height: 1, channels: 3, data: new Uint8Array(3) }, /1×1, smaller than the minimum/],
      [{ width: 4, height: 4, channels: 4, data: new Uint8Array(64) }, /expected 3 channels \(RGB\), got 4/],
      [{ width: 4, height: 4, channels: 3, data: new Float32Array(48).fill(NaN) }, /non-finite value NaN at pixel \(x=0, y=0\)/],
      [{ width: 4, height: 4, channels: 3, data: new Uint8Array(10) }, /data has 10 values, expected 4×4×3 = 48/],
    ];
    for (const [img, msg] of bad) {
      await expect(ssd.detect(img as RgbImage)).rejects.toThrow(ImageError);
      await expect(ssd.detect(img as RgbImage)).rejects.toThrow(msg);
    }
    const ok = { width: 50, height: 40, channels: 3 as const, data: new Uint8Array(50 * 40 * 3) };
    await expect(ssd.landmarks(ok, { x: 60, y: 0, width: 10, height: 10 })).rejects.toThrow(/does not overlap the 50×40 image/);
    await expect(ssd.landmarks(ok, { x: 0, y: 0, width: NaN, height: 10 })).rejects.toThrow(/finite/);
  });

  it('leaks no tensors, and dispose() frees the weights', async () => {
    const img = await decode(join(demoDir, 'sample4.jpg'), 480);
    await ssd.detect(img); // warm-up
    const before = tf.memory().numTensors;
    await ssd.detect(img);
    await tiny.detect(img);
    await ssd.landmarks(img, { x: 100, y: 100, width: 120, height: 160 });
    expect(tf.memory().numTensors).toBe(before);
    const extra = await createFaceDetector({ detector: 'tiny' });
    const loaded = tf.memory().numTensors;
    expect(loaded).toBeGreaterThan(before);
    extra.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(extra.detect(img)).rejects.toThrow(/after dispose/);
  }, 30_000);

  it('auto input size: SSD power of two nearest half the longer side, in [128, 512]; tiny rounded up to 32 in [128, 416]', () => {
    expect(autoInputSize(250, 250, 'ssd')).toBe(128); // log2 125 = 6.97
    expect(autoInputSize(360, 200, 'ssd')).toBe(128); // log2 180 = 7.49
    expect(autoInputSize(364, 200, 'ssd')).toBe(256); // log2 182 = 7.51
    expect(autoInputSize(1920, 1080, 'ssd')).toBe(512);
    expect(autoInputSize(50, 40, 'ssd')).toBe(128);
    expect(autoInputSize(250, 250, 'tiny')).toBe(256);
    expect(autoInputSize(1920, 1080, 'tiny')).toBe(416);
    expect(autoInputSize(300, 100, 'tiny')).toBe(320);
    expect(autoInputSize(50, 40, 'tiny')).toBe(128);
  });

  it('loads the weights over HTTP (the browser path: fetch from a base URL)', async () => {
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const modelDir = join(dirname(demoDir), 'model');
    const server = createServer((req, res) => {
      readFile(join(modelDir, decodeURIComponent(new URL(req.url!, 'http://x').pathname)))
        .then((b) => res.end(b))
        .catch(() => {
          res.statusCode = 404;
          res.end();
        });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    try {
      const det = await createFaceDetector({ detector: 'tiny', modelDir: `http://127.0.0.1:${port}/` });
      const img = await decode(join(demoDir, 'sample1.jpg'), 640);
      expect((await det.detect(img)).map((f) => f.box)).toEqual((await tiny.detect(img)).map((f) => f.box));
      det.dispose();
      await expect(createFaceDetector({ modelDir: `http://127.0.0.1:${port}/missing/` })).rejects.toThrow(/missing\/ssd_mobilenetv1_model-weights_manifest\.json: HTTP 404/);
    } finally {
      server.close();
    }
  }, 30_000);

  it('leaves no process-wide error handlers behind (the wasm glue installs some)', () => {
    expect(process.listeners('uncaughtException').filter((l) => !String(l).includes('vitest') && String(l).includes('ExitStatus'))).toEqual([]);
    expect(process.listeners('unhandledRejection').filter((l) => String(l).includes('throw reason'))).toEqual([]);
  });

  it('rejects bad options with a clear message', async () => {
    await expect(createFaceDetector({ minScore: 1.5 })).rejects.toThrow(/minScore must be in \(0, 1\)/);
    await expect(createFaceDetector({ detector: 'yolo' as 'ssd' })).rejects.toThrow(/detector must be 'ssd' or 'tiny'/);
    await expect(createFaceDetector({ detector: 'tiny', inputSize: 300 })).rejects.toThrow(/multiple of 32/);
    await expect(createFaceDetector({ inputSize: 384 })).rejects.toThrow(/SSD detector runs at 128, 256, 512 or 'auto'/);
    await expect(createFaceDetector({ maxFaces: 0 })).rejects.toThrow(/maxFaces/);
    await expect(createFaceDetector({ modelDir: '/nonexistent' })).rejects.toThrow(/\/nonexistent\/ssd_mobilenetv1_model-weights_manifest\.json/);
  });
});
