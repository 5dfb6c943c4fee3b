import type { RgbImage } from '@deepface-ts/image';
import { describe, expect, it } from 'vitest';
import { align2d } from './align2d';
import { faceChip } from './chip';
import { chooseFace, createFaceAligner, type FaceFinder, type FoundFace } from './face-aligner';
import { createFrontalizer } from './frontalize';
import { syntheticFace } from './synthetic-face';
import { createTemplate } from './template';
import { cameraFromRotation, projectWith, rotation } from './test-utils';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

describe('chooseFace', () => {
  const faces: FoundFace[] = [
    { box: box(0, 0, 50, 50), landmarks: [] },
    { box: box(80, 80, 40, 40), landmarks: [] },
    { box: box(150, 10, 60, 60), landmarks: [] },
  ];
  it('picks the largest box, or the one whose centre is nearest the image centre', () => {
    expect(chooseFace(faces, 'largest', 200, 200)).toBe(faces[2]);
    expect(chooseFace(faces, 'nearest-centre', 200, 200)).toBe(faces[1]); // centre (100, 100)
    expect(chooseFace([], 'largest', 200, 200)).toBeUndefined();
  });
});

describe('createFaceAligner', () => {
  const size = 64;
  const truth = projectWith(cameraFromRotation(rotation(15, 0, 5), 40, 100, 100), syntheticFace());
  const image: RgbImage<Uint8Array> = { width: 200, height: 200, channels: 3, data: Uint8Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 13) % 251) };
  const finder = (faces: FoundFace[]): FaceFinder => ({ detect: async () => faces, landmarks: async () => Float32Array.from(truth) });

  it('3d: gives the same crop as frontalizing the chosen face directly', async () => {
    const aligner = createFaceAligner(finder([{ box: box(5, 5, 10, 10), landmarks: truth }, { box: box(40, 40, 120, 120), landmarks: truth }]), { mode: '3d', size });
    const crop = await aligner.align(image, 'test');
    const direct = createFrontalizer(createTemplate({ size })).frontalize(image, truth, { dtype: 'uint8' }).image;
    expect(crop!.width).toBe(size);
    expect(Array.from(crop!.data)).toEqual(Array.from(direct.data));
  });

  it('2d: gives a size×size uint8 crop; no face gives undefined', async () => {
    const crop = await createFaceAligner(finder([{ box: box(40, 40, 120, 120), landmarks: truth }]), { mode: '2d', size }).align(image);
    expect([crop!.width, crop!.height, crop!.data.constructor.name]).toEqual([size, size, 'Uint8Array']);
    expect(await createFaceAligner(finder([]), { mode: '3d', size }).align(image)).toBeUndefined();
  });

  it("2d defaults: one fit of all 68 landmarks, no re-detection; options give the paper's loop and another framing", async () => {
    let calls = 0;
    const counting: FaceFinder = { detect: async () => [{ box: box(40, 40, 120, 120), landmarks: truth }], landmarks: async () => (calls++, Float32Array.from(truth)) };
    const crop = await createFaceAligner(counting, { mode: '2d', size }).align(image);
    const direct = await align2d(image, truth, { template: createTemplate({ size }), fit: 'all', dtype: 'uint8' });
    expect(Array.from(crop!.data)).toEqual(Array.from(direct.image.data));
    expect(calls).toBe(0);

    const paper = await createFaceAligner(counting, { mode: '2d', size, fit: 'six', redetect: 2 }).align(image);
    expect(calls).toBeGreaterThanOrEqual(1);
    const paperDirect = await align2d(image, truth, { template: createTemplate({ size }), fit: 'six', detector: { landmarks: async () => Float32Array.from(truth) }, maxIterations: 2, dtype: 'uint8' });
    expect(Array.from(paper!.data)).toEqual(Array.from(paperDirect.image.data));

    const tight = await createFaceAligner(counting, { mode: '3d', size, template: { interOcular: 0.4 } }).align(image);
    const tightDirect = createFrontalizer(createTemplate({ size, interOcular: 0.4 })).frontalize(image, truth, { dtype: 'uint8' }).image;
    expect(Array.from(tight!.data)).toEqual(Array.from(tightDirect.data));
    expect(() => createFaceAligner(counting, { mode: '2d', size, redetect: -1 })).toThrow(/redetect must be a whole number ≥ 0, got -1/);
  });

  it("chip: dlib's face chip of the chosen face, size 150 and padding 0.25 unless told otherwise", async () => {
    const faces = [{ box: box(5, 5, 10, 10), landmarks: truth }, { box: box(40, 40, 120, 120), landmarks: truth }];
    const crop = await createFaceAligner(finder(faces), { mode: 'chip', size: 150 }).align(image, 'test');
    const direct = faceChip(image, truth, { size: 150, padding: 0.25 }).image;
    expect([crop!.width, crop!.height, crop!.data.constructor.name]).toEqual([150, 150, 'Uint8Array']);
    expect(Array.from(crop!.data)).toEqual(Array.from(direct.data));
    const padded = await createFaceAligner(finder(faces), { mode: 'chip', size: 80, chipPadding: 0.5 }).align(image);
    expect(Array.from(padded!.data)).toEqual(Array.from(faceChip(image, truth, { size: 80, padding: 0.5 }).image.data));
    expect(await createFaceAligner(finder([]), { mode: 'chip', size: 150 }).align(image)).toBeUndefined();
    expect(() => createFaceAligner(finder(faces), { mode: 'chip', size: 150, chipPadding: -1 })).toThrow(/chipPadding must be a finite number ≥ 0, got -1/);
  });
});
