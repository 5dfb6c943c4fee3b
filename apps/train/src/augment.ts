/**
 * Augmentation in source-image coordinates, for distillation's two views of one sample: the
 * teacher's dlib chip and the student's 3D-frontalized crop are both cut from the same
 * augmented image with the same moved landmarks, so they show the same face under the same
 * flip, scale, rotation, shift, colour and blur.
 *
 * One warp makes the augmented image: a square canvas around the face (three landmark-box
 * sides wide, the face scaled to at most `maxFaceSide` pixels, which both crops need no more
 * than) ← source, through flip ∘ rotation·scale about the face centre ∘ shift. The landmarks
 * go through the same map (a flip also swaps the 68 points' left and right indices). Colour
 * (brightness, contrast, saturation, per-channel gain) and a Gaussian blur are applied to the
 * canvas afterwards: pointwise and local, they act on both crops alike.
 */
import { applyAffine, composeAffine, invertAffine, mirrorLandmarks, warpAffine, type Affine2 } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { gaussian, mulberry32, type Rng } from '@deepface-ts/random';

export interface SourceAugmentation {
  flip: boolean;
  /** Degrees, counter-clockwise in image coordinates (y down). */
  rotation: number;
  scale: number;
  /** Shift of the face centre, in landmark-box sides. */
  shiftX: number;
  shiftY: number;
  /** Multiplies every channel (1 = unchanged). */
  brightness: number;
  /** Scales around the canvas's mean grey (1 = unchanged). */
  contrast: number;
  /** Scales each pixel's distance from its grey (1 = unchanged, 0 = grey). */
  saturation: number;
  /** Per-channel gains (white balance), near 1. */
  gain: [number, number, number];
  /** Gaussian blur σ in pixels of the face at its source scale (0 = none). */
  blur: number;
}

export const IDENTITY_AUGMENTATION: Readonly<SourceAugmentation> = Object.freeze({
  flip: false, rotation: 0, scale: 1, shiftX: 0, shiftY: 0, brightness: 1, contrast: 1, saturation: 1, gain: [1, 1, 1] as [number, number, number], blur: 0,
});

/** Ranges of the random views (`sampleAugmentation`). */
export interface AugmentationRanges {
  flipProbability: number;
  /** ± degrees. */
  rotation: number;
  /** ± relative scale. */
  scale: number;
  /** ± landmark-box sides. */
  shift: number;
  /** ± relative, for brightness, contrast and saturation each. */
  colour: number;
  /** ± relative per-channel gain. */
  gain: number;
  blurProbability: number;
  /** Largest σ, px. */
  maxBlur: number;
}

/**
 * Moderate by design: the teacher must still recognise the face in its chip, or its
 * descriptor stops being a good target (dlib's own training jitter is of this order).
 */
export const DEFAULT_AUGMENTATION_RANGES: Readonly<AugmentationRanges> = Object.freeze({
  flipProbability: 0.5, rotation: 10, scale: 0.1, shift: 0.05, colour: 0.2, gain: 0.05, blurProbability: 0.3, maxBlur: 1.5,
});

export function sampleAugmentation(rng: Rng, ranges: AugmentationRanges = DEFAULT_AUGMENTATION_RANGES): SourceAugmentation {
  const u = (r: number) => (2 * rng.next() - 1) * r;
  return {
    flip: rng.next() < ranges.flipProbability,
    rotation: u(ranges.rotation),
    scale: 1 + u(ranges.scale),
    shiftX: u(ranges.shift),
    shiftY: u(ranges.shift),
    brightness: 1 + u(ranges.colour),
    contrast: 1 + u(ranges.colour),
    saturation: 1 + u(ranges.colour),
    gain: [1 + u(ranges.gain), 1 + u(ranges.gain), 1 + u(ranges.gain)],
    blur: rng.next() < ranges.blurProbability ? (0.3 + 0.7 * rng.next()) * ranges.maxBlur : 0,
  };
}

/** View `k` of an image: view 0 is the image itself, views ≥ 1 are random, seeded by (image seed, k). */
export function viewAugmentation(imageSeed: number, k: number, ranges: AugmentationRanges = DEFAULT_AUGMENTATION_RANGES): SourceAugmentation {
  if (k === 0) return { ...IDENTITY_AUGMENTATION, gain: [1, 1, 1] };
  const rng = mulberry32((imageSeed ^ Math.imul(k, 0x9e3779b1)) >>> 0);
  gaussian(rng); // decorrelate neighbouring seeds
  return sampleAugmentation(rng, ranges);
}

export interface AugmentedView {
  image: RgbImage<Uint8Array>;
  /** The 68 landmarks in the augmented image, x,y interleaved. */
  landmarks: Float32Array;
  /** augmented ← source map (x_aug = a·x + b·y + c, …). */
  sourceToView: Affine2;
}

/** The augmented canvas and landmarks of one view. `landmarks`: 68 x,y points in the source. */
export function augmentView(source: RgbImage<Uint8Array>, landmarks: ArrayLike<number>, aug: SourceAugmentation, options: { maxFaceSide?: number; canvasSides?: number } = {}): AugmentedView {
  const { maxFaceSide = 160, canvasSides = 3 } = options;
  if (landmarks.length !== 136) throw new RangeError(`augmentView: expected 68 x,y landmarks (136 values), got ${landmarks.length}`);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < 68; i++) {
    const x = landmarks[2 * i]!;
    const y = landmarks[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`augmentView: landmark ${i} is not finite (${x}, ${y})`);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const side = Math.max(x1 - x0, y1 - y0, 1);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const down = Math.min(1, maxFaceSide / side); // the canvas's pixels per source pixel
  const canvas = Math.max(8, Math.round(canvasSides * side * down));
  const mid = (canvas - 1) / 2;
  // source → canvas: mirror about the face centre (if flipped), rotate·scale about it, shift, and move it to the canvas centre.
  const theta = (aug.rotation * Math.PI) / 180;
  const s = aug.scale * down;
  const cos = Math.cos(theta) * s;
  const sin = Math.sin(theta) * s;
  const mirror = aug.flip ? -1 : 1;
  const toCentre = Float64Array.of(mirror, 0, -mirror * cx, 0, 1, -cy);
  const rotate = Float64Array.of(cos, sin, mid + aug.shiftX * side * down, -sin, cos, mid + aug.shiftY * side * down);
  const sourceToView = composeAffine(rotate, toCentre);
  const image = warpAffine(source, invertAffine(sourceToView), canvas, canvas, { dtype: 'uint8' }) as RgbImage<Uint8Array>;
  // Landmarks: mirroring swaps the left and right points; then the same map.
  const points = aug.flip ? mirrorLandmarks(landmarks, 2, cx) : Float64Array.from(landmarks);
  const unflipped = aug.flip ? composeAffine(rotate, Float64Array.of(1, 0, -cx, 0, 1, -cy)) : sourceToView;
  const moved = applyAffine(unflipped, points);
  if (aug.blur > 0) gaussianBlurInPlace(image, aug.blur * down * aug.scale);
  adjustColourInPlace(image, aug);
  return { image, landmarks: Float32Array.from(moved), sourceToView };
}

/** Separable Gaussian blur (σ px, radius ⌈3σ⌉, edges clamped), in place. */
export function gaussianBlurInPlace(image: RgbImage<Uint8Array>, sigma: number): void {
  if (!(sigma > 0)) return;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += kernel[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  const { width: w, height: h, data } = image;
  const tmp = new Float32Array(w * h * 3);
  blurPass(data, tmp, w, h, kernel, r, 1, 0);
  blurPass(tmp, data, w, h, kernel, r, 0, 1);
}

/** One 1-D pass of the blur along (dx, dy), edges clamped; a Uint8Array destination is rounded. */
function blurPass(src: ArrayLike<number>, dst: Float32Array | Uint8Array, w: number, h: number, kernel: Float32Array, r: number, dx: number, dy: number): void {
  const round = dst instanceof Uint8Array ? 0.5 : 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0;
      let b = 0;
      let c = 0;
      for (let i = -r; i <= r; i++) {
        const xx = Math.min(w - 1, Math.max(0, x + i * dx));
        const yy = Math.min(h - 1, Math.max(0, y + i * dy));
        const o = (yy * w + xx) * 3;
        const k = kernel[i + r]!;
        a += k * src[o]!;
        b += k * src[o + 1]!;
        c += k * src[o + 2]!;
      }
      const o = (y * w + x) * 3;
      dst[o] = a + round;
      dst[o + 1] = b + round;
      dst[o + 2] = c + round;
    }
  }
}

/** Brightness, contrast (about the mean grey), saturation (about each pixel's grey) and per-channel gain; clamped to 0..255. */
export function adjustColourInPlace(image: RgbImage<Uint8Array>, aug: Pick<SourceAugmentation, 'brightness' | 'contrast' | 'saturation' | 'gain'>): void {
  const { brightness, contrast, saturation, gain } = aug;
  if (brightness === 1 && contrast === 1 && saturation === 1 && gain[0] === 1 && gain[1] === 1 && gain[2] === 1) return;
  const d = image.data;
  let mean = 0;
  for (let i = 0; i < d.length; i += 3) mean += 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
  mean /= d.length / 3;
  for (let i = 0; i < d.length; i += 3) {
    const grey = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    for (let c = 0; c < 3; c++) {
      let v = grey + (d[i + c]! - grey) * saturation;
      v = mean + (v - mean) * contrast;
      v *= brightness * gain[c]!;
      d[i + c] = v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5;
    }
  }
}
