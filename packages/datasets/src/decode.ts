/** Node image decoding with sharp (libvips + mozjpeg): file or bytes → RgbImage. */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { RgbImage } from '@deepface-ts/image';
import type sharpType from 'sharp';
import { checkDecodeOptions, decodeAllWith, decodeEachWith, describeSource, toFloat32, type DecodeManyOptions, type DecodeOptions } from './decode-batch';
// The limits are shared with the browser decoder; that module has no Node imports.
import { checkDecodeLimits, checkImageSize, tooManyBytes, type DecodeLimits } from './decode-browser';
import { ImageDecodeError } from './errors';

export { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_PIXELS, type DecodeLimits } from './decode-browser';

export interface NodeDecodeOptions extends DecodeOptions, DecodeLimits {
  /** Name used in errors when decoding bytes (default "image buffer"). */
  source?: string;
  /** Resampling kernel for `resize` (default 'linear': libvips scales the kernel with the shrink factor, so shrinking still averages every source pixel). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
}

// sharp (libvips, ~30 MB resident) loads on the first decode, not on import: the parsers and
// the SFC reader do not need it.
let sharpLoading: Promise<typeof sharpType> | undefined;
function loadSharp(): Promise<typeof sharpType> {
  sharpLoading ??= import('sharp').then((m) => ((m as { default?: typeof sharpType }).default ?? (m as unknown as typeof sharpType)));
  return sharpLoading;
}

function explain(message: string, maxPixels: number): string {
  if (/unsupported image format/i.test(message)) return 'unsupported or unrecognised image format';
  if (/exceeds pixel limit/i.test(message)) return `image is over the ${maxPixels}-pixel limit (raise it with the maxPixels option)`;
  if (/premature end|truncated|end of (file|stream|data)/i.test(message)) return `truncated image data (${message})`;
  return `corrupt image (${message})`;
}

/** Why a path that stat describes is no image file, or undefined for a regular file. */
function notARegularFile(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'is a folder, not an image';
  const stream = 'to decode a stream, pass its bytes instead';
  if (info.isFIFO()) return `is a FIFO (named pipe), not a regular file: images are read from regular files only (${stream})`;
  if (info.isCharacterDevice()) return `is a character device, not a regular file: images are read from regular files only (${stream})`;
  if (info.isBlockDevice()) return 'is a block device, not a regular file: images are read from regular files only';
  if (info.isSocket()) return 'is a socket, not a regular file: images are read from regular files only';
  return 'is not a regular file: images are read from regular files only';
}

function cannotRead(source: string, error: unknown): ImageDecodeError {
  const code = (error as NodeJS.ErrnoException).code;
  return new ImageDecodeError(source, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot read (${code ?? String(error)})`, { cause: error });
}

/**
 * Reads an image file, refusing before the first byte anything that is not a regular file or
 * is over maxBytes: /dev/zero, a FIFO or a 5 GB file never reaches memory. The stat is
 * repeated on the open handle (the path may change in between), and the read stops at
 * maxBytes + 1 whatever the size said (a file that grows, a /proc file that says 0).
 */
async function readImageFile(path: string, source: string, maxBytes: number): Promise<Uint8Array> {
  const check = (info: Stats): void => {
    const why = notARegularFile(info);
    if (why) throw new ImageDecodeError(source, why);
    if (info.size > maxBytes) throw tooManyBytes(source, info.size, maxBytes);
  };
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw cannotRead(source, error);
  }
  check(info);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, open does not wait for a writer.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw cannotRead(source, error);
  }
  try {
    check(await handle.stat());
    const want = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Math.min(Math.max(info.size + 1, 64 * 1024), want);
    while (total < want) {
      const buffer = Buffer.allocUnsafe(Math.min(chunk, want - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
      chunk = 1024 * 1024;
    }
    if (total > maxBytes) throw tooManyBytes(source, undefined, maxBytes);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof ImageDecodeError ? error : cannotRead(source, error);
  } finally {
    await handle.close();
  }
}

/**
 * Decodes a file path or encoded bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF…) to RGB:
 * grey is expanded, alpha dropped, EXIF orientation applied. Untrusted sizes are checked
 * before they cost memory (see DecodeLimits): a path must be a regular file of at most
 * `maxBytes` (default 64 MiB, checked with stat before reading), and the image at most
 * `maxPixels` (default 8192×8192, read from the header before decoding) and at least
 * `minSize` on a side. Errors name the file: missing, not a regular file, too big, too many
 * or too few pixels, empty, unsupported, truncated or corrupt.
 */
export async function decodeImage(input: string | Uint8Array, options: NodeDecodeOptions & { dtype: 'float32' }): Promise<RgbImage<Float32Array>>;
export async function decodeImage(input: string | Uint8Array, options?: NodeDecodeOptions & { dtype?: 'uint8' }): Promise<RgbImage<Uint8Array>>;
export async function decodeImage(input: string | Uint8Array, options?: NodeDecodeOptions): Promise<RgbImage>;
export async function decodeImage(input: string | Uint8Array, options: NodeDecodeOptions = {}): Promise<RgbImage> {
  const source = typeof input === 'string' ? input : (options.source ?? describeSource(input));
  checkDecodeOptions(options, source);
  const limits = checkDecodeLimits(options, source);
  // Bytes already in memory cost nothing more to look at: maxBytes guards reading files.
  const bytes = typeof input === 'string' ? await readImageFile(input, source, limits.maxBytes) : input;
  if (bytes.length === 0) throw new ImageDecodeError(source, 'file is empty (0 bytes)');
  const sharp = await loadSharp();
  // The dimensions from the header, before a pixel is decoded. (sharp's own pixel limit would
  // refuse the header too, but without saying how big the image claims to be.)
  let header: sharpType.Metadata;
  try {
    header = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageDecodeError(source, explain(error instanceof Error ? error.message : String(error), limits.maxPixels), { cause: error });
  }
  if (header.width !== undefined && header.height !== undefined) checkImageSize(source, header.width, header.height, limits);
  let result: { data: Buffer; info: sharpType.OutputInfo };
  try {
    // failOn 'truncated' rejects cut-off files but tolerates harmless warnings that many real JPEGs carry;
    // limitInputPixels backs up the header check inside libvips.
    let pipeline = sharp(bytes, { failOn: 'truncated', sequentialRead: true, limitInputPixels: limits.maxPixels === Infinity ? false : limits.maxPixels });
    if (options.autoOrient ?? true) pipeline = pipeline.rotate();
    pipeline = pipeline.removeAlpha().toColourspace('srgb');
    if (options.resize) pipeline = pipeline.resize(options.resize.width, options.resize.height, { fit: 'fill', kernel: options.kernel ?? 'linear' });
    result = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(source, explain(error instanceof Error ? error.message : String(error), limits.maxPixels), { cause: error });
  }
  const { width, height, channels } = result.info;
  if (channels !== 3 || result.data.length !== width * height * 3) {
    throw new ImageDecodeError(source, `decoder returned ${channels} channels and ${result.data.length} bytes for ${width}×${height}, expected 8-bit RGB`);
  }
  const u8 = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.length);
  return { width, height, channels: 3, data: options.dtype === 'float32' ? toFloat32(u8) : u8 };
}

type NodeManyOptions = DecodeManyOptions & Pick<NodeDecodeOptions, 'kernel' | keyof DecodeLimits>;

function decodeOneWith(options: NodeManyOptions) {
  const { kernel, maxBytes, maxPixels, minSize } = options;
  const extra: Pick<NodeDecodeOptions, 'kernel' | keyof DecodeLimits> = { kernel, maxBytes, maxPixels, minSize };
  for (const key of Object.keys(extra) as (keyof typeof extra)[]) if (extra[key] === undefined) delete extra[key];
  return (s: string | Uint8Array, o: DecodeOptions) => decodeImage(s, { ...o, ...extra });
}

/** Decodes many files, in input order, skipping (and reporting) bad ones; see DecodeManyOptions and DecodeLimits. */
export function decodeEach(sources: readonly (string | Uint8Array)[], options: NodeManyOptions = {}) {
  return decodeEachWith(decodeOneWith(options), sources, options);
}

/** Decodes many files into memory; `images[i]` is undefined for a bad file, listed in `failures`. */
export function decodeAll(sources: readonly (string | Uint8Array)[], options: NodeManyOptions = {}) {
  return decodeAllWith(decodeOneWith(options), sources, options);
}
