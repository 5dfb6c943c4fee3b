import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, decodeEach, decodeImage } from './decode';
import { ImageDecodeError } from './errors';
import { DATASETS, missingDataset, tempDir } from './test-helpers';

const t = tempDir('deepface-decode-');
afterAll(t.cleanup);

// A 4×3 image with every pixel different, so any channel or row mix-up shows.
const W = 4;
const H = 3;
const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + 11) % 256);
let pngFile = '';
let jpgFile = '';

beforeAll(async () => {
  pngFile = t.write('pixels.png', await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
  jpgFile = t.write('photo.jpg', await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg({ quality: 95 }).toBuffer());
});

describe('decodeImage (Node, sharp)', () => {
  it('decodes a PNG to the exact RGB pixels, as uint8 or float32', async () => {
    const u8 = await decodeImage(pngFile);
    expect([u8.width, u8.height, u8.channels]).toEqual([W, H, 3]);
    expect(u8.data).toBeInstanceOf(Uint8Array);
    expect([...u8.data]).toEqual([...rgb]);
    const f32 = await decodeImage(pngFile, { dtype: 'float32' });
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect([...f32.data]).toEqual([...rgb]);
  });

  it('expands grey to RGB and drops alpha', async () => {
    const grey = await sharp(Uint8Array.from([0, 50, 100, 250]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const g = await decodeImage(grey, { source: 'grey.png' });
    expect([...g.data]).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 250, 250, 250]);
    const rgba = await sharp(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    expect([...(await decodeImage(rgba)).data]).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('resizes a JPEG to the requested size; a flat colour stays flat', async () => {
    const img = await decodeImage(jpgFile, { resize: { width: 152, height: 152 }, dtype: 'float32' });
    expect([img.width, img.height, img.data.length]).toEqual([152, 152, 152 * 152 * 3]);
    const colour = [200, 100, 50];
    let worst = 0;
    for (let i = 0; i < img.data.length; i++) worst = Math.max(worst, Math.abs(img.data[i]! - colour[i % 3]!));
    expect(worst).toBeLessThanOrEqual(3); // JPEG quantisation of a flat colour
  });

  it('applies the EXIF orientation', async () => {
    // 2×1 pixels stored with orientation 6 (rotate 90° clockwise to display): upright it is 1×2.
    const rotated = await sharp(Uint8Array.from([255, 0, 0, 0, 0, 255]), { raw: { width: 2, height: 1, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    const upright = await decodeImage(rotated);
    expect([upright.width, upright.height]).toEqual([1, 2]);
    expect([...upright.data]).toEqual([255, 0, 0, 0, 0, 255]);
    const raw = await decodeImage(rotated, { autoOrient: false });
    expect([raw.width, raw.height]).toEqual([2, 1]);
  });

  it('names the file for missing, empty, folder, garbage, truncated and corrupt input', async () => {
    const jpg = readFileSync(jpgFile);
    const corrupt = Buffer.from(jpg);
    corrupt.fill(0x55, 200, corrupt.length - 2); // keep the headers, destroy the entropy-coded data
    const cases: [string, string | Uint8Array, RegExp][] = [
      ['missing', join(t.dir, 'nope.jpg'), /nope\.jpg: file not found$/],
      ['empty', t.write('empty.jpg', ''), /empty\.jpg: file is empty \(0 bytes\)/],
      ['a folder', t.dir, /: is a folder, not an image/],
      ['text', t.write('notes.jpg', 'hello, I am not an image'), /notes\.jpg: unsupported or unrecognised image format/],
      ['truncated', t.write('half.jpg', jpg.subarray(0, jpg.length >> 1)), /half\.jpg: truncated image data/],
      ['corrupt', t.write('corrupt.jpg', corrupt), /corrupt\.jpg: (corrupt image|truncated image data)/],
    ];
    for (const [what, input, message] of cases) {
      const error = await decodeImage(input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(ImageDecodeError);
      expect((error as Error).message, what).toMatch(message);
    }
    await expect(decodeImage(pngFile, { resize: { width: 0, height: 5 } })).rejects.toThrow(/pixels\.png: resize must be positive integers, got 0×5/);
  });
});

describe('decodeEach / decodeAll', () => {
  it('keeps input order, reports bad files and goes on', async () => {
    const bad = t.write('bad.jpg', 'not a jpeg');
    const files = [pngFile, bad, jpgFile, join(t.dir, 'gone.jpg'), pngFile];
    const seen: string[] = [];
    const { images, failures } = await decodeAll(files, { concurrency: 2, progress: false, onBadFile: (f) => seen.push(f.source) });
    expect(images.map((i) => (i ? `${i.width}x${i.height}` : null))).toEqual(['4x3', null, '64x48', null, '4x3']);
    expect(failures.map((f) => [f.index, f.source])).toEqual([
      [1, bad],
      [3, join(t.dir, 'gone.jpg')],
    ]);
    expect(failures[0]!.error.message).toMatch(/bad\.jpg: unsupported/);
    expect(seen).toEqual([bad, join(t.dir, 'gone.jpg')]);
    const indices: number[] = [];
    for await (const d of decodeEach(files, { progress: false, concurrency: 3 })) indices.push(d.index);
    expect(indices).toEqual([0, 2, 4]);
  });

  it("stops at the first bad file with onError: 'throw'", async () => {
    const bad = t.write('bad2.jpg', 'nope');
    const got: number[] = [];
    const run = async (): Promise<void> => {
      for await (const d of decodeEach([pngFile, bad, pngFile], { onError: 'throw', progress: false })) got.push(d.index);
    };
    await expect(run()).rejects.toThrow(/bad2\.jpg: unsupported or unrecognised image format/);
    expect(got).toEqual([0]);
  });
});

describe.skipIf(missingDataset('lfw'))('decoding real LFW JPEGs', { timeout: 30_000 }, () => {
  it('decodes and resizes a few deep-funneled images to 152×152 float RGB with plausible pixels', async () => {
    const dir = join(DATASETS, 'lfw', 'lfw-deepfunneled');
    const files = ['Aaron_Eckhart/Aaron_Eckhart_0001.jpg', 'George_W_Bush/George_W_Bush_0001.jpg', 'Zico/Zico_0001.jpg'].map((f) => join(dir, f));
    const { images, failures } = await decodeAll(files, { resize: { width: 152, height: 152 }, dtype: 'float32', progress: false });
    expect(failures).toEqual([]);
    for (const img of images) {
      expect([img!.width, img!.height, img!.channels]).toEqual([152, 152, 3]);
      let sum = 0;
      let min = 255;
      let max = 0;
      for (const v of img!.data) {
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      // A face photo: mid-range mean, real contrast.
      expect(sum / img!.data.length).toBeGreaterThan(30);
      expect(sum / img!.data.length).toBeLessThan(225);
      expect(max - min).toBeGreaterThan(100);
    }
  });
});
