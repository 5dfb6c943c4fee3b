/**
 * A generic appearance descriptor for part crops (the role of PIPER's CNN features, which this project
 * cannot train here): joint colour histograms, gradient-orientation histograms and uniform-LBP histograms
 * on a spatial pyramid, each block L1-normalised and square-rooted (Hellinger), the whole L2-normalised.
 */
import type { RgbImage } from '@deepface-ts/image';
import { LBP_BINS, lbpHistogramsFromGrey } from '@deepface-ts/lbp';
import { PiperError } from './fusion';

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DescriptorOptions {
  /** Crop size in pixels the box is resampled to (default 64×64). */
  width?: number;
  height?: number;
  /** Pyramid levels: level l has 2^l × 2^l cells (default 2 levels: 1×1 and 2×2). */
  levels?: number;
  /** Gradient-orientation grid (default 4 → 4×4 cells of 9 bins). */
  gradientGrid?: number;
}

/**
 * Resamples `box` of `img` to w×h float RGB by averaging up to 4×4 bilinear samples per output pixel,
 * so downscaling large boxes does not alias (texture histograms depend on it). Outside the image: edge clamp.
 */
export function cropResize(img: RgbImage<Uint8Array>, box: CropBox, w: number, h: number): Float32Array {
  if (!(img.width > 1 && img.height > 1 && img.data.length === img.width * img.height * 3)) {
    throw new PiperError(`image must be RGB with at least 2×2 pixels, got ${img.width}×${img.height}×${img.channels} with ${img.data.length} values`);
  }
  if (!(box.width > 0 && box.height > 0) || ![box.x, box.y, box.width, box.height].every(Number.isFinite)) {
    throw new PiperError(`crop box must have a positive finite size, got ${JSON.stringify(box)}`);
  }
  const out = new Float32Array(w * h * 3);
  const sx = box.width / w;
  const sy = box.height / h;
  const nx = Math.min(4, Math.max(1, Math.ceil(sx)));
  const ny = Math.min(4, Math.max(1, Math.ceil(sy)));
  const { width: W, height: H, data } = img;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let a = 0; a < ny; a++) {
        const py = box.y + (y + (a + 0.5) / ny) * sy - 0.5;
        const yc = py < 0 ? 0 : py > H - 1 ? H - 1 : py;
        const y0 = Math.floor(yc);
        const y1 = y0 + 1 < H ? y0 + 1 : y0;
        const fy = yc - y0;
        for (let c = 0; c < nx; c++) {
          const px = box.x + (x + (c + 0.5) / nx) * sx - 0.5;
          const xc = px < 0 ? 0 : px > W - 1 ? W - 1 : px;
          const x0 = Math.floor(xc);
          const x1 = x0 + 1 < W ? x0 + 1 : x0;
          const fx = xc - x0;
          const i00 = (y0 * W + x0) * 3;
          const i01 = (y0 * W + x1) * 3;
          const i10 = (y1 * W + x0) * 3;
          const i11 = (y1 * W + x1) * 3;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          r += w00 * data[i00] + w01 * data[i01] + w10 * data[i10] + w11 * data[i11];
          g += w00 * data[i00 + 1] + w01 * data[i01 + 1] + w10 * data[i10 + 1] + w11 * data[i11 + 1];
          b += w00 * data[i00 + 2] + w01 * data[i01 + 2] + w10 * data[i10 + 2] + w11 * data[i11 + 2];
        }
      }
      const inv = 1 / (nx * ny);
      const o = (y * w + x) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = b * inv;
    }
  }
  return out;
}

function finishBlock(v: Float32Array, start: number, end: number): void {
  let s = 0;
  for (let i = start; i < end; i++) s += v[i];
  if (s <= 0) return;
  for (let i = start; i < end; i++) v[i] = Math.sqrt(v[i] / s);
}

/** Descriptor length for the given options. */
export function descriptorLength(opts: DescriptorOptions = {}): number {
  const levels = opts.levels ?? 2;
  let cells = 0;
  for (let l = 0; l < levels; l++) cells += 4 ** l;
  const gg = opts.gradientGrid ?? 4;
  return cells * (64 + LBP_BINS) + gg * gg * 9;
}

/** Appearance descriptor of `box` (default: the whole image). */
export function appearanceDescriptor(img: RgbImage<Uint8Array>, box?: CropBox, opts: DescriptorOptions = {}): Float32Array {
  const w = opts.width ?? 64;
  const h = opts.height ?? 64;
  const levels = opts.levels ?? 2;
  const gg = opts.gradientGrid ?? 4;
  const rgb = cropResize(img, box ?? { x: 0, y: 0, width: img.width, height: img.height }, w, h);
  const grey = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) grey[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  const out = new Float32Array(descriptorLength(opts));
  let o = 0;
  for (let l = 0; l < levels; l++) {
    const g = 2 ** l;
    // Uniform LBP (8 neighbours, radius 1) from @deepface-ts/lbp on this level's g×g grid of
    // the interior code map, each cell L1-normalised and square-rooted like the other blocks.
    const lbp = lbpHistogramsFromGrey(grey, w, h, { grid: [g, g], radius: 1, normalize: true, sqrt: true });
    for (let cy = 0; cy < g; cy++) {
      for (let cx = 0; cx < g; cx++) {
        const x0 = Math.floor((cx * w) / g);
        const x1 = Math.floor(((cx + 1) * w) / g);
        const y0 = Math.floor((cy * h) / g);
        const y1 = Math.floor(((cy + 1) * h) / g);
        // Joint colour histogram, 4 levels per channel.
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const p = (y * w + x) * 3;
            const bin = (Math.min(3, rgb[p] >> 6) << 4) | (Math.min(3, rgb[p + 1] >> 6) << 2) | Math.min(3, rgb[p + 2] >> 6);
            out[o + bin] += 1;
          }
        }
        finishBlock(out, o, o + 64);
        o += 64;
        out.set(lbp.subarray((cy * g + cx) * LBP_BINS, (cy * g + cx + 1) * LBP_BINS), o);
        o += LBP_BINS;
      }
    }
  }
  // Gradient orientation (unsigned, 9 bins over 180°), magnitude-weighted, gg×gg cells.
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const gx = grey[y * w + x + 1] - grey[y * w + x - 1];
      const gy = grey[(y + 1) * w + x] - grey[(y - 1) * w + x];
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      let ang = Math.atan2(gy, gx);
      if (ang < 0) ang += Math.PI;
      const bin = Math.min(8, Math.floor((ang / Math.PI) * 9));
      const cell = Math.min(gg - 1, Math.floor((y * gg) / h)) * gg + Math.min(gg - 1, Math.floor((x * gg) / w));
      out[o + cell * 9 + bin] += mag;
    }
  }
  for (let c = 0; c < gg * gg; c++) finishBlock(out, o + c * 9, o + c * 9 + 9);
  o += gg * gg * 9;
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) out[i] *= inv;
  }
  return out;
}
