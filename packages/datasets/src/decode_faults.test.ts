// Untrusted input for decodeImage (Node): every fault is refused before it costs memory, with
// an error that names the file, the limit and how to raise it. One case per row.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, ftruncateSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, decodeImage, DEFAULT_MAX_IMAGE_BYTES, type NodeDecodeOptions } from './decode';
import { ImageDecodeError } from './errors';
import { findLfwImageRoot } from './lfw';
import { tempDir } from './test-helpers';

const t = tempDir('deepface-decode-faults-');
afterAll(t.cleanup);

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The error decodeImage rejects with (or fails the test when it resolves). */
const failure = async (input: string | Uint8Array, options?: NodeDecodeOptions): Promise<ImageDecodeError> => {
  const outcome = await decodeImage(input, options).then(
    (img) => new Error(`decoded a ${img.width}×${img.height} image`),
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(ImageDecodeError);
  return outcome as ImageDecodeError;
};

/** A FIFO made with mkfifo, or undefined (with a note) where there is none. */
function makeFifo(path: string): string | undefined {
  try {
    execFileSync('mkfifo', [path], { stdio: 'ignore' });
    return path;
  } catch (e) {
    console.warn(`[decode_faults] mkfifo unavailable (${(e as Error).message}): skipping the FIFO case`);
    return undefined;
  }
}

let jpg: Buffer;
let png: string;
let onePixel: string;
let fifo: string | undefined;
beforeAll(async () => {
  jpg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 100, b: 50 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  png = t.write('photo64x48.png', await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
  onePixel = t.write('one.png', await sharp(Uint8Array.from([9, 8, 7]), { raw: { width: 1, height: 1, channels: 3 } }).png().toBuffer());
  fifo = makeFifo(join(t.dir, 'pipe.jpg'));
});

/** The JPEG with its SOF0 header claiming width × height: a "pixel bomb" whose body cannot back the claim. */
function withClaimedSize(bytes: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && out[i + 1] === 0xc0) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF0 marker');
}

/** A sparse file of `bytes` (no disk, no reading): stands in for a huge download. */
function sparse(name: string, bytes: number): string {
  const file = join(t.dir, name);
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return file;
}

interface Row {
  what: string;
  /** The input, built when the row runs (after beforeAll); undefined skips the row. */
  input: () => string | Uint8Array | undefined;
  options?: NodeDecodeOptions;
  /** The message, after the source. */
  message: RegExp;
  /** The source the message must start with (default: the input path). */
  source?: string;
}

const rows: Row[] = [
  { what: '/dev/zero (endless bytes)', input: () => (existsSync('/dev/zero') ? '/dev/zero' : undefined), message: /^is a character device, not a regular file: images are read from regular files only/ },
  { what: 'a FIFO', input: () => fifo, message: /^is a FIFO \(named pipe\), not a regular file/ },
  { what: 'a directory', input: () => (mkdirSync(join(t.dir, 'folder.jpg'), { recursive: true }), join(t.dir, 'folder.jpg')), message: /^is a folder, not an image$/ },
  { what: 'a missing file', input: () => join(t.dir, 'nope.jpg'), message: /^file not found$/ },
  { what: 'a file over a small maxBytes', input: () => t.write('big.jpg', Buffer.concat([jpg, Buffer.alloc(1536 - jpg.length)])), options: { maxBytes: 500 }, message: /^file is 1\.5 KiB, over the 500 bytes limit for an image \(raise it with the maxBytes option\)$/ },
  { what: 'a 5 GiB file over the default maxBytes', input: () => sparse('huge.jpg', 5 * 2 ** 30), message: /^file is 5 GiB, over the 64 MiB limit for an image \(raise it with the maxBytes option\)$/ },
  { what: 'an image over a small maxPixels', input: () => png, options: { maxPixels: 1000 }, message: /^image is 64×48 = 3072 pixels, over the 1000 pixels limit \(raise it with the maxPixels option\)$/ },
  {
    what: 'a header claiming 60000×60000 (refused from the header, not decoded)',
    input: () => t.write('bomb.jpg', withClaimedSize(jpg, 60000, 60000)),
    message: /^image is 60000×60000 = 3600 megapixels, over the 67\.1 megapixels \(8192×8192\) limit \(raise it with the maxPixels option\)$/,
  },
  { what: 'the same bomb as bytes', input: () => withClaimedSize(jpg, 60000, 60000), options: { source: 'upload.jpg' }, source: 'upload.jpg', message: /^image is 60000×60000/ },
  { what: 'a truncated JPEG', input: () => t.write('half.jpg', jpg.subarray(0, jpg.length >> 1)), message: /^truncated image data/ },
  { what: 'a text file named .jpg', input: () => t.write('notes.jpg', 'hello, I am not an image\n'), message: /^unsupported or unrecognised image format$/ },
  { what: 'an empty file', input: () => t.write('empty.jpg', ''), message: /^file is empty \(0 bytes\)$/ },
  { what: 'a 1×1 image where the consumer needs 2×2', input: () => onePixel, options: { minSize: 2 }, message: /^image is 1×1, smaller than the 2×2 minimum \(the minSize option\)$/ },
  { what: 'maxBytes 0 (a bad option)', input: () => png, options: { maxBytes: 0 }, message: /^maxBytes must be a positive integer or Infinity, got 0$/ },
  { what: 'maxPixels NaN (a bad option)', input: () => png, options: { maxPixels: NaN }, message: /^maxPixels must be a positive integer or Infinity, got NaN$/ },
  { what: 'minSize 0 (a bad option)', input: () => png, options: { minSize: 0 }, message: /^minSize must be a positive integer, got 0$/ },
];

describe('decodeImage refuses untrusted input, naming the file', () => {
  it.each(rows.map((r) => [r.what, r] as const))('%s', async (_what, row) => {
    const input = row.input();
    if (input === undefined) {
      console.warn(`[decode_faults] skipped: ${row.what} (not available here)`);
      return;
    }
    const source = row.source ?? (input as string);
    const error = await failure(input, row.options);
    expect(error.file).toBe(source);
    expect(error.message.startsWith(`${source}: `)).toBe(true);
    expect(error.problem).toMatch(row.message);
  }, 20_000);
});

describe('decodeImage within its limits', () => {
  it('decodes at exactly maxBytes and maxPixels, with Infinity, through a symlink, and a 1×1 image by default', async () => {
    const size = readFileSync(png).length;
    expect((await decodeImage(png, { maxBytes: size, maxPixels: 64 * 48 })).width).toBe(64);
    expect((await decodeImage(png, { maxBytes: Infinity, maxPixels: Infinity })).height).toBe(48);
    const link = join(t.dir, 'link.png');
    symlinkSync(png, link);
    expect((await decodeImage(link)).width).toBe(64);
    expect([(await decodeImage(onePixel)).width, (await decodeImage(onePixel, { minSize: 1 })).height]).toEqual([1, 1]);
    // minSize applies to the stored image, not to the resized output
    await expect(decodeImage(onePixel, { minSize: 2, resize: { width: 8, height: 8 } })).rejects.toThrow(`${onePixel}: image is 1×1, smaller than the 2×2 minimum`);
  });

  it('decodeAll passes the limits to every file and reports the ones over them', async () => {
    const { images, failures } = await decodeAll([onePixel, png, onePixel], { maxPixels: 100, progress: false });
    expect(images.map((i) => i?.width ?? null)).toEqual([1, null, 1]);
    expect(failures.map((f) => [f.index, f.error.message])).toEqual([[1, `${png}: image is 64×48 = 3072 pixels, over the 100 pixels limit (raise it with the maxPixels option)`]]);
    const small = await decodeAll([onePixel, png], { minSize: 2, maxBytes: 100_000, progress: false });
    expect(small.failures.map((f) => f.source)).toEqual([onePixel]);
  });
});

describe('decoding /dev/zero does not read it', () => {
  it.skipIf(!existsSync('/dev/zero'))('keeps RSS growth well under 2× the default cap', async () => {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) await expect(decodeImage('/dev/zero')).rejects.toThrow(/^\/dev\/zero: is a character device/);
    const growth = process.memoryUsage().rss - before;
    expect(growth).toBeLessThan(DEFAULT_MAX_IMAGE_BYTES / 2); // well under 2× the cap (128 MiB): nothing is read, so it grows by ~0
  });
});

describe('findLfwImageRoot follows symlinks', () => {
  it('finds a symlinked lfw-deepfunneled folder, and a symlinked nested one', () => {
    const real = join(t.dir, 'storage', 'deepfunneled');
    t.write(join('storage', 'deepfunneled', 'Zico', 'Zico_0001.jpg'), 'x');
    const root = join(t.dir, 'lfw');
    mkdirSync(root);
    symlinkSync(real, join(root, 'lfw-deepfunneled'), 'dir');
    expect(findLfwImageRoot(root)).toBe(join(root, 'lfw-deepfunneled'));
    // Kaggle's nesting, with the inner folder a link: lfw2/lfw-deepfunneled/lfw-deepfunneled -> real
    const nested = join(t.dir, 'lfw2', 'lfw-deepfunneled');
    mkdirSync(nested, { recursive: true });
    symlinkSync(real, join(nested, 'lfw-deepfunneled'), 'dir');
    expect(findLfwImageRoot(join(t.dir, 'lfw2'))).toBe(join(nested, 'lfw-deepfunneled'));
    // a dangling link is ignored, not fatal
    const dangling = join(t.dir, 'lfw3');
    mkdirSync(dangling);
    symlinkSync(join(t.dir, 'gone'), join(dangling, 'lfw-deepfunneled'), 'dir');
    expect(() => findLfwImageRoot(dangling)).toThrow(new RegExp(`${escape(dangling)}: no LFW image folder found`));
  });
});
