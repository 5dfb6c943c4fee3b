/** Helpers shared by the tests (not exported from the package). */

/** Deterministic uniform [0, 1) stream (mulberry32, from @deepface-ts/random) so failures reproduce. */
export { uniform as rng } from '@deepface-ts/random';

/** Standard normal draws from a uniform generator (Box–Muller). */
export function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Rotation R = Ry(yaw)·Rx(pitch)·Rz(roll), angles in degrees, row-major 3×3. */
export function rotation(yawDeg: number, pitchDeg = 0, rollDeg = 0): number[] {
  const [y, p, r] = [yawDeg, pitchDeg, rollDeg].map((d) => (d * Math.PI) / 180) as [number, number, number];
  const ry = [Math.cos(y), 0, Math.sin(y), 0, 1, 0, -Math.sin(y), 0, Math.cos(y)];
  const rx = [1, 0, 0, 0, Math.cos(p), -Math.sin(p), 0, Math.sin(p), Math.cos(p)];
  const rz = [Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r), 0, 0, 0, 1];
  return mul3(mul3(ry, rx), rz);
}

export function mul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return o;
}

/**
 * A 2×4 affine camera viewing the model through rotation R: image = scale·(first two rows
 * of R)·X + (tx, ty).
 */
export function cameraFromRotation(r: number[], scale: number, tx: number, ty: number): Float64Array {
  return Float64Array.of(scale * r[0]!, scale * r[1]!, scale * r[2]!, tx, scale * r[3]!, scale * r[4]!, scale * r[5]!, ty);
}

/** Projects n×3 points with a 2×4 camera. */
export function projectWith(camera: ArrayLike<number>, shape: ArrayLike<number>): Float64Array {
  const n = shape.length / 3;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [x, y, z] = [shape[3 * i]!, shape[3 * i + 1]!, shape[3 * i + 2]!];
    out[2 * i] = camera[0]! * x + camera[1]! * y + camera[2]! * z + camera[3]!;
    out[2 * i + 1] = camera[4]! * x + camera[5]! * y + camera[6]! * z + camera[7]!;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
