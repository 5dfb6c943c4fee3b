/**
 * Browser image decoding: fetch / Blob → createImageBitmap → (Offscreen)canvas →
 * RgbImage. Same options and errors as the Node decoder.
 */
import type { RgbImage } from '@deepface-ts/image';
import { checkDecodeOptions, decodeAllWith, decodeEachWith, describeSource, toFloat32, type DecodeManyOptions, type DecodeOptions } from './decode-batch';
import { ImageDecodeError } from './errors';

export type BrowserImageSource = string | Blob | ArrayBuffer | ArrayBufferView;

export interface BrowserDecodeOptions extends DecodeOptions {
  /** Name used in errors for Blobs and buffers (default: the File's name, else "image buffer"). */
  source?: string;
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

/** Decodes a URL, Blob/File or encoded bytes to RGB with the browser's own decoders. */
export async function decodeImage(input: BrowserImageSource, options: BrowserDecodeOptions = {}): Promise<RgbImage> {
  const source = options.source ?? describeSource(input);
  checkDecodeOptions(options, source);
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
    blob = await response.blob();
  } else if (input instanceof Blob) {
    blob = input;
  } else {
    const view = ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
    blob = new Blob([view as Uint8Array<ArrayBuffer>]);
  }
  if (blob.size === 0) throw new ImageDecodeError(source, 'file is empty (0 bytes)');
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

export function decodeEach(sources: readonly BrowserImageSource[], options: DecodeManyOptions = {}) {
  return decodeEachWith(decodeImage, sources, { progress: false, ...options });
}

export function decodeAll(sources: readonly BrowserImageSource[], options: DecodeManyOptions = {}) {
  return decodeAllWith(decodeImage, sources, { progress: false, ...options });
}
