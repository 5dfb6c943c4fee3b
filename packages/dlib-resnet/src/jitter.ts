/**
 * dlib-style test-time jittering: N slightly zoomed, rotated, shifted and (half of them)
 * mirrored versions of a face chip, whose descriptors are averaged (dlib reports 99.38 % on
 * LFW with 100 jitters against 99.13 % without).
 *
 * The perturbation follows dlib's `jitter_image` (image_transforms/interpolation.h): the chip
 * shrunk by 3 px per side is the object; its crop box is moved by up to ±2 % of its size,
 * enlarged by 1/U(0.97, 0.99999), rotated by up to ±3°, and resampled to the chip size, then
 * mirrored with probability ½. dlib resamples the 150×150 chip itself; here the perturbation
 * is composed with the chip's transform and the source image is sampled once, so a jittered
 * chip is as sharp as the plain one and has no zero border where the source has pixels.
 */
import { composeAffine, extractFaceChip, invertAffine, type Affine2, type FaceChipDetails } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { mulberry32 } from '@deepface-ts/random';

export interface JitterOptions {
  /** Largest rotation, degrees (dlib: 3). */
  maxRotationDegrees?: number;
  /** Range of the object's height as a fraction of the crop box (dlib: 0.97 … 0.99999). */
  minObjectHeight?: number;
  maxObjectHeight?: number;
  /** Largest shift as a fraction of the object's size (dlib: 0.02). */
  translateAmount?: number;
  /** Mirror with probability ½ (dlib: yes). */
  flip?: boolean;
}

export const JITTER_DEFAULTS: Required<JitterOptions> = { maxRotationDegrees: 3, minObjectHeight: 0.97, maxObjectHeight: 0.99999, translateAmount: 0.02, flip: true };

/**
 * The chip-to-chip transform of one jitter: output chip pixel (u, v) → the plain chip's
 * (x, y). `u01` draws uniforms in [0, 1).
 */
export function jitterAffine(size: number, u01: () => number, options: JitterOptions = {}): Affine2 {
  const o = { ...JITTER_DEFAULTS, ...options };
  if (!(o.minObjectHeight > 0 && o.minObjectHeight <= o.maxObjectHeight && o.maxObjectHeight <= 1)) {
    throw new RangeError(`jitter: need 0 < minObjectHeight ≤ maxObjectHeight ≤ 1, got ${o.minObjectHeight} and ${o.maxObjectHeight}`);
  }
  const between = (a: number, b: number) => a + (b - a) * u01();
  const object = size - 6; // dlib: shrink_rect(chip, 3)
  const tx = between(-o.translateAmount, o.translateAmount) * object;
  const ty = between(-o.translateAmount, o.translateAmount) * object;
  const box = object / between(o.minObjectHeight, o.maxObjectHeight);
  const angle = (between(-o.maxRotationDegrees, o.maxRotationDegrees) * Math.PI) / 180;
  const flip = o.flip && u01() > 0.5;
  const s = box / size; // plain-chip pixels per output pixel
  const c = (size - 1) / 2;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  // (u, v) → centred (±) → rotate and scale → + box centre (chip centre + shift).
  const fu = flip ? -1 : 1;
  return Float64Array.of(cos * fu, -sin, c + tx - (cos * fu * c - sin * c), sin * fu, cos, c + ty - (sin * fu * c + cos * c));
}

/** The chip details of `count` jitters of `details`, reproducible from `seed`. */
export function jitterChipDetails(details: FaceChipDetails, count: number, seed = 1, options: JitterOptions = {}): FaceChipDetails[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`jitter: count must be a whole number ≥ 1, got ${count}`);
  const rng = mulberry32(seed);
  const u01 = () => rng.next();
  return Array.from({ length: count }, () => {
    const j = jitterAffine(details.size, u01, options);
    const zoom = Math.hypot(j[0]!, j[3]!);
    return { ...details, toImage: composeAffine(details.toImage, j), toChip: composeAffine(invertAffine(j), details.toChip), scale: details.scale * zoom };
  });
}

/** `count` jittered chips of one face, cut from the source image. */
export function jitteredChips(image: RgbImage, details: FaceChipDetails, count: number, seed = 1, options: JitterOptions & { source?: string } = {}): RgbImage<Uint8Array>[] {
  return jitterChipDetails(details, count, seed, options).map((d) => extractFaceChip(image, d, { dtype: 'uint8', source: options.source }) as RgbImage<Uint8Array>);
}
