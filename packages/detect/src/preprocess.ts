import type { RgbImage } from '@deepface-ts/image';

/** Extra rows/columns that make an h×w image square; `before` is 0 unless centred. */
export function squarePadding(height: number, width: number, centred: boolean): { axis: 0 | 1; before: number; after: number } {
  const diff = Math.abs(height - width);
  // face-api's padToSquare: round(diff/2) after and the rest before when centred, all after otherwise.
  const after = Math.round(diff * (centred ? 0.5 : 1));
  return { axis: height > width ? 1 : 0, before: diff - after, after };
}

export interface Crop {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * face-api's network input, computed straight from the pixels: take an integer crop of the
 * image, zero-pad it to a square (centred or bottom/right), resize that square to size×size
 * with tf's legacy bilinear rule (alignCorners = false, halfPixelCenters = false: output
 * pixel i samples input i·S/size, taps floor and floor + 1), and write
 * (value − mean[c]) · scale into `out` (HWC) at `offset`.
 *
 * Same result as tf.pad + tf.image.resizeBilinear on the crop (tested), without building a
 * float tensor of the whole image and of its padded square: for a 1920×1280 photo those
 * two copies cost more than the detector itself.
 */
export function squareInput(
  image: RgbImage,
  crop: Crop,
  size: number,
  centred: boolean,
  mean: readonly [number, number, number],
  scale: number,
  out: Float32Array,
  offset = 0,
): void {
  const { data, width: iw } = image;
  const { x: cx, y: cy, width: w, height: h } = crop;
  const side = Math.max(w, h);
  const pad = squarePadding(h, w, centred);
  const padY = pad.axis === 0 ? pad.before : 0;
  const padX = pad.axis === 1 ? pad.before : 0;
  const ratio = side / size;
  // Per output column: the two source columns (as data offsets, −1 for padding) and the weight.
  const col0 = new Int32Array(size);
  const col1 = new Int32Array(size);
  const fxs = new Float64Array(size);
  const column = (sx: number) => {
    const c = sx - padX;
    return c >= 0 && c < w ? (cx + c) * 3 : -1;
  };
  for (let ox = 0; ox < size; ox++) {
    const sx = ox * ratio;
    const x0 = Math.floor(sx);
    col0[ox] = column(x0);
    col1[ox] = column(Math.min(x0 + 1, side - 1));
    fxs[ox] = sx - x0;
  }
  const row = (sy: number) => {
    const r = sy - padY;
    return r >= 0 && r < h ? (cy + r) * iw * 3 : -1;
  };
  const m0 = mean[0];
  const m1 = mean[1];
  const m2 = mean[2];
  let o = offset;
  for (let oy = 0; oy < size; oy++) {
    const sy = oy * ratio;
    const y0 = Math.floor(sy);
    const r0 = row(y0);
    const r1 = row(Math.min(y0 + 1, side - 1));
    const fy = sy - y0;
    for (let ox = 0; ox < size; ox++) {
      const fx = fxs[ox]!;
      const a = col0[ox]!;
      const b = col1[ox]!;
      for (let c = 0; c < 3; c++) {
        const tl = r0 >= 0 && a >= 0 ? data[r0 + a + c]! : 0;
        const tr = r0 >= 0 && b >= 0 ? data[r0 + b + c]! : 0;
        const bl = r1 >= 0 && a >= 0 ? data[r1 + a + c]! : 0;
        const br = r1 >= 0 && b >= 0 ? data[r1 + b + c]! : 0;
        const top = tl + (tr - tl) * fx;
        const bottom = bl + (br - bl) * fx;
        const v = top + (bottom - top) * fy;
        out[o++] = (v - (c === 0 ? m0 : c === 1 ? m1 : m2)) * scale;
      }
    }
  }
}
