import { assertImage, ImageError, type Image } from '@deepface-ts/image';

/** Bins per cell: 58 uniform 8-bit patterns + 1 shared bin for all non-uniform ones. */
export const LBP_BINS = 59;

/**
 * Maps each 8-bit LBP code to its histogram bin. A code is "uniform" when its circular bit
 * string has at most 2 transitions 0↔1 (Ojala et al. 2002): there are 58 of them, numbered
 * 0..57 in increasing code order; every other code maps to bin 58.
 */
export const UNIFORM_LOOKUP: Uint8Array = (() => {
  const table = new Uint8Array(256);
  let next = 0;
  for (let code = 0; code < 256; code++) {
    const rotated = ((code >> 1) | ((code & 1) << 7)) & 0xff;
    let transitions = 0;
    for (let x = code ^ rotated; x; x &= x - 1) transitions++;
    table[code] = transitions <= 2 ? next++ : LBP_BINS - 1;
  }
  return table;
})();

export interface LbpOptions {
  /** Circle radius of the 8 neighbours in pixels (default 1). Off-grid neighbours are sampled bilinearly. */
  radius?: number;
  /** Cells across and down (default [7, 7]); each gets its own 59-bin histogram. */
  grid?: readonly [number, number];
  /** Region of the image to describe (default: the whole image). */
  crop?: { x: number; y: number; width: number; height: number };
  /** Divide each cell's histogram by its count so cells of unequal size weigh alike (default true). */
  normalize?: boolean;
  /** Square-root each (normalised) bin: Hellinger / "root-LBP" (default false). */
  sqrt?: boolean;
}

/** Luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B) of an RGB image region, as float64 values 0..255. */
export function toGrey(image: Image, crop?: LbpOptions['crop'], source = 'image'): { grey: Float64Array; width: number; height: number } {
  const img = assertImage(image, { source, minSize: 3 });
  const { x: cx, y: cy, width: w, height: h } = crop ?? { x: 0, y: 0, width: img.width, height: img.height };
  if (!(Number.isInteger(cx) && Number.isInteger(cy) && Number.isInteger(w) && Number.isInteger(h)) || cx < 0 || cy < 0 || w < 1 || h < 1 || cx + w > img.width || cy + h > img.height) {
    throw new ImageError(`${source}: crop ${w}×${h} at (${cx}, ${cy}) does not fit in the ${img.width}×${img.height} image`);
  }
  const grey = new Float64Array(w * h);
  const data = img.data;
  for (let y = 0; y < h; y++) {
    let s = ((cy + y) * img.width + cx) * 3;
    const o = y * w;
    for (let x = 0; x < w; x++, s += 3) grey[o + x] = 0.299 * data[s]! + 0.587 * data[s + 1]! + 0.114 * data[s + 2]!;
  }
  return { grey, width: w, height: h };
}

/**
 * Neighbour k (k = 0..7) sits at angle 2πk/8, offset (r·cos θ, −r·sin θ): k = 0 is to the
 * right, k = 2 above. Offsets are rounded to 1e-6 so that on-axis neighbours land exactly on
 * pixels (cos(π/2) is 6e-17, not 0).
 */
export function neighbourOffsets(radius: number): { dx: number; dy: number }[] {
  const out: { dx: number; dy: number }[] = [];
  for (let k = 0; k < 8; k++) {
    const t = (2 * Math.PI * k) / 8;
    const round = (v: number) => Math.round(v * 1e6) / 1e6 + 0; // + 0 turns −0 into 0
    out.push({ dx: round(radius * Math.cos(t)), dy: round(-radius * Math.sin(t)) });
  }
  return out;
}

/**
 * Bilinear interpolation in the lerp form a + (b − a)·f, which returns exactly `a` when the
 * four pixels are equal. (The weighted-sum form Σ wᵢ·pᵢ does not, and in flat regions that
 * flips "neighbour ≥ centre" bits at random.)
 */
function lerp2(a: number, b: number, c: number, d: number, fx: number, fy: number): number {
  const top = a + (b - a) * fx;
  const bottom = c + (d - c) * fx;
  return top + (bottom - top) * fy;
}

/**
 * An interpolated neighbour that equals the centre in exact arithmetic can come out a few ulps
 * low (e.g. 80·(0.292893 + 0.707107) = 79.99999999999997), which flips its bit depending on
 * the order of operations. Grey levels are 0..255, so anything within 1e-6 counts as equal.
 */
const TIE_TOLERANCE = 1e-6;

/**
 * The 8-neighbour LBP code of every pixel at least ⌈radius⌉ from the border: bit k is set
 * when neighbour k ≥ the centre (within 1e-6, see TIE_TOLERANCE). Returns a (width − 2m) × (height − 2m) code map, m = ⌈radius⌉.
 */
export function lbpCodes(grey: Float64Array, width: number, height: number, radius = 1): { codes: Uint8Array; width: number; height: number; margin: number } {
  if (!(radius > 0 && Number.isFinite(radius))) throw new RangeError(`lbpCodes: radius must be positive, got ${radius}`);
  const m = Math.ceil(radius - 1e-9);
  const cw = width - 2 * m;
  const ch = height - 2 * m;
  if (cw < 1 || ch < 1) throw new ImageError(`lbpCodes: a ${width}×${height} region is too small for radius ${radius} (needs at least ${2 * m + 1}×${2 * m + 1})`);
  if (grey.length !== width * height) throw new ImageError(`lbpCodes: grey has ${grey.length} values, expected ${width}×${height}`);
  // Per neighbour: index deltas of the 4 pixels around it relative to the centre, and the
  // fractional weights. All pixels share them, so the inner loop is pure arithmetic.
  const i00 = new Int32Array(8);
  const i01 = new Int32Array(8);
  const i10 = new Int32Array(8);
  const i11 = new Int32Array(8);
  const fxs = new Float64Array(8);
  const fys = new Float64Array(8);
  neighbourOffsets(radius).forEach(({ dx, dy }, k) => {
    const x0 = Math.floor(dx);
    const y0 = Math.floor(dy);
    fxs[k] = dx - x0;
    fys[k] = dy - y0;
    // Where a weight is 0 the far pixel is not needed (and may lie outside the image).
    const x1 = fxs[k] === 0 ? x0 : x0 + 1;
    const y1 = fys[k] === 0 ? y0 : y0 + 1;
    i00[k] = y0 * width + x0;
    i01[k] = y0 * width + x1;
    i10[k] = y1 * width + x0;
    i11[k] = y1 * width + x1;
  });
  const codes = new Uint8Array(cw * ch);
  // Neighbour-major loop: per neighbour the offsets and weights are loop constants, which V8
  // keeps in registers; on-axis neighbours (both weights 0) skip the interpolation.
  for (let k = 0; k < 8; k++) {
    const d00 = i00[k]!;
    const d01 = i01[k]!;
    const d10 = i10[k]!;
    const d11 = i11[k]!;
    const fx = fxs[k]!;
    const fy = fys[k]!;
    const bit = 1 << k;
    const exact = fx === 0 && fy === 0;
    for (let y = 0; y < ch; y++) {
      let c = (y + m) * width + m;
      let o = y * cw;
      const end = o + cw;
      if (exact) {
        for (; o < end; c++, o++) if (grey[c + d00]! >= grey[c]! - TIE_TOLERANCE) codes[o]! |= bit;
      } else {
        for (; o < end; c++, o++) {
          const v = lerp2(grey[c + d00]!, grey[c + d01]!, grey[c + d10]!, grey[c + d11]!, fx, fy);
          if (v >= grey[c]! - TIE_TOLERANCE) codes[o]! |= bit;
        }
      }
    }
  }
  return { codes, width: cw, height: ch, margin: m };
}

/**
 * Uniform-LBP histograms on a grid of cells over a grey region, concatenated:
 * cells in row-major order (left to right, top to bottom), 59 bins each.
 * Cell boundaries split the code map as evenly as integers allow.
 */
export function lbpHistogramsFromGrey(grey: Float64Array, width: number, height: number, options: LbpOptions = {}): Float32Array {
  const { radius = 1, grid = [7, 7], normalize = true, sqrt = false } = options;
  const [gx, gy] = grid;
  if (!(Number.isInteger(gx) && Number.isInteger(gy) && gx >= 1 && gy >= 1)) throw new RangeError(`lbp: grid must be two positive integers, got [${gx}, ${gy}]`);
  const { codes, width: cw, height: ch } = lbpCodes(grey, width, height, radius);
  if (gx > cw || gy > ch) throw new ImageError(`lbp: grid ${gx}×${gy} has more cells than the ${cw}×${ch} code map has pixels`);
  const hist = new Float32Array(gx * gy * LBP_BINS);
  const counts = new Float64Array(gx * gy);
  const cellOfX = new Int32Array(cw);
  for (let x = 0; x < cw; x++) cellOfX[x] = Math.floor((x * gx) / cw);
  for (let y = 0; y < ch; y++) {
    const rowCell = Math.floor((y * gy) / ch) * gx;
    const o = y * cw;
    for (let x = 0; x < cw; x++) {
      const cell = rowCell + cellOfX[x]!;
      hist[cell * LBP_BINS + UNIFORM_LOOKUP[codes[o + x]!]!]! += 1;
      counts[cell]! += 1;
    }
  }
  if (normalize || sqrt) {
    for (let cell = 0; cell < gx * gy; cell++) {
      const scale = normalize ? 1 / counts[cell]! : 1;
      for (let b = 0; b < LBP_BINS; b++) {
        const i = cell * LBP_BINS + b;
        const v = hist[i]! * scale;
        hist[i] = sqrt ? Math.sqrt(v) : v;
      }
    }
  }
  return hist;
}

/** Uniform-LBP grid descriptor of an RGB image (or of its `crop` region); length grid[0]·grid[1]·59. */
export function lbpDescriptor(image: Image, options: LbpOptions = {}, source = 'image'): Float32Array {
  const { grey, width, height } = toGrey(image, options.crop, source);
  return lbpHistogramsFromGrey(grey, width, height, options);
}

/** Length of the descriptor for the given options. */
export function lbpDescriptorLength(options: LbpOptions = {}): number {
  const [gx, gy] = options.grid ?? [7, 7];
  return gx * gy * LBP_BINS;
}
