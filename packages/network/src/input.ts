/**
 * Network inputs from face crops. DeepFace feeds 3D-aligned RGB crops; DeepFace-gradient
 * feeds grey level, gradient magnitude and gradient orientation as the 3 channels (§5.3).
 * Values are scaled to roughly [-1, 1] so the same initialisation serves every mode.
 */
import type { Image } from '@deepface-ts/image';
import type { InputMode } from './config';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/**
 * Writes one crop into `out` (HWC float32, size·size·3) at `offset` in the given mode.
 * The crop must already be size×size (frontalized crops are produced at the network size).
 */
export function cropToInput(crop: Image, size: number, mode: InputMode, out: Float32Array, offset = 0, source = 'crop'): void {
  if (crop.width !== size || crop.height !== size) {
    throw new InputError(`${source}: crop is ${crop.width}×${crop.height}, the network expects ${size}×${size}`);
  }
  if (crop.channels !== 3) throw new InputError(`${source}: crop has ${crop.channels} channels, expected 3 (RGB)`);
  const n = size * size;
  if (offset < 0 || offset + n * 3 > out.length) throw new InputError(`${source}: output buffer too small for a ${size}×${size}×3 input at offset ${offset}`);
  const d = crop.data;
  if (mode === 'rgb') {
    for (let i = 0; i < n * 3; i++) out[offset + i] = d[i]! / 127.5 - 1;
    return;
  }
  // Grey level (ITU-R BT.601 luma), then central-difference gradients (one-sided at borders).
  const grey = new Float32Array(n);
  for (let p = 0; p < n; p++) grey[p] = (0.299 * d[3 * p]! + 0.587 * d[3 * p + 1]! + 0.114 * d[3 * p + 2]!) / 255;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const xl = x > 0 ? x - 1 : x;
      const xr = x < size - 1 ? x + 1 : x;
      const yu = y > 0 ? y - 1 : y;
      const yd = y < size - 1 ? y + 1 : y;
      const gx = (grey[y * size + xr]! - grey[y * size + xl]!) / (xr - xl || 1);
      const gy = (grey[yd * size + x]! - grey[yu * size + x]!) / (yd - yu || 1);
      const o = offset + 3 * p;
      out[o] = grey[p]! * 2 - 1;
      out[o + 1] = Math.min(1, Math.hypot(gx, gy) * 2) * 2 - 1; // grey is in [0, 1]: ×2 then clip at 1 keeps typical face edges in range
      out[o + 2] = Math.atan2(gy, gx) / Math.PI; // orientation in (-1, 1]
    }
  }
}

/** Packs crops into one NHWC float32 batch. */
export function cropsToBatch(crops: readonly Image[], size: number, mode: InputMode): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(crops.length * per);
  crops.forEach((c, i) => cropToInput(c, size, mode, out, i * per, `crop ${i}`));
  return out;
}
