/**
 * dlib's face chips (`get_face_chip_details` + `extract_image_chip`): the 2D alignment that
 * dlib's face-recognition ResNet was trained on. A least-squares similarity maps dlib's mean
 * face (33 of the 68 points, padded) onto the landmarks; the chip is sampled through it,
 * bilinearly, from a 2× image pyramid level when the chip shrinks the face, with a zero
 * border. Our own implementation of dlib's behaviour, down to its conventions (below); the
 * mean-face numbers are dlib's data.
 *
 * Coordinates. Image pixel centres are at integer coordinates, as in dlib and the rest of
 * this package, so landmarks are used as they are. The template lives in dlib's continuous
 * chip coordinates (mean·size, with padding); the sampled chip pixel (x, y) is NOT that
 * point (x, y): dlib frames the chip by a rectangle whose corner pixels map to the chip's
 * corner pixels, which puts chip pixel (x, y) at template point
 *   (size/2, size/2) + k·((x, y) − (size − 1)/2),   k = (size·scale − 1)/((size − 1)·scale):
 * at scale 1 exactly (x + ½, y + ½); as the scale grows k tends to size/(size − 1).
 * `toImage` is the map the pixels are actually sampled through (and dlib's
 * `get_mapping_to_chip` inverted); `fit` is the least-squares similarity itself.
 */
import { assertImage, type RgbImage } from '@deepface-ts/image';
import { fitSimilarity, invertAffine, type Affine2 } from './affine2d.js';
import { assertLandmarks, LandmarkError, type Points2D } from './landmarks.js';
import { allocateRgb, type OutputImage, type PixelType } from './warp.js';

/** Chip side and padding of dlib's face-recognition model (`dlib.get_face_chip(img, shape, 150, 0.25)`). */
export const DLIB_CHIP_SIZE = 150;
export const DLIB_CHIP_PADDING = 0.25;

/*
 * Mean positions of landmarks 17–67 in a unit square, from dlib
 * (dlib/image_transforms/interpolation.h, get_face_chip_details, added in dlib commit
 * cc1281510; dlib is under the Boost Software License 1.0, http://dlib.net/license.html).
 * Data, reproduced exactly; the jaw (0–16) has no entry.
 */
const MEAN_X_17_67 = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, // 17–26 brows
  0.490127, 0.490127, 0.490127, 0.490127, // 27–30 nose bridge
  0.36688, 0.426036, 0.490127, 0.554217, 0.613373, // 31–35 lower nose
  0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, // 36–41 left eye
  0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, // 42–47 right eye
  0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, // 48–54 outer lips, upper
  0.642159, 0.556721, 0.490127, 0.423532, 0.338094, // 55–59 outer lips, lower
  0.290379, 0.428096, 0.490127, 0.552157, 0.689874, // 60–64 inner lips, upper
  0.553364, 0.490127, 0.42689, // 65–67 inner lips, lower
];
const MEAN_Y_17_67 = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625,
  0.587326, 0.609345, 0.628106, 0.609345, 0.587326,
  0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077,
  0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233,
  0.864805, 0.902192, 0.909281, 0.902192, 0.864805,
  0.784792, 0.778746, 0.785343, 0.778746, 0.784792,
  0.824182, 0.831803, 0.824182,
];

/** dlib aligns on 17–67 but skips the eyebrows (17–26) and the lower lip (55–59, 65–67). */
const dlibUses = (i: number): boolean => i >= 27 && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67);

export interface MeanFace {
  /** Landmark indices (iBUG-300W / dlib 68-point order): 27–54 and 60–64, 33 points. */
  readonly indices: readonly number[];
  /** Their mean positions x0,y0,… in a unit square (x right, y down), before padding. */
  readonly points: readonly number[];
}

/** The template dlib's 68-point face chips are aligned to: 33 mean landmark positions. */
export const DLIB_MEAN_FACE: MeanFace = (() => {
  const indices: number[] = [];
  const points: number[] = [];
  for (let i = 17; i < 68; i++) {
    if (!dlibUses(i)) continue;
    indices.push(i);
    points.push(MEAN_X_17_67[i - 17]!, MEAN_Y_17_67[i - 17]!);
  }
  return Object.freeze({ indices: Object.freeze(indices), points: Object.freeze(points) });
})();

const TEMPLATE_NAMES = DLIB_MEAN_FACE.indices.map((i) => `landmark ${i}`);

export interface FaceChipOptions {
  /** Chip side in pixels (default 150). */
  size?: number;
  /** Margin around the mean face, as a fraction of its extent on each side (default 0.25). */
  padding?: number;
  /** Quoted in errors (default 'landmarks'). */
  source?: string;
}

/** dlib's `chip_details.rect`: the unrotated chip rectangle in the image, inclusive (width = right − left + 1 = size·scale). */
export interface FaceChipRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface FaceChipDetails {
  size: number;
  padding: number;
  /** Chip pixel (x, y) → source image (x, y): where each chip pixel is sampled. */
  toImage: Affine2;
  /** Source image (x, y) → chip pixel (x, y) (dlib's `get_mapping_to_chip`). */
  toChip: Affine2;
  /** Rotation of the face in the image, radians (dlib's `chip_details.angle`; positive turns x toward y). */
  angle: number;
  /** Source pixels per chip pixel of the fitted similarity. */
  scale: number;
  /** The least-squares similarity from the template (dlib's chip coordinates, `faceChipTemplate`) to the landmarks. */
  fit: Affine2;
  rect: FaceChipRect;
}

function checkChipOptions(size: number, padding: number, source: string): void {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`${source}: chip size must be a whole number ≥ 2, got ${size}`);
  if (!Number.isFinite(padding) || padding < 0) throw new RangeError(`${source}: chip padding must be a finite number ≥ 0, got ${padding}`);
}

/**
 * dlib's template in its chip coordinates, x0,y0,… for `DLIB_MEAN_FACE.indices`:
 * (padding + mean)/(2·padding + 1)·size. (Pixel (x, y) of a chip at scale 1 sits at template
 * point (x + ½, y + ½); see the file header.)
 */
export function faceChipTemplate(options: Omit<FaceChipOptions, 'source'> = {}): Float64Array {
  const { size = DLIB_CHIP_SIZE, padding = DLIB_CHIP_PADDING } = options;
  checkChipOptions(size, padding, 'faceChipTemplate');
  const m = DLIB_MEAN_FACE.points;
  const out = new Float64Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = ((padding + m[i]!) / (2 * padding + 1)) * size;
  return out;
}

/**
 * dlib's `get_face_chip_details` for 68 landmarks (x0,y0,…, iBUG-300W order): fits the
 * similarity from the template to landmarks 27–54 and 60–64 (Umeyama's least squares, which
 * in 2D is `fitSimilarity`'s closed form) and frames the chip as dlib does.
 */
export function faceChipDetails(landmarks: Points2D, options: FaceChipOptions = {}): FaceChipDetails {
  const { size = DLIB_CHIP_SIZE, padding = DLIB_CHIP_PADDING, source = 'landmarks' } = options;
  checkChipOptions(size, padding, source);
  assertLandmarks(landmarks, { source });
  const from = faceChipTemplate({ size, padding });
  const to = new Float64Array(from.length);
  const { indices } = DLIB_MEAN_FACE;
  let spread = 0;
  for (let k = 0; k < indices.length; k++) {
    to[2 * k] = landmarks[2 * indices[k]!]!;
    to[2 * k + 1] = landmarks[2 * indices[k]! + 1]!;
    spread += Math.abs(to[2 * k]! - to[0]!) + Math.abs(to[2 * k + 1]! - to[1]!);
  }
  if (spread === 0) throw new LandmarkError(`${source}: the ${indices.length} landmarks a face chip is fitted to (27–54, 60–64) all coincide at (${to[0]}, ${to[1]})`);
  const fit = fitSimilarity(from, to, TEMPLATE_NAMES, `${source}: face chip fit`);
  const a = fit[0]!;
  const b = fit[3]!;
  const scale = Math.hypot(a, b);
  const angle = Math.atan2(b, a);
  // The chip must span more than one source pixel, or dlib's rectangle is empty.
  if (!(size * scale > 1)) throw new LandmarkError(`${source}: the face is too small for a face chip (${scale} source pixels per chip pixel)`);
  // dlib: rect = centered_drect(fit(size/2, size/2), size·scale, size·scale), whose corner
  // pixels (width − 1 apart) become the chip's corner pixels (size − 1 apart).
  const h = size / 2;
  const cx = a * h - b * h + fit[2]!;
  const cy = b * h + a * h + fit[5]!;
  const half = (size * scale - 1) / 2;
  const k = (size * scale - 1) / (size - 1);
  const cos = a / scale;
  const sin = b / scale;
  const c0 = (size - 1) / 2;
  const toImage = Float64Array.of(k * cos, -k * sin, cx - k * (cos - sin) * c0, k * sin, k * cos, cy - k * (sin + cos) * c0);
  return {
    size, padding, toImage, toChip: invertAffine(toImage), angle, scale, fit,
    rect: { left: cx - half, top: cy - half, right: cx + half, bottom: cy + half },
  };
}

export interface ExtractFaceChipOptions {
  /** Output element type (default 'uint8', which truncates like dlib's rgb_pixel chips). */
  dtype?: PixelType;
  /** Quoted in errors (default 'image'). */
  source?: string;
  /** Sample from a 2× pyramid level when the chip shrinks the face, as dlib does (default true). */
  antialias?: boolean;
}

/** C's lround: halves away from zero (dlib's drectangle → rectangle). */
const lround = (v: number): number => (v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5));

interface Plane {
  data: Uint8Array | Float32Array;
  /** Pixels per row of `data`. */
  stride: number;
  /** The window sampled: origin in `data` and size. */
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * dlib's pyramid_down<2>: a separable [1 4 6 4 1]/16 filter evaluated at every other pixel
 * (valid part only), giving ⌊(n − 3)/2⌋ pixels a side; output pixel j is centred on input
 * pixel 2j + 2. uint8 data stays integer with dlib's truncating ÷256; float data is exact.
 * Windows of 8 pixels or fewer a side give an empty level, as in dlib.
 */
function pyramidDown(p: Plane): Plane {
  const { data, stride, x0, y0, width: w, height: h } = p;
  const u8 = data instanceof Uint8Array;
  if (w <= 8 || h <= 8) return { data: u8 ? new Uint8Array(0) : new Float32Array(0), stride: 0, x0: 0, y0: 0, width: 0, height: 0 };
  const ow = ((w - 3) / 2) | 0;
  const oh = ((h - 3) / 2) | 0;
  const rows = 2 * oh + 3;
  const tmp = u8 ? new Uint16Array(rows * ow * 3) : new Float64Array(rows * ow * 3);
  for (let r = 0; r < rows; r++) {
    let i = ((y0 + r) * stride + x0) * 3;
    let t = r * ow * 3;
    for (let c = 0; c < ow; c++, i += 6) {
      for (let ch = 0; ch < 3; ch++, t++) {
        const j = i + ch;
        tmp[t] = data[j]! + 4 * data[j + 3]! + 6 * data[j + 6]! + 4 * data[j + 9]! + data[j + 12]!;
      }
    }
  }
  const out = u8 ? new Uint8Array(ow * oh * 3) : new Float32Array(ow * oh * 3);
  const row = ow * 3;
  for (let dr = 0; dr < oh; dr++) {
    const t0 = 2 * dr * row;
    const o = dr * row;
    for (let c = 0; c < row; c++) {
      const t = t0 + c;
      const sum = tmp[t]! + 4 * tmp[t + row]! + 6 * tmp[t + 2 * row]! + 4 * tmp[t + 3 * row]! + tmp[t + 4 * row]!;
      out[o + c] = u8 ? sum >> 8 : sum / 256;
    }
  }
  return { data: out, stride: ow, x0: 0, y0: 0, width: ow, height: oh };
}

/**
 * Bilinear sampling of a size×size chip through `m` (chip pixel → window coordinates) with
 * dlib's rules: a pixel is sampled only when its 2×2 neighbourhood lies in the window
 * (0 ≤ x < width − 1, same for y) and is left zero otherwise; uint8 output is clamped and
 * truncated (dlib's static_cast to unsigned char). warp.ts's `sampleRgb` has the same
 * interior test but rounds and clamps at the border, so it is not used here.
 */
function sampleChip(p: Plane, m: ArrayLike<number>, size: number, dst: Uint8Array | Float32Array): void {
  const { data: src, stride, x0: ox, y0: oy } = p;
  const a = m[0]!, b = m[1]!, c = m[2]!, d = m[3]!, e = m[4]!, f = m[5]!;
  const wl = p.width - 1;
  const hl = p.height - 1;
  const dy = stride * 3;
  // A bilinear mix of uint8 values stays within [0, 255] (up to rounding, which the
  // truncating store absorbs); float sources written to uint8 need the clamp.
  const clamp = dst instanceof Uint8Array && !(src instanceof Uint8Array);
  let o = 0;
  for (let y = 0; y < size; y++) {
    const rx = b * y + c;
    const ry = e * y + f;
    for (let x = 0; x < size; x++, o += 3) {
      const px = a * x + rx;
      const py = d * x + ry;
      if (!(px >= 0 && py >= 0 && px < wl && py < hl)) continue; // output starts zeroed
      const xi = px | 0;
      const yi = py | 0;
      const fx = px - xi;
      const fy = py - yi;
      const gx = 1 - fx;
      const gy = 1 - fy;
      const i = ((oy + yi) * stride + ox + xi) * 3;
      const j = i + dy;
      // dlib's formula and order: (1 − fy)·((1 − fx)·tl + fx·tr) + fy·((1 − fx)·bl + fx·br).
      const r = gy * (gx * src[i]! + fx * src[i + 3]!) + fy * (gx * src[j]! + fx * src[j + 3]!);
      const g = gy * (gx * src[i + 1]! + fx * src[i + 4]!) + fy * (gx * src[j + 1]! + fx * src[j + 4]!);
      const bl = gy * (gx * src[i + 2]! + fx * src[i + 5]!) + fy * (gx * src[j + 2]! + fx * src[j + 5]!);
      if (clamp) {
        dst[o] = r <= 0 ? 0 : r >= 255 ? 255 : r;
        dst[o + 1] = g <= 0 ? 0 : g >= 255 ? 255 : g;
        dst[o + 2] = bl <= 0 ? 0 : bl >= 255 ? 255 : bl;
      } else {
        dst[o] = r;
        dst[o + 1] = g;
        dst[o + 2] = bl;
      }
    }
  }
}

/**
 * dlib's `extract_image_chip` for face chip details: a size×size RGB chip sampled through
 * `details.toImage`. When the chip is smaller than its rectangle in the image, the image
 * is first reduced by dlib's pyramid_down<2> until one more level would make the rectangle
 * no larger than the chip, and the chip is sampled from that level (antialiasing); pixels
 * outside the image are zero. An exact translation (angle 0, scale 1) is a plain pixel copy,
 * offset rounded as in dlib.
 *
 * Only `size` and `toImage` are read from `details`, so any chip-to-image affine map works.
 * Like dlib, level coordinates use its pyramid_down<2>::point_down, p/2 − (1.25, 0.75),
 * although its filter puts level pixel j on p = 2j + 2, i.e. p/2 − (1, 1): so at pyramid
 * level n dlib's chip content sits (2ⁿ⁺¹ − 2)/4 source pixels right and as many up of where
 * `toImage` says (½ at level 1, 1½ at level 2). We keep that, to reproduce dlib's chips.
 */
export function extractFaceChip<D extends PixelType = 'uint8'>(image: RgbImage, details: FaceChipDetails, options: ExtractFaceChipOptions & { dtype?: D } = {}): OutputImage<D> {
  const { source = 'image', antialias = true } = options;
  const img = assertImage(image, { source, checkFinite: false });
  const size = details?.size;
  const t = details?.toImage;
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`${source}: face chip size must be a whole number ≥ 2, got ${size}`);
  if (t == null || t.length !== 6 || !Array.prototype.every.call(t, Number.isFinite)) {
    throw new RangeError(`${source}: face chip toImage must be 6 finite numbers [a, b, c, d, e, f], got ${t == null ? t : `${t.length} values`}`);
  }
  const out = allocateRgb(size, size, options.dtype ?? 'uint8');
  const dst = out.data;
  const { width: w, height: h, data: src } = img;
  const u8 = dst instanceof Uint8Array;

  if (t[0] === 1 && t[1] === 0 && t[3] === 0 && t[4] === 1) {
    // dlib's basic_extract_image_chip: the rectangle rounded to whole pixels, then copied.
    const ox = lround(t[2]!);
    const oy = lround(t[5]!);
    for (let y = 0; y < size; y++) {
      const sy = oy + y;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < size; x++) {
        const sx = ox + x;
        if (sx < 0 || sx >= w) continue;
        const i = (sy * w + sx) * 3;
        const o = (y * size + x) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const v = src[i + ch]!;
          dst[o + ch] = u8 ? (v <= 0 ? 0 : v >= 255 ? 255 : v) : v;
        }
      }
    }
    return out as OutputImage<D>;
  }

  // Pyramid depth (dlib: downsample while the NEXT level's rectangle still has more pixels
  // than the chip), and the border each level needs around the rotated rectangle.
  let rw = Math.hypot(t[0]!, t[3]!) * (size - 1) + 1;
  let rh = Math.hypot(t[1]!, t[4]!) * (size - 1) + 1;
  let depth = 0;
  let grow = 2;
  if (antialias) {
    rw = (rw - 1) / 2 + 1;
    rh = (rh - 1) / 2 + 1;
    while (rw * rh > size * size) {
      rw = (rw - 1) / 2 + 1;
      rh = (rh - 1) / 2 + 1;
      depth++;
      grow = grow * 2 + 2;
    }
  }
  // The crop the pyramid is built on: the rotated rectangle's bounding box, grown, within
  // the image, rounded to whole pixels.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of [[0, 0], [size - 1, 0], [0, size - 1], [size - 1, size - 1]] as const) {
    const u = t[0]! * x + t[1]! * y + t[2]!;
    const v = t[3]! * x + t[4]! * y + t[5]!;
    minX = Math.min(minX, u); maxX = Math.max(maxX, u);
    minY = Math.min(minY, v); maxY = Math.max(maxY, v);
  }
  const l = Math.max(minX - grow, 0);
  const r = Math.min(maxX + grow, w - 1);
  const top = Math.max(minY - grow, 0);
  const bottom = Math.min(maxY + grow, h - 1);
  if (l > r || top > bottom) return out as OutputImage<D>; // the chip lies wholly outside the image
  const bx = lround(l);
  const by = lround(top);
  let plane: Plane = { data: src, stride: w, x0: bx, y0: by, width: lround(r) - bx + 1, height: lround(bottom) - by + 1 };
  // Chip pixel → crop coordinates, then → level coordinates.
  const m = Float64Array.of(t[0]!, t[1]!, t[2]! - bx, t[3]!, t[4]!, t[5]! - by);
  for (let level = 0; level < depth; level++) {
    plane = pyramidDown(plane);
    for (let i = 0; i < 6; i++) m[i]! /= 2;
    m[2]! -= 1.25;
    m[5]! -= 0.75;
  }
  sampleChip(plane, m, size, dst);
  return out as OutputImage<D>;
}

/** `faceChipDetails` then `extractFaceChip`: dlib's `get_face_chip(image, shape, size, padding)`. */
export function faceChip<D extends PixelType = 'uint8'>(
  image: RgbImage,
  landmarks: Points2D,
  options: FaceChipOptions & { dtype?: D; antialias?: boolean } = {},
): { image: OutputImage<D>; details: FaceChipDetails } {
  const details = faceChipDetails(landmarks, options);
  const source = options.source ?? 'landmarks';
  return { image: extractFaceChip(image, details, { dtype: options.dtype, antialias: options.antialias, source: `${source} image` }), details };
}
