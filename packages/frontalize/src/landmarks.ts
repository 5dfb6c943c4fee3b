/**
 * The 68-point iBUG / dlib landmark layout: checks with clear errors, the six fiducials of
 * the DeepFace 2D alignment, and the left–right mirror correspondence.
 *
 * Index ranges (0-based): 0–16 jaw, 17–21 and 22–26 brows, 27–30 nose bridge, 31–35 lower
 * nose, 36–41 and 42–47 eyes, 48–59 outer lips, 60–67 inner lips.
 */

export const LANDMARK_COUNT = 68;

/** Thrown for landmark sets that cannot be used; the message names the fault. */
export class LandmarkError extends Error {
  override readonly name = 'LandmarkError';
}

export type Points2D = ArrayLike<number>;

/** Pairs (i, j) of landmarks that swap under a left–right flip of the face. */
const MIRROR_PAIRS: ReadonlyArray<readonly [number, number]> = [
  // jaw: 0↔16 … 7↔9, chin 8 on the midline
  [0, 16], [1, 15], [2, 14], [3, 13], [4, 12], [5, 11], [6, 10], [7, 9],
  // brows
  [17, 26], [18, 25], [19, 24], [20, 23], [21, 22],
  // lower nose (27–30 and 33 on the midline)
  [31, 35], [32, 34],
  // eyes: outer corner 36↔45, upper lid 37↔44 38↔43, inner corner 39↔42, lower lid 40↔47 41↔46
  [36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46],
  // outer lips: corners 48↔54, upper 49↔53 50↔52, lower 55↔59 56↔58 (51, 57 midline)
  [48, 54], [49, 53], [50, 52], [55, 59], [56, 58],
  // inner lips: corners 60↔64, upper 61↔63, lower 65↔67 (62, 66 midline)
  [60, 64], [61, 63], [65, 67],
];

/** MIRROR_68[i] is the landmark that i becomes when the face is flipped left–right. */
export const MIRROR_68: Uint8Array = (() => {
  const perm = Uint8Array.from({ length: LANDMARK_COUNT }, (_, i) => i);
  for (const [a, b] of MIRROR_PAIRS) {
    perm[a] = b;
    perm[b] = a;
  }
  return perm;
})();

/** Landmark indices of the two eyes, averaged into the eye centres. */
export const LEFT_EYE = [36, 37, 38, 39, 40, 41] as const;
export const RIGHT_EYE = [42, 43, 44, 45, 46, 47] as const;
export const NOSE_TIP = 30;
export const MOUTH_LEFT = 48;
export const MOUTH_RIGHT = 54;

/**
 * The six fiducials of the DeepFace 2D alignment, derived from 68 points: the two eye
 * centres (means of 36–41 and 42–47), the nose tip (30), the mouth corners (48, 54), and the
 * mouth middle (mean of the upper and lower lip centres 62 and 66). Returns 12 values x0,y0,…
 */
export function sixFiducials(landmarks: Points2D, source = 'landmarks'): Float64Array {
  assertLandmarks(landmarks, { source });
  const out = new Float64Array(12);
  const put = (k: number, x: number, y: number): void => {
    out[2 * k] = x;
    out[2 * k + 1] = y;
  };
  const mean = (idx: readonly number[]): [number, number] => {
    let x = 0;
    let y = 0;
    for (const i of idx) {
      x += landmarks[2 * i]!;
      y += landmarks[2 * i + 1]!;
    }
    return [x / idx.length, y / idx.length];
  };
  put(0, ...mean(LEFT_EYE));
  put(1, ...mean(RIGHT_EYE));
  put(2, landmarks[2 * NOSE_TIP]!, landmarks[2 * NOSE_TIP + 1]!);
  put(3, landmarks[2 * MOUTH_LEFT]!, landmarks[2 * MOUTH_LEFT + 1]!);
  put(4, landmarks[2 * MOUTH_RIGHT]!, landmarks[2 * MOUTH_RIGHT + 1]!);
  put(5, ...mean([62, 66]));
  return out;
}

export const SIX_FIDUCIAL_NAMES = ['left eye centre', 'right eye centre', 'nose tip', 'left mouth corner', 'right mouth corner', 'mouth middle'] as const;

export interface LandmarkCheck {
  /** Quoted in errors (a file name, "detected landmarks", …). */
  source?: string;
  /** Expected number of points (default 68). */
  count?: number;
  /** Number of values per point (2 for image landmarks, 3 for a 3D shape). */
  dims?: number;
}

/**
 * Throws a LandmarkError when the set has the wrong length, holds a non-finite value, or
 * is degenerate: all points coincide, or all lie on one line (no 2D extent to align).
 */
export function assertLandmarks(points: Points2D, options: LandmarkCheck = {}): void {
  const { source = 'landmarks', count = LANDMARK_COUNT, dims = 2 } = options;
  if (points == null || typeof (points as ArrayLike<number>).length !== 'number') {
    throw new LandmarkError(`${source}: expected an array of ${count}×${dims} numbers, got ${points === null ? 'null' : typeof points}`);
  }
  if (points.length !== count * dims) {
    const n = points.length / dims;
    throw new LandmarkError(
      `${source}: expected ${count} points (${count * dims} values), got ${points.length} values` +
        (Number.isInteger(n) ? ` (${n} points)` : ''),
    );
  }
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new LandmarkError(`${source}: point ${Math.floor(i / dims)} has a non-finite ${'xyz'[i % dims]} (${points[i]})`);
    }
  }
  // Spread of the x,y coordinates: the two singular values of the centred 2D point cloud.
  let mx = 0;
  let my = 0;
  for (let i = 0; i < count; i++) {
    mx += points[i * dims]!;
    my += points[i * dims + 1]!;
  }
  mx /= count;
  my /= count;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < count; i++) {
    const dx = points[i * dims]! - mx;
    const dy = points[i * dims + 1]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const tr = sxx + syy;
  if (tr === 0) throw new LandmarkError(`${source}: all ${count} points coincide at (${mx}, ${my})`);
  const det = sxx * syy - sxy * sxy;
  const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const small = tr / 2 - disc;
  if (count >= 3 && dims === 2 && small <= 1e-10 * tr) {
    throw new LandmarkError(`${source}: all ${count} points are collinear (no 2D extent)`);
  }
}

/** Throws when two of the given points coincide (within `tolerance`), naming both. */
export function assertDistinct(points: ArrayLike<number>, names: readonly string[], source: string, tolerance = 1e-9): void {
  const n = points.length / 2;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(points[2 * i]! - points[2 * j]!, points[2 * i + 1]! - points[2 * j + 1]!);
      if (d <= tolerance) {
        throw new LandmarkError(`${source}: ${names[i] ?? `point ${i}`} and ${names[j] ?? `point ${j}`} coincide at (${points[2 * i]}, ${points[2 * i + 1]})`);
      }
    }
  }
}

/** Mirrors a 68-point set left–right about x = axisX: flips x and applies MIRROR_68. */
export function mirrorLandmarks(points: ArrayLike<number>, dims: number, axisX = 0): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const j = MIRROR_68[i]!;
    out[j * dims] = 2 * axisX - points[i * dims]!;
    for (let d = 1; d < dims; d++) out[j * dims + d] = points[i * dims + d]!;
  }
  return out;
}
