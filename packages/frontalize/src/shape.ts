/**
 * Generic 3D face shapes: 68×3 model points (x to the image's right, y down, z toward the
 * viewer), their normalisation to a canonical frontal pose, left–right symmetrisation, and
 * Procrustes comparison.
 */
import { LANDMARK_COUNT, LandmarkError, LEFT_EYE, MIRROR_68, RIGHT_EYE } from './landmarks.js';
import { svd } from './linalg.js';

/** 68×3 values x0, y0, z0, x1, … */
export type Shape3D = Float64Array;

/** Mirror pairs (image-left index first) whose difference points along +x in a frontal face. */
const LEFT_RIGHT_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0, 16], [1, 15], [2, 14], [3, 13], [4, 12], [5, 11], [6, 10], [7, 9],
  [17, 26], [18, 25], [19, 24], [20, 23], [21, 22], [31, 35], [32, 34],
  [36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46],
  [48, 54], [49, 53], [50, 52], [59, 55], [58, 56], [60, 64], [61, 63], [67, 65],
];
const CHIN = 8;
const NOSE_BRIDGE_TOP = 27;
const NOSE_TIP = 30;

export function assertShape(shape: ArrayLike<number>, source = '3D shape'): void {
  if (shape.length !== LANDMARK_COUNT * 3) {
    throw new LandmarkError(`${source}: expected ${LANDMARK_COUNT} points × 3 = ${LANDMARK_COUNT * 3} values, got ${shape.length}`);
  }
  for (let i = 0; i < shape.length; i++) {
    if (!Number.isFinite(shape[i])) throw new LandmarkError(`${source}: point ${Math.floor(i / 3)} has a non-finite ${'xyz'[i % 3]} (${shape[i]})`);
  }
}

/** Centre of the two eyes' six-point means. */
export function eyeCentres(shape: ArrayLike<number>, dims = 3): [Float64Array, Float64Array] {
  const mean = (idx: readonly number[]): Float64Array => {
    const c = new Float64Array(dims);
    for (const i of idx) for (let d = 0; d < dims; d++) c[d] += shape[i * dims + d]! / idx.length;
    return c;
  };
  return [mean(LEFT_EYE), mean(RIGHT_EYE)];
}

export function interOcularDistance(shape: ArrayLike<number>, dims = 3): number {
  const [l, r] = eyeCentres(shape, dims);
  let s = 0;
  for (let d = 0; d < dims; d++) s += (l[d]! - r[d]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Puts a 68×3 shape into the canonical frame: x along the mean left→right landmark
 * direction, y from the nose bridge to the chin (made orthogonal to x), z = x × y toward
 * the viewer (reflected if needed so that the nose tip is in front: affine structure from
 * motion cannot tell a face from its depth-reversed twin), centroid at the origin and an
 * inter-ocular distance of 1.
 */
export function normalizeShape(shape: ArrayLike<number>, source = '3D shape'): Shape3D {
  assertShape(shape, source);
  const n = LANDMARK_COUNT;
  const p = Float64Array.from(shape);
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) c[d]! += p[3 * i + d]! / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) p[3 * i + d]! -= c[d]!;
  const x = [0, 0, 0];
  for (const [l, r] of LEFT_RIGHT_PAIRS) for (let d = 0; d < 3; d++) x[d]! += p[3 * r + d]! - p[3 * l + d]!;
  normalize3(x, `${source}: no left–right extent`);
  const y = [0, 1, 2].map((d) => p[3 * CHIN + d]! - p[3 * NOSE_BRIDGE_TOP + d]!);
  const xy = dot3(x, y);
  for (let d = 0; d < 3; d++) y[d]! -= xy * x[d]!;
  normalize3(y, `${source}: the chin–nose direction is parallel to the eyes`);
  const z = cross3(x, y);
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const v = [p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!];
    out[3 * i] = dot3(v, x);
    out[3 * i + 1] = dot3(v, y);
    out[3 * i + 2] = dot3(v, z);
  }
  let meanZ = 0;
  for (let i = 0; i < n; i++) meanZ += out[3 * i + 2]! / n;
  if (out[3 * NOSE_TIP + 2]! < meanZ) for (let i = 0; i < n; i++) out[3 * i + 2] = -out[3 * i + 2]!;
  const iod = interOcularDistance(out);
  if (!(iod > 0)) throw new LandmarkError(`${source}: the eye centres coincide`);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / iod;
  return out;
}

/** Average of a canonical shape and its mirror image (x → −x, landmarks permuted by MIRROR_68). */
export function symmetrizeShape(shape: ArrayLike<number>): Shape3D {
  assertShape(shape);
  const out = new Float64Array(shape.length);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const j = MIRROR_68[i]!;
    out[3 * i] = (shape[3 * i]! - shape[3 * j]!) / 2;
    out[3 * i + 1] = (shape[3 * i + 1]! + shape[3 * j + 1]!) / 2;
    out[3 * i + 2] = (shape[3 * i + 2]! + shape[3 * j + 2]!) / 2;
  }
  return out;
}

/** Largest |p_i − mirror(p)_i| over the landmarks, in the shape's units: 0 for a symmetric shape. */
export function asymmetry(shape: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const j = MIRROR_68[i]!;
    worst = Math.max(worst, Math.hypot(shape[3 * i]! + shape[3 * j]!, shape[3 * i + 1]! - shape[3 * j + 1]!, shape[3 * i + 2]! - shape[3 * j + 2]!));
  }
  return worst;
}

export interface ProcrustesResult {
  /**
   * Full Procrustes distance of the two shapes, each centred and scaled to unit Frobenius
   * norm, after the best rotation (and scale): sqrt(1 − (Σσ)²), 0 for identical shapes.
   */
  distance: number;
  /** `source` after the best similarity onto `target` (same layout as the inputs). */
  aligned: Float64Array;
  /** Root-mean-square point distance after alignment, in `target` units. */
  rms: number;
}

/**
 * Similarity Procrustes of `source` onto `target` (n×dims each, dims 2 or 3), rotations
 * only unless `allowReflection`.
 */
export function procrustes(source: ArrayLike<number>, target: ArrayLike<number>, dims = 3, allowReflection = false): ProcrustesResult {
  if (source.length !== target.length || source.length % dims !== 0) {
    throw new LandmarkError(`procrustes: the shapes differ in size (${source.length} and ${target.length} values)`);
  }
  const n = source.length / dims;
  const centre = (s: ArrayLike<number>): { c: Float64Array; x: Float64Array; norm: number } => {
    const c = new Float64Array(dims);
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) c[d] += s[i * dims + d]! / n;
    const x = new Float64Array(s.length);
    let ss = 0;
    for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) {
      x[i * dims + d] = s[i * dims + d]! - c[d]!;
      ss += x[i * dims + d]! ** 2;
    }
    return { c, x, norm: Math.sqrt(ss) };
  };
  const a = centre(source);
  const b = centre(target);
  if (!(a.norm > 0) || !(b.norm > 0)) throw new LandmarkError('procrustes: a shape has all its points at one place');
  // M = Aᵀ·B (dims×dims); the best rotation is U·Vᵀ of its SVD.
  const m = new Float64Array(dims * dims);
  for (let i = 0; i < n; i++) for (let r = 0; r < dims; r++) for (let c = 0; c < dims; c++) m[r * dims + c] += a.x[i * dims + r]! * b.x[i * dims + c]!;
  const { u, s, v } = svd(m, dims, dims);
  const rot = new Float64Array(dims * dims);
  const buildRotation = (flipLast: boolean): void => {
    rot.fill(0);
    for (let r = 0; r < dims; r++) for (let c = 0; c < dims; c++) for (let k = 0; k < dims; k++) {
      const sign = flipLast && k === dims - 1 ? -1 : 1;
      rot[r * dims + c] += sign * u[r * dims + k]! * v[c * dims + k]!;
    }
  };
  buildRotation(false);
  let sigmaSum = 0;
  for (let k = 0; k < dims; k++) sigmaSum += s[k]!;
  if (!allowReflection && determinant(rot, dims) < 0) {
    buildRotation(true);
    sigmaSum -= 2 * s[dims - 1]!;
  }
  const scale = sigmaSum / (a.norm * a.norm);
  const aligned = new Float64Array(source.length);
  let err = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dims; c++) {
      let val = 0;
      for (let r = 0; r < dims; r++) val += a.x[i * dims + r]! * rot[r * dims + c]!;
      aligned[i * dims + c] = scale * val + b.c[c]!;
      err += (aligned[i * dims + c]! - target[i * dims + c]!) ** 2;
    }
  }
  const cosine = sigmaSum / (a.norm * b.norm);
  return { distance: Math.sqrt(Math.max(0, 1 - cosine * cosine)), aligned, rms: Math.sqrt(err / n) };
}

/**
 * Reads a 68-row CSV of `x,y,z` (an optional header line and blank lines are skipped), such
 * as `face3d/meanshape68.csv`, and returns it normalised with normalizeShape. Errors name
 * the source and line.
 */
export function parseShapeCsv(text: string, source = 'shape CSV'): Shape3D {
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, k) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const parts = t.split(/[,;\s]+/);
    const nums = parts.map(Number);
    if (nums.some((v) => !Number.isFinite(v))) {
      if (values.length === 0 && k === 0) return; // header
      throw new LandmarkError(`${source}:${k + 1}: expected three numbers "x,y,z", got "${t}"`);
    }
    if (nums.length !== 3) throw new LandmarkError(`${source}:${k + 1}: expected 3 values, got ${nums.length}`);
    values.push(...nums);
  });
  if (values.length !== LANDMARK_COUNT * 3) {
    throw new LandmarkError(`${source}: expected ${LANDMARK_COUNT} rows of x,y,z, got ${values.length / 3}`);
  }
  return normalizeShape(values, source);
}

function dot3(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

function cross3(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalize3(v: number[], message: string): void {
  const len = Math.hypot(v[0]!, v[1]!, v[2]!);
  if (!(len > 1e-12)) throw new LandmarkError(message);
  for (let d = 0; d < 3; d++) v[d]! /= len;
}

function determinant(m: ArrayLike<number>, dims: number): number {
  if (dims === 2) return m[0]! * m[3]! - m[1]! * m[2]!;
  return (
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!)
  );
}
