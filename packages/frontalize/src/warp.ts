/**
 * Output-driven warps: every output pixel is mapped back into the source image and sampled
 * bilinearly, so the output has no holes. Pixel centres sit at integer coordinates.
 */
import { assertImage, type Image, type RgbImage } from '@deepface-ts/image';

export type PixelType = 'uint8' | 'float32';

/** What a pixel that maps outside the source image gets: the nearest edge pixel, or black. */
export type BorderMode = 'clamp' | 'zero';

export interface WarpOptions {
  /** Output element type (default 'float32'). */
  dtype?: PixelType;
  /** Default 'clamp'. */
  border?: BorderMode;
}

export type OutputImage<D extends PixelType> = RgbImage<D extends 'uint8' ? Uint8Array : Float32Array>;

export function allocateRgb(width: number, height: number, dtype: PixelType): RgbImage {
  const n = width * height * 3;
  return { width, height, channels: 3, data: dtype === 'uint8' ? new Uint8Array(n) : new Float32Array(n) };
}

/**
 * Bilinear sample of an RGB image at (x, y) into out[o..o+2]. Written out for 3 channels
 * because it is the innermost loop of every warp here; `u8` must say whether `out` is a
 * Uint8Array (rounded and clamped) — passed in so the loop does not test it per pixel.
 */
export function sampleRgb(src: Uint8Array | Float32Array, w: number, h: number, x: number, y: number, out: Uint8Array | Float32Array, o: number, zero: boolean, u8 = out instanceof Uint8Array): void {
  let x0: number, y0: number, fx: number, fy: number, dx: number, dy: number;
  if (x >= 0 && y >= 0 && x < w - 1 && y < h - 1) {
    // Interior (almost every pixel of a face crop): no clamping.
    x0 = x | 0;
    y0 = y | 0;
    fx = x - x0;
    fy = y - y0;
    dx = 3;
    dy = 3 * w;
  } else {
    if (zero && (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5)) {
      out[o] = 0;
      out[o + 1] = 0;
      out[o + 2] = 0;
      return;
    }
    const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
    const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
    x0 = xc | 0;
    y0 = yc | 0;
    fx = xc - x0;
    fy = yc - y0;
    dx = x0 + 1 < w ? 3 : 0;
    dy = y0 + 1 < h ? 3 * w : 0;
  }
  const i = (y0 * w + x0) * 3;
  const j = i + dy;
  const top0 = src[i]! + (src[i + dx]! - src[i]!) * fx;
  const top1 = src[i + 1]! + (src[i + dx + 1]! - src[i + 1]!) * fx;
  const top2 = src[i + 2]! + (src[i + dx + 2]! - src[i + 2]!) * fx;
  const r = top0 + (src[j]! + (src[j + dx]! - src[j]!) * fx - top0) * fy;
  const g = top1 + (src[j + 1]! + (src[j + dx + 1]! - src[j + 1]!) * fx - top1) * fy;
  const b = top2 + (src[j + 2]! + (src[j + dx + 2]! - src[j + 2]!) * fx - top2) * fy;
  if (u8) {
    // Uint8Array stores wrap modulo 256 and truncate: clamp and round explicitly.
    out[o] = r <= 0 ? 0 : r >= 255 ? 255 : r + 0.5;
    out[o + 1] = g <= 0 ? 0 : g >= 255 ? 255 : g + 0.5;
    out[o + 2] = b <= 0 ? 0 : b >= 255 ? 255 : b + 0.5;
  } else {
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
  }
}

/**
 * Warps `image` by an affine map given from OUTPUT to SOURCE coordinates
 * ([a, b, c, d, e, f]: x_src = a·x + b·y + c, y_src = d·x + e·y + f).
 */
export function warpAffine<D extends PixelType = 'float32'>(
  image: Image,
  outputToSource: ArrayLike<number>,
  width: number,
  height: number,
  options: WarpOptions & { dtype?: D } = {},
): OutputImage<D> {
  const img = assertImage(image, { source: 'warpAffine input', checkFinite: false });
  const out = allocateRgb(width, height, options.dtype ?? 'float32');
  const zero = options.border === 'zero';
  const [a, b, c, d, e, f] = [outputToSource[0]!, outputToSource[1]!, outputToSource[2]!, outputToSource[3]!, outputToSource[4]!, outputToSource[5]!];
  const src = img.data;
  const dst = out.data;
  const u8 = dst instanceof Uint8Array;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      sampleRgb(src, img.width, img.height, a * x + b * y + c, d * x + e * y + f, dst, (y * width + x) * 3, zero, u8);
    }
  }
  return out as OutputImage<D>;
}
