import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { tf } from '@deepface-ts/kernels';
import { cropsToBatch, deepFaceConfig, DeepFaceModel, DistillProjection, saveWeightsFile } from '@deepface-ts/network';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { datasetsRoot, decodeImage } from '@deepface-ts/datasets';
import { createFaceDetector, type FaceDetector } from '@deepface-ts/detect';
import { chooseFace } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDescriber, DEFAULT_DESCRIPTOR, DLIB_DEFAULTS, openSetThresholdFor, shippedCalibration, similarity, type Describer } from './index';

const require = createRequire(import.meta.url);
const samples = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const lfwDir = join(datasetsRoot(), 'lfw', 'lfw-deepfunneled');
const hasLfw = existsSync(lfwDir);
if (!hasLfw) console.warn(`[describer] LFW not found at ${lfwDir}: skipping the LFW pair checks (set DEEPFACE_DATASETS)`);

let detector: FaceDetector;
let dlib: Describer;
beforeAll(async () => {
  detector = await createFaceDetector();
  dlib = await createDescriber({ detector });
}, 60_000);
afterAll(() => {
  dlib?.dispose();
  detector?.dispose();
});

const unitNorm = (v: Float32Array) => Math.hypot(...v);

describe('createDescriber', () => {
  it('defaults to the descriptor and test-time options chosen on LFW View 1, with calibrated thresholds', () => {
    expect(dlib.descriptor).toBe(DEFAULT_DESCRIPTOR);
    expect(dlib.align).toBe(DLIB_DEFAULTS.align);
    expect(dlib.id).toBe(`dlib-resnet-v1-chip${DLIB_DEFAULTS.mirror ? '-mirror' : ''}${DLIB_DEFAULTS.jitter ? `-jitter${DLIB_DEFAULTS.jitter}` : ''}`);
    expect(dlib.inputSize).toBe(150);
    expect(dlib.dim).toBe(128);
    const c = shippedCalibration(dlib.id)!;
    expect(c.source).toMatch(/LFW View 1/);
    expect(dlib.threshold).toBe(c.verify);
    expect(dlib.threshold).toBeGreaterThan(0);
    expect(dlib.threshold).toBeLessThan(1);
    expect(dlib.openSetThreshold?.openSetFar).toBe(0.01);
    expect(dlib.openSetThreshold?.openSet).toBeGreaterThan(0.5);
  });

  it('refuses contradictory or unknown options with a clear error', async () => {
    await expect(createDescriber({ descriptor: 'lbp' as 'dlib' })).rejects.toThrow(/descriptor must be one of dlib, deepface, got "lbp"/);
    await expect(createDescriber({ descriptor: 'deepface', mirror: true })).rejects.toThrow(/options of the dlib descriptor/);
    await expect(createDescriber({ descriptor: 'dlib', align: '3d', jitter: 4 })).rejects.toThrow(/jitter needs align 'chip'/);
    await expect(createDescriber({ descriptor: 'dlib', jitter: 1.5 })).rejects.toThrow(/jitter must be a whole number/);
    await expect(createDescriber({ descriptor: 'dlib', align: 'sideways' as 'chip' })).rejects.toThrow(/align must be one of/);
    await expect(createDescriber({ descriptor: 'deepface', model: '/nonexistent/m.safetensors' })).rejects.toThrow(/m\.safetensors: DeepFace model file not found/);
    await expect(createDescriber({ descriptor: 'dlib', representation: 'projection' })).rejects.toThrow(/representation is an option of the deepface descriptor/);
    await expect(createDescriber({ descriptor: 'deepface', representation: 'p7' as 'f7', detector })).rejects.toThrow(/representation must be one of f7, projection, got "p7"/);
    // a configuration nobody calibrated needs a threshold, or an explicit opt-out
    await expect(createDescriber({ descriptor: 'dlib', align: 'box', mirror: true, jitter: 0, detector })).rejects.toThrow(/no calibrated threshold/);
    const uncalibrated = await createDescriber({ descriptor: 'dlib', align: 'box', mirror: true, detector, requireThreshold: false });
    expect(uncalibrated.threshold).toBeNaN();
    uncalibrated.dispose();
    const given = await createDescriber({ descriptor: 'dlib', align: 'box', mirror: true, detector, threshold: 0.4 });
    expect([given.threshold, given.thresholdSource]).toEqual([0.4, 'given by the caller']);
    given.dispose();
  });
});

describe('openSetThresholdFor (threshold by gallery size)', () => {
  const c = { verify: 0.5, openSet: 0.6, source: 'test', openSetByGallery: [{ images: 1, threshold: 0.6 }, { images: 100, threshold: 0.8 }, { images: 10000, threshold: 0.9 }] };
  it.each([
    [0, 0.6], // no gallery yet: as for one image
    [1, 0.6],
    [10, 0.7], // halfway on log N between 1 and 100
    [100, 0.8],
    [1000, 0.85],
    [10000, 0.9],
    [1e6, 0.9], // clamped past the largest calibrated size
  ])('%d images → %f', (n, t) => expect(openSetThresholdFor(c, n)).toBeCloseTo(t, 12));
  it('falls back to the pair threshold without a table, and to nothing without a calibration', () => {
    expect(openSetThresholdFor({ verify: 0.5, openSet: 0.61, source: 't' }, 500)).toBe(0.61);
    expect(openSetThresholdFor(undefined, 500)).toBeUndefined();
  });
  it('the shipped default rises with the gallery', () => {
    const shipped = shippedCalibration(dlib.id)!;
    expect(dlib.openSetThresholdFor(1000)!).toBeGreaterThan(dlib.openSetThresholdFor(10)!);
    expect(shipped.openSetByGallery!.length).toBeGreaterThanOrEqual(4);
  });
});

describe('describing photos (face-api sample photos)', () => {
  it('finds every face, aligns it to a 150×150 chip and gives unit-norm descriptors; one call batches all faces', async () => {
    const image = await decodeImage(join(samples, 'sample1.jpg'));
    const faces = await dlib.describeImage(image, 'sample1.jpg');
    expect(faces.length).toBe(3); // face-api's published count for this photo
    for (const f of faces) {
      expect([f.crop.width, f.crop.height]).toEqual([150, 150]);
      expect(unitNorm(f.feature)).toBeCloseTo(1, 5);
      expect(f.norm).toBeGreaterThan(0);
    }
    // describeFaces on the detected faces, and describeCrops on their crops, agree with describeImage
    const again = await dlib.describeFaces(image, await dlib.detect(image), 'sample1.jpg');
    const { features } = await dlib.describeCrops(faces.map((f) => f.crop));
    faces.forEach((f, i) => {
      expect(similarity(f.feature, again[i]!.feature)).toBeCloseTo(1, 5);
      expect(similarity(f.feature, features[i]!)).toBeCloseTo(1, 5);
    });
    // three different people: each below the same-person threshold
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(similarity(faces[i]!.feature, faces[j]!.feature)).toBeLessThan(dlib.threshold);
  }, 60_000);

  it('jitter: the mean of N jittered chips, close to (not equal to) the plain descriptor', async () => {
    const image = await decodeImage(join(samples, 'sample2.jpg'));
    const face = chooseFace(await detector.detect(image), 'largest', image.width, image.height)!;
    const plain = await createDescriber({ descriptor: 'dlib', mirror: false, detector, requireThreshold: false });
    const jittered = await createDescriber({ descriptor: 'dlib', mirror: false, jitter: 4, detector, requireThreshold: false });
    try {
      const [p] = await plain.describeFaces(image, [face]);
      const [j] = await jittered.describeFaces(image, [face]);
      expect(jittered.id).toBe('dlib-resnet-v1-chip-jitter4');
      expect(unitNorm(j!.feature)).toBeCloseTo(1, 5);
      const s = similarity(p!.feature, j!.feature);
      expect(s).toBeGreaterThan(0.95); // small perturbations of one face
      expect(s).toBeLessThan(0.99999);
    } finally {
      plain.dispose();
      jittered.dispose();
    }
  }, 60_000);
});

describe('the DeepFace descriptor (shipped model, 3D frontalization)', () => {
  it('uses the model file\'s View 1 threshold, non-negative unit-norm F7 descriptors, and reports each face\'s yaw', async () => {
    const deepface = await createDescriber({ descriptor: 'deepface', detector });
    try {
      expect(deepface.id).toMatch(/^deepface-deepface-76-f512-k\d+-[0-9a-f]{12}-3d$/);
      expect(deepface.thresholdSource).toMatch(/View 1|pairsDevTrain/);
      expect(deepface.inputSize).toBe(76);
      const image = await decodeImage(join(samples, 'sample1.jpg'));
      const faces = await deepface.describeImage(image, 'sample1.jpg');
      expect(faces.length).toBe(3);
      for (const f of faces) {
        expect([f.crop.width, f.crop.height]).toEqual([76, 76]);
        expect(unitNorm(f.feature)).toBeCloseTo(1, 5);
        expect(f.feature.every((v) => v >= 0)).toBe(true); // ReLU F7 over positive maxima: χ² applies
        expect(Number.isFinite(f.yaw)).toBe(true);
        expect(Math.abs(f.yaw!)).toBeLessThan(90);
      }
    } finally {
      deepface.dispose();
    }
  }, 60_000);
});

describe('the DeepFace descriptor by a distilled projection', () => {
  it("describes by ŝ = P·f7 + b, unit norm, the teacher's 128 dimensions; a model without a projection is refused", async () => {
    const config = deepFaceConfig({ inputSize: 24, f7: 16, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });
    const model = DeepFaceModel.create(config, { seed: 2 });
    model.representationMax = new Float32Array(16).fill(1);
    const projection = DistillProjection.create(16, { outputSize: 128, seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'describer-proj-'));
    const withProjection = join(dir, 'student.safetensors');
    const plain = join(dir, 'plain.safetensors');
    await saveWeightsFile(withProjection, { ...model.toWeights({ verify_threshold: '0.5' }), projection: projection.toWeights() });
    await saveWeightsFile(plain, model.toWeights({ verify_threshold: '0.5' }));
    const student = await createDescriber({ descriptor: 'deepface', model: withProjection, representation: 'projection', detector });
    try {
      expect(student.dim).toBe(128);
      expect(student.id).toMatch(/-3d-proj$/);
      const crop = { width: 24, height: 24, channels: 3 as const, data: Uint8Array.from({ length: 24 * 24 * 3 }, (_, i) => (i * 37) % 256) };
      const [feature] = (await student.describeCrops([crop])).features;
      // The same read-out by hand: F7 without dropout, the projection, normalised.
      const expected = tf.tidy(() => {
        const x = tf.tensor4d(cropsToBatch([crop], 24, config.inputMode), [1, 24, 24, 3]);
        return projection.embed(model.forward(x, { training: false }).f7 as tf.Tensor2D).dataSync() as Float32Array;
      });
      expect(unitNorm(feature!)).toBeCloseTo(1, 5);
      for (let k = 0; k < 128; k++) expect(feature![k]).toBeCloseTo(expected[k]!, 5);
      await expect(createDescriber({ descriptor: 'deepface', model: plain, representation: 'projection', detector })).rejects.toThrow(/plain\.safetensors: representation 'projection' needs a distilled model/);
    } finally {
      student.dispose();
      model.dispose();
      projection.dispose();
    }
  }, 60_000);
});

describe.skipIf(!hasLfw)('on LFW pairs (dlib chip, the default describer)', () => {
  const file = (name: string, i: number) => join(lfwDir, name, `${name}_${String(i).padStart(4, '0')}.jpg`);
  const subject = async (path: string): Promise<Float32Array> => {
    const image: RgbImage<Uint8Array> = await decodeImage(path);
    const face = chooseFace(await dlib.detect(image), 'nearest-centre', image.width, image.height)!;
    return (await dlib.describeFaces(image, [face], path))[0]!.feature;
  };
  it('calls same-person pairs SAME and different-person pairs DIFFERENT at the calibrated threshold', async () => {
    const same: [string, number, number][] = [['George_W_Bush', 1, 2], ['Colin_Powell', 2, 3], ['Tony_Blair', 2, 3]];
    const different: [string, number, string, number][] = [['George_W_Bush', 1, 'Colin_Powell', 1], ['Colin_Powell', 3, 'Tony_Blair', 1], ['Tony_Blair', 2, 'George_W_Bush', 2]];
    for (const [n, i, j] of same) expect(similarity(await subject(file(n, i)), await subject(file(n, j))), `${n} ${i}–${j}`).toBeGreaterThan(dlib.threshold);
    for (const [a, i, b, j] of different) expect(similarity(await subject(file(a, i)), await subject(file(b, j))), `${a} ${i} – ${b} ${j}`).toBeLessThan(dlib.threshold);
  }, 120_000);
});
