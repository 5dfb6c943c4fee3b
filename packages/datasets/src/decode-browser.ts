/**
 * Browser image decoding: fetch / Blob → createImageBitmap → (Offscreen)canvas →
 * RgbImage. Same options and errors as the Node decoder.
 */
import type { RgbImage } from '@deepface-ts/image';
import { checkDecodeOptions, decodeAllWith, decodeEachWith, describeSource, toFloat32, type DecodeManyOptions, type DecodeOptions } from './decode-batch';
import { ImageDecodeError } from './errors';

export type BrowserImageSource = string | Blob | ArrayBuffer | ArrayBufferView;

/** Largest encoded image read by default: 64 MiB (a 50-megapixel JPEG is about 20 MB). */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Largest image decoded by default: 8192×8192 = 67.1 megapixels (192 MiB as uint8 RGB, 768 MiB as float32). */
export const DEFAULT_MAX_IMAGE_PIXELS = 8192 * 8192;

/**
 * Limits on untrusted input, checked before the expensive step, so that a bad or hostile
 * file fails with an error naming it instead of exhausting memory. Shared by the Node and
 * browser decoders (this module has no Node imports, so the Node decoder takes them from here).
 */
export interface DecodeLimits {
  /**
   * Largest encoded image, in bytes (default 64 MiB; `Infinity` for none). Node checks the
   * file's size with stat before reading a byte and refuses anything that is not a regular file
   * (a FIFO, /dev/zero, a folder); the browser checks a Blob's size and a response's length.
   */
  maxBytes?: number;
  /**
   * Largest image, width × height (default 8192×8192 = 67.1 megapixels; `Infinity` for none).
   * Node reads the dimensions from the file's header before decoding any pixel; the browser,
   * which decodes inside createImageBitmap, checks the bitmap before copying it out (with
   * `resize`, that bitmap already has the requested size, so only maxBytes guards the input).
   */
  maxPixels?: number;
  /**
   * Smallest acceptable width and height (default 1), of the image as stored. A consumer that
   * needs more, such as a face detector (2×2), says so here, and a smaller image fails with an
   * error naming the file (in the browser: of the decoded bitmap, as for maxPixels).
   */
  minSize?: number;
}

export interface BrowserDecodeOptions extends DecodeOptions, DecodeLimits {
  /** Name used in errors for Blobs and buffers (default: the File's name, else "image buffer"). */
  source?: string;
}

/** 64 MiB, 1.5 GiB, 300 KiB, 17 bytes. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of units) if (n >= size) return `${+(n / size).toFixed(1)} ${unit}`;
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/** 3072 pixels, 3600 megapixels; a limit that is a big square also as its side: 67.1 megapixels (8192×8192). */
function formatPixels(n: number, limit = false): string {
  if (n < 1e6) return `${n} pixel${n === 1 ? '' : 's'}`;
  const side = Math.sqrt(n);
  return `${+(n / 1e6).toFixed(1)} megapixels${limit && Number.isInteger(side) ? ` (${side}×${side})` : ''}`;
}

/** Validates the limits; returns them with the defaults filled in. */
export function checkDecodeLimits(options: DecodeLimits, source: string): Required<DecodeLimits> {
  const { maxBytes = DEFAULT_MAX_IMAGE_BYTES, maxPixels = DEFAULT_MAX_IMAGE_PIXELS, minSize = 1 } = options;
  for (const [name, value] of [
    ['maxBytes', maxBytes],
    ['maxPixels', maxPixels],
  ] as const) {
    if (!(value === Infinity || (Number.isInteger(value) && value >= 1))) throw new ImageDecodeError(source, `${name} must be a positive integer or Infinity, got ${String(value)}`);
  }
  if (!(Number.isInteger(minSize) && minSize >= 1)) throw new ImageDecodeError(source, `minSize must be a positive integer, got ${String(minSize)}`);
  return { maxBytes, maxPixels, minSize };
}

/** The error for an encoded image over maxBytes (`size` undefined: "more than the limit"). */
export function tooManyBytes(source: string, size: number | undefined, maxBytes: number): ImageDecodeError {
  const what = size === undefined ? 'more than' : `${formatBytes(size)}, over`;
  return new ImageDecodeError(source, `file is ${what} the ${formatBytes(maxBytes)} limit for an image (raise it with the maxBytes option)`);
}

/** Checks decoded or header dimensions against maxPixels and minSize. */
export function checkImageSize(source: string, width: number, height: number, limits: Required<DecodeLimits>): void {
  if (width * height > limits.maxPixels) {
    throw new ImageDecodeError(source, `image is ${width}×${height} = ${formatPixels(width * height)}, over the ${formatPixels(limits.maxPixels, true)} limit (raise it with the maxPixels option)`);
  }
  if (width < limits.minSize || height < limits.minSize) {
    throw new ImageDecodeError(source, `image is ${width}×${height}, smaller than the ${limits.minSize}×${limits.minSize} minimum (the minSize option)`);
  }
}

/** A fetch response's body, refusing one over maxBytes (by Content-Length, else while it streams). */
async function boundedBody(response: Response, source: string, maxBytes: number): Promise<Blob> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooManyBytes(source, declared, maxBytes);
  if (!response.body) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooManyBytes(source, undefined, maxBytes);
    }
    chunks.push(value as Uint8Array<ArrayBuffer>);
  }
  return new Blob(chunks, { type: response.headers.get('content-type') ?? '' });
}

function makeCanvas(width: number, height: number): { getContext(id: '2d', o?: object): unknown } {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  if (typeof document !== 'undefined') {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    return c;
  }
  throw new Error('neither OffscreenCanvas nor document is available');
}

/**
 * Decodes a URL, Blob/File or encoded bytes to RGB with the browser's own decoders. The
 * limits (maxBytes, maxPixels, minSize: see DecodeLimits) are checked as early as the
 * browser allows; errors name the source.
 */
export async function decodeImage(input: BrowserImageSource, options: BrowserDecodeOptions = {}): Promise<RgbImage> {
  const source = options.source ?? describeSource(input);
  checkDecodeOptions(options, source);
  const limits = checkDecodeLimits(options, source);
  if (typeof createImageBitmap !== 'function') throw new ImageDecodeError(source, 'createImageBitmap is not available in this environment (use the Node build there)');
  let blob: Blob;
  if (typeof input === 'string') {
    let response: Response;
    try {
      response = await fetch(input);
    } catch (error) {
      throw new ImageDecodeError(source, `cannot fetch (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    if (!response.ok) throw new ImageDecodeError(source, `HTTP ${response.status} ${response.statusText}`.trim());
    blob = await boundedBody(response, source, limits.maxBytes);
  } else if (input instanceof Blob) {
    blob = input;
  } else {
    const view = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
    blob = new Blob([view as Uint8Array<ArrayBuffer>]);
  }
  if (blob.size === 0) throw new ImageDecodeError(source, 'file is empty (0 bytes)');
  if (blob.size > limits.maxBytes) throw tooManyBytes(source, blob.size, limits.maxBytes);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      imageOrientation: (options.autoOrient ?? true) ? 'from-image' : 'none',
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'default',
      ...(options.resize ? { resizeWidth: options.resize.width, resizeHeight: options.resize.height, resizeQuality: 'high' as const } : {}),
    });
  } catch (error) {
    throw new ImageDecodeError(source, `corrupt, truncated or unsupported image (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const { width, height } = bitmap;
  try {
    // Before the canvas copy (4 bytes a pixel), the largest allocation of all.
    checkImageSize(source, width, height, limits);
    const ctx = makeCanvas(width, height).getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | null;
    if (!ctx) throw new ImageDecodeError(source, 'no 2D canvas context available');
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
      rgb[q] = rgba[p]!;
      rgb[q + 1] = rgba[p + 1]!;
      rgb[q + 2] = rgba[p + 2]!;
    }
    return { width, height, channels: 3, data: options.dtype === 'float32' ? toFloat32(rgb) : rgb };
  } finally {
    bitmap.close();
  }
}

export function decodeEach(sources: readonly BrowserImageSource[], options: DecodeManyOptions & DecodeLimits = {}) {
  return decodeEachWith(decodeImage, sources, { progress: false, ...options });
}

export function decodeAll(sources: readonly BrowserImageSource[], options: DecodeManyOptions & DecodeLimits = {}) {
  return decodeAllWith(decodeImage, sources, { progress: false, ...options });
}
