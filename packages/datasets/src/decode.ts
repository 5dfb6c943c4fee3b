/** Node image decoding with sharp (libvips + mozjpeg): file or bytes → RgbImage. */
import { readFile } from 'node:fs/promises';
import type { RgbImage } from '@deepface-ts/image';
import type sharpType from 'sharp';
import { checkDecodeOptions, decodeAllWith, decodeEachWith, describeSource, toFloat32, type DecodeManyOptions, type DecodeOptions } from './decode-batch';
import { ImageDecodeError } from './errors';

export interface NodeDecodeOptions extends DecodeOptions {
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

function explain(message: string): string {
  if (/unsupported image format/i.test(message)) return 'unsupported or unrecognised image format';
  if (/premature end|truncated|end of (file|stream|data)/i.test(message)) return `truncated image data (${message})`;
  return `corrupt image (${message})`;
}

/**
 * Decodes a file path or encoded bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF…) to RGB:
 * grey is expanded, alpha dropped, EXIF orientation applied. Errors name the file:
 * missing, empty, unsupported, truncated or corrupt.
 */
export async function decodeImage(input: string | Uint8Array, options: NodeDecodeOptions & { dtype: 'float32' }): Promise<RgbImage<Float32Array>>;
export async function decodeImage(input: string | Uint8Array, options?: NodeDecodeOptions & { dtype?: 'uint8' }): Promise<RgbImage<Uint8Array>>;
export async function decodeImage(input: string | Uint8Array, options?: NodeDecodeOptions): Promise<RgbImage>;
export async function decodeImage(input: string | Uint8Array, options: NodeDecodeOptions = {}): Promise<RgbImage> {
  const source = typeof input === 'string' ? input : (options.source ?? describeSource(input));
  checkDecodeOptions(options, source);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ImageDecodeError(source, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot read (${code ?? String(error)})`, { cause: error });
    }
  } else bytes = input;
  if (bytes.length === 0) throw new ImageDecodeError(source, 'file is empty (0 bytes)');
  const sharp = await loadSharp();
  let result: { data: Buffer; info: sharpType.OutputInfo };
  try {
    // failOn 'truncated' rejects cut-off files but tolerates harmless warnings that many real JPEGs carry.
    let pipeline = sharp(bytes, { failOn: 'truncated', sequentialRead: true });
    if (options.autoOrient ?? true) pipeline = pipeline.rotate();
    pipeline = pipeline.removeAlpha().toColourspace('srgb');
    if (options.resize) pipeline = pipeline.resize(options.resize.width, options.resize.height, { fit: 'fill', kernel: options.kernel ?? 'linear' });
    result = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(source, explain(error instanceof Error ? error.message : String(error)), { cause: error });
  }
  const { width, height, channels } = result.info;
  if (channels !== 3 || result.data.length !== width * height * 3) {
    throw new ImageDecodeError(source, `decoder returned ${channels} channels and ${result.data.length} bytes for ${width}×${height}, expected 8-bit RGB`);
  }
  const u8 = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.length);
  return { width, height, channels: 3, data: options.dtype === 'float32' ? toFloat32(u8) : u8 };
}

/** Decodes many files, in input order, skipping (and reporting) bad ones; see DecodeManyOptions. */
export function decodeEach(sources: readonly (string | Uint8Array)[], options: DecodeManyOptions & Pick<NodeDecodeOptions, 'kernel'> = {}) {
  const { kernel } = options;
  return decodeEachWith((s: string | Uint8Array, o) => decodeImage(s, { ...o, ...(kernel ? { kernel } : {}) }), sources, options);
}

/** Decodes many files into memory; `images[i]` is undefined for a bad file, listed in `failures`. */
export function decodeAll(sources: readonly (string | Uint8Array)[], options: DecodeManyOptions & Pick<NodeDecodeOptions, 'kernel'> = {}) {
  const { kernel } = options;
  return decodeAllWith((s: string | Uint8Array, o) => decodeImage(s, { ...o, ...(kernel ? { kernel } : {}) }), sources, options);
}
