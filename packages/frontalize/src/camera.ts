/**
 * The affine 3D→2D camera of DeepFace §2: x2d ≈ P·[X, Y, Z, 1]ᵀ with P a 2×4 matrix (8
 * unknowns), fitted by generalized least squares min rᵀ Σ⁻¹ r, r = x2d − P·X3d, where Σ is
 * the covariance of the landmark errors (identity by default).
 */
import { cholesky, LinalgError, solveLowerInPlace, solveNormalEquations } from './linalg.js';
import { assertLandmarks, LandmarkError, type Points2D } from './landmarks.js';

/** Row-major 2×4: [p00 p01 p02 p03; p10 p11 p12 p13]. */
export type AffineCamera = Float64Array;

/**
 * Landmark error covariance, in one of three forms (for n landmarks):
 * - n values: one isotropic variance per landmark;
 * - 2n values: a variance per coordinate, ordered x0, y0, x1, y1, …;
 * - (2n)² values: the full covariance of (x0, y0, x1, y1, …), row-major.
 * Only its shape matters: GLS is unchanged when Σ is multiplied by a constant.
 */
export type LandmarkCovariance = Float64Array;

export interface CameraFit {
  camera: AffineCamera;
  /** x2d − P·X3d, 2n values (x0, y0, …), in image pixels. */
  residuals: Float64Array;
  /** Root-mean-square residual per point, in pixels. */
  rms: number;
  /** sqrt(|r₁|·|r₂|) of the camera's 2×3 linear part: pixels per model unit. */
  scale: number;
}

/**
 * Fits the affine camera from `shape` (n×3 model points) to `points` (n×2 image points).
 * Throws a LandmarkError naming the fault for wrong sizes, non-finite values, degenerate
 * (collinear or coincident) image points, or a covariance that is not positive definite.
 */
export function fitAffineCamera(shape: ArrayLike<number>, points: Points2D, covariance?: LandmarkCovariance, source = 'landmarks'): CameraFit {
  const n = shape.length / 3;
  if (!Number.isInteger(n) || n < 4) throw new LandmarkError(`fitAffineCamera: the 3D shape must hold n×3 values with n ≥ 4, got ${shape.length} values`);
  assertLandmarks(points, { source, count: n });
  const m = 2 * n;
  // Design matrix: row 2i predicts x_i from (X, Y, Z, 1) with P's first row, row 2i+1 y_i with the second.
  const a = new Float64Array(m * 8);
  const b = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const X = shape[3 * i]!;
    const Y = shape[3 * i + 1]!;
    const Z = shape[3 * i + 2]!;
    const rx = 2 * i * 8;
    const ry = (2 * i + 1) * 8 + 4;
    a[rx] = X; a[rx + 1] = Y; a[rx + 2] = Z; a[rx + 3] = 1;
    a[ry] = X; a[ry + 1] = Y; a[ry + 2] = Z; a[ry + 3] = 1;
    b[2 * i] = points[2 * i]!;
    b[2 * i + 1] = points[2 * i + 1]!;
  }
  whiten(a, b, m, covariance);
  let x: Float64Array;
  try {
    x = solveNormalEquations(a, b, m, 8, `${source}: affine camera fit`);
  } catch (err) {
    if (err instanceof LinalgError) throw new LandmarkError(err.message);
    throw err;
  }
  const camera = Float64Array.from(x);
  const residuals = new Float64Array(m);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const [u, v] = project(camera, shape[3 * i]!, shape[3 * i + 1]!, shape[3 * i + 2]!);
    residuals[2 * i] = points[2 * i]! - u;
    residuals[2 * i + 1] = points[2 * i + 1]! - v;
    ss += residuals[2 * i]! ** 2 + residuals[2 * i + 1]! ** 2;
  }
  return { camera, residuals, rms: Math.sqrt(ss / n), scale: cameraScale(camera) };
}

/** Multiplies A and b by L⁻¹ where Σ = L·Lᵀ, turning GLS into ordinary least squares. */
function whiten(a: Float64Array, b: Float64Array, m: number, covariance: LandmarkCovariance | undefined): void {
  if (covariance === undefined) return;
  const n = m / 2;
  const check = (v: number, i: number): void => {
    if (!(v > 0) || !Number.isFinite(v)) throw new LandmarkError(`fitAffineCamera: covariance entry ${i} must be a positive finite variance, got ${v}`);
  };
  if (covariance.length === n || covariance.length === m) {
    const perPoint = covariance.length === n;
    for (let r = 0; r < m; r++) {
      const variance = covariance[perPoint ? r >> 1 : r]!;
      check(variance, perPoint ? r >> 1 : r);
      const w = 1 / Math.sqrt(variance);
      for (let k = 0; k < 8; k++) a[r * 8 + k] *= w;
      b[r] *= w;
    }
    return;
  }
  if (covariance.length !== m * m) {
    throw new LandmarkError(`fitAffineCamera: covariance must hold ${n} (per landmark), ${m} (per coordinate) or ${m}×${m} values, got ${covariance.length}`);
  }
  let l: Float64Array;
  try {
    l = cholesky(covariance, m, 'the landmark covariance');
  } catch (err) {
    if (err instanceof LinalgError) throw new LandmarkError(`fitAffineCamera: ${err.message}`);
    throw err;
  }
  solveLowerInPlace(l, a, m, 8);
  solveLowerInPlace(l, b, m, 1);
}

export function project(camera: ArrayLike<number>, X: number, Y: number, Z: number): [number, number] {
  return [
    camera[0]! * X + camera[1]! * Y + camera[2]! * Z + camera[3]!,
    camera[4]! * X + camera[5]! * Y + camera[6]! * Z + camera[7]!,
  ];
}

/** Projects n×3 model points with the camera into n×2 image points. */
export function projectShape(camera: ArrayLike<number>, shape: ArrayLike<number>): Float64Array {
  const n = shape.length / 3;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [u, v] = project(camera, shape[3 * i]!, shape[3 * i + 1]!, shape[3 * i + 2]!);
    out[2 * i] = u;
    out[2 * i + 1] = v;
  }
  return out;
}

export function cameraScale(camera: ArrayLike<number>): number {
  const n1 = Math.hypot(camera[0]!, camera[1]!, camera[2]!);
  const n2 = Math.hypot(camera[4]!, camera[5]!, camera[6]!);
  return Math.sqrt(n1 * n2);
}

/**
 * Unit viewing direction of the camera in model coordinates: r₁ × r₂ of its linear part,
 * which is +z (toward the viewer) for a frontal camera with x right and y down.
 */
export function viewDirection(camera: ArrayLike<number>): [number, number, number] {
  const [a, b, c] = [camera[0]!, camera[1]!, camera[2]!];
  const [d, e, f] = [camera[4]!, camera[5]!, camera[6]!];
  const x = b * f - c * e;
  const y = c * d - a * f;
  const z = a * e - b * d;
  const len = Math.hypot(x, y, z) || 1;
  return [x / len, y / len, z / len];
}

/**
 * Head yaw and pitch in degrees (0, 0 for a frontal view): the head's rotation that the
 * camera sees, i.e. the opposite of the viewing direction's angles in the model frame.
 * Positive yaw turns the face toward the image's right (+x).
 */
export function cameraPose(camera: ArrayLike<number>): { yaw: number; pitch: number } {
  const [x, y, z] = viewDirection(camera);
  return { yaw: (Math.atan2(-x, z) * 180) / Math.PI, pitch: (Math.atan2(y, Math.hypot(x, z)) * 180) / Math.PI };
}

export interface CovarianceEstimateOptions {
  /** 'isotropic' (n values), 'diagonal' (2n) or 'full' ((2n)²). Default 'diagonal'. */
  kind?: 'isotropic' | 'diagonal' | 'full';
  /**
   * For 'full': weight of the diagonal in (1 − λ)·S + λ·diag(S), which keeps the estimate
   * invertible when there are fewer fits than coordinates. Default 0.2.
   */
  shrinkage?: number;
}

/**
 * Estimates Σ from the residuals of many camera fits (each 2n values, divided by that
 * fit's camera scale so faces of every size count alike), as their sample covariance.
 */
export function estimateLandmarkCovariance(fits: ReadonlyArray<Pick<CameraFit, 'residuals' | 'scale'>>, options: CovarianceEstimateOptions = {}): LandmarkCovariance {
  const { kind = 'diagonal', shrinkage = 0.2 } = options;
  if (fits.length < 2) throw new LandmarkError(`estimateLandmarkCovariance: need at least 2 fits, got ${fits.length}`);
  const m = fits[0]!.residuals.length;
  const n = m / 2;
  const mean = new Float64Array(m);
  const rows = fits.map((f, k) => {
    if (f.residuals.length !== m) throw new LandmarkError(`estimateLandmarkCovariance: fit ${k} has ${f.residuals.length} residuals, expected ${m}`);
    if (!(f.scale > 0)) throw new LandmarkError(`estimateLandmarkCovariance: fit ${k} has a non-positive camera scale ${f.scale}`);
    const r = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      r[i] = f.residuals[i]! / f.scale;
      mean[i] += r[i]! / fits.length;
    }
    return r;
  });
  const floor = 1e-12;
  if (kind === 'full') {
    const cov = new Float64Array(m * m);
    for (const r of rows) {
      for (let i = 0; i < m; i++) {
        const di = r[i]! - mean[i]!;
        for (let j = 0; j < m; j++) cov[i * m + j] += (di * (r[j]! - mean[j]!)) / (rows.length - 1);
      }
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) if (i !== j) cov[i * m + j] *= 1 - shrinkage;
      cov[i * m + i] += floor;
    }
    return cov;
  }
  const diag = new Float64Array(m);
  for (const r of rows) for (let i = 0; i < m; i++) diag[i] += (r[i]! - mean[i]!) ** 2 / (rows.length - 1);
  if (kind === 'diagonal') return diag.map((v) => v + floor);
  const iso = new Float64Array(n);
  for (let i = 0; i < n; i++) iso[i] = (diag[2 * i]! + diag[2 * i + 1]!) / 2 + floor;
  return iso;
}
