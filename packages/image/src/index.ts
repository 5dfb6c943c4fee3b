/**
 * The one image type that flows through the pipeline (decode → detect → frontalize →
 * network): interleaved HWC pixels, row-major, top-left origin.
 *
 * - `Uint8Array` data holds 0..255 values (what decoders produce);
 * - `Float32Array` data holds any real values (what warps and networks consume).
 */
export interface Image<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  readonly width: number;
  readonly height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  readonly data: T;
}

export type RgbImage<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> = Image<T> & {
  readonly channels: 3;
};

/** Thrown for any image that cannot be used; the message names the source and the fault. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

export interface CheckOptions {
  /** Where the image came from (a file path, "camera", …), quoted in errors. */
  source?: string;
  /** Smallest acceptable width and height (default 2: a 1×1 image holds no face). */
  minSize?: number;
  /** Required channel count (default 3). */
  channels?: number;
  /** Scan float data for NaN / ±Infinity (default true). */
  checkFinite?: boolean;
}

/**
 * Validates an image and returns it typed as RGB (or the requested channel count).
 * Errors name the source and what is wrong: empty, too small, wrong channel count, a data
 * length that does not match width·height·channels, or a non-finite value (with its index).
 */
export function assertImage(image: Image, options: CheckOptions = {}): RgbImage {
  const { source = 'image', minSize = 2, channels = 3, checkFinite = true } = options;
  if (image === null || typeof image !== 'object') {
    throw new ImageError(`${source}: expected an image object { width, height, channels, data }, got ${image === null ? 'null' : typeof image}`);
  }
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new ImageError(`${source}: width and height must be non-negative integers, got ${width}×${height}`);
  }
  if (width === 0 || height === 0) {
    throw new ImageError(`${source}: image is empty (${width}×${height})`);
  }
  if (width < minSize || height < minSize) {
    throw new ImageError(`${source}: image is ${width}×${height}, smaller than the minimum ${minSize}×${minSize}`);
  }
  if (image.channels !== channels) {
    throw new ImageError(`${source}: expected ${channels} channels (${channels === 3 ? 'RGB' : channels + '-channel'}), got ${image.channels}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Float32Array)) {
    throw new ImageError(`${source}: data must be a Uint8Array or Float32Array`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new ImageError(`${source}: data has ${data.length} values, expected ${width}×${height}×${channels} = ${expected}`);
  }
  if (checkFinite && data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) {
        const px = Math.floor(i / channels);
        throw new ImageError(`${source}: non-finite value ${v} at pixel (x=${px % width}, y=${Math.floor(px / width)}), channel ${i % channels}`);
      }
    }
  }
  return image as RgbImage;
}

/** Allocates a zeroed image. */
export function createImage<T extends 'uint8' | 'float32'>(
  width: number,
  height: number,
  channels: number,
  dtype: T,
): Image<T extends 'uint8' ? Uint8Array : Float32Array> {
  const n = width * height * channels;
  const data = dtype === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
  return { width, height, channels, data } as Image<T extends 'uint8' ? Uint8Array : Float32Array>;
}

/**
 * Bilinear sample of every channel at real coordinates (x, y) in pixel units, where pixel
 * centres sit at integer coordinates. Outside the image the nearest edge pixel is used
 * (clamp), so warps that reach slightly past the border do not produce black seams.
 * Writes `channels` values into `out` at `outOffset`.
 */
export function sampleBilinear(
  image: Image,
  x: number,
  y: number,
  out: Float32Array | Uint8Array,
  outOffset = 0,
): void {
  const { width: w, height: h, channels: c, data } = image;
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = xc - x0;
  const fy = yc - y0;
  const i00 = (y0 * w + x0) * c;
  const i01 = (y0 * w + x1) * c;
  const i10 = (y1 * w + x0) * c;
  const i11 = (y1 * w + x1) * c;
  const round = out instanceof Uint8Array;
  for (let k = 0; k < c; k++) {
    const top = data[i00 + k]! + (data[i01 + k]! - data[i00 + k]!) * fx;
    const bottom = data[i10 + k]! + (data[i11 + k]! - data[i10 + k]!) * fx;
    const v = top + (bottom - top) * fy;
    out[outOffset + k] = round ? Math.round(v) : v;
  }
}

/**
 * Resizes with bilinear interpolation, aligning pixel centres (the convention of
 * OpenCV's INTER_LINEAR and tf.image.resizeBilinear with halfPixelCenters).
 */
export function resizeBilinear<T extends Uint8Array | Float32Array>(
  image: Image<T>,
  width: number,
  height: number,
): Image<T> {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new ImageError(`resizeBilinear: target size must be positive integers, got ${width}×${height}`);
  }
  const c = image.channels;
  const data = (image.data instanceof Uint8Array ? new Uint8Array(width * height * c) : new Float32Array(width * height * c)) as T;
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const srcY = (y + 0.5) * sy - 0.5;
    for (let x = 0; x < width; x++) {
      sampleBilinear(image, (x + 0.5) * sx - 0.5, srcY, data, (y * width + x) * c);
    }
  }
  return { width, height, channels: c, data };
}

/** Converts any 1/3/4-channel image to RGB float32 in [0, 255] (grey is replicated, alpha dropped). */
export function toRgbFloat(image: Image): RgbImage<Float32Array> {
  const { width, height, channels, data } = image;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ImageError(`toRgbFloat: unsupported channel count ${channels} (expected 1, 3 or 4)`);
  }
  const out = new Float32Array(width * height * 3);
  for (let p = 0, n = width * height; p < n; p++) {
    if (channels === 1) {
      const v = data[p]!;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    } else {
      out[3 * p] = data[channels * p]!;
      out[3 * p + 1] = data[channels * p + 1]!;
      out[3 * p + 2] = data[channels * p + 2]!;
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Converts to uint8 RGB, rounding and clamping to 0..255. */
export function toRgbUint8(image: Image): RgbImage<Uint8Array> {
  const rgb = image.channels === 3 && image.data instanceof Float32Array ? (image as RgbImage<Float32Array>) : toRgbFloat(image);
  const out = new Uint8Array(rgb.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(rgb.data[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width: rgb.width, height: rgb.height, channels: 3, data: out };
}
