/** Helpers shared by the tests (not exported from the package). */

import { uniform as rngFor } from '@deepface-ts/random';

/** Deterministic uniform [0, 1) stream (mulberry32, from @deepface-ts/random) so failures reproduce. */
export { rngFor as rng };

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

/**
 * A deterministic face-chip case, shared by chip.test.ts and scripts/dlib-chip-parity.ts
 * (which runs dlib itself on it): a noise-like RGB image from integer hashing, and 68
 * whole-pixel landmarks (as dlib's shape predictor gives) whose chip points are dlib's
 * template mapped by the similarity [a −b; b a] that takes the template centre to (cx, cy),
 * plus up to ±`jitter` pixels; the other points scatter around the face.
 */
export interface ChipCase {
  name: string;
  width: number;
  height: number;
  size: number;
  padding: number;
  a: number;
  b: number;
  cx: number;
  cy: number;
  jitter: number;
  seed: number;
}

export function chipCaseImage(width: number, height: number): { width: number; height: number; channels: 3; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, o++) {
        const hash = Math.imul(x + 1, 73856093) ^ Math.imul(y + 1, 19349663) ^ Math.imul(c + 1, 83492791);
        // Half smooth bands, half noise, so both blur and registration show.
        data[o] = (((x + 2 * y + 60 * c) >> 2) & 127) + ((hash >>> 13) & 127);
      }
    }
  }
  return { width, height, channels: 3, data };
}

export function chipCaseLandmarks(c: ChipCase, template: ArrayLike<number>, indices: readonly number[]): Float64Array {
  const r = rngFor(c.seed);
  const out = new Float64Array(136);
  const reach = c.size * Math.hypot(c.a, c.b) * 0.5;
  for (let i = 0; i < 68; i++) {
    out[2 * i] = Math.round(c.cx + (r() - 0.5) * reach);
    out[2 * i + 1] = Math.round(c.cy + (r() - 0.5) * reach);
  }
  const h = c.size / 2;
  indices.forEach((li, k) => {
    const x = template[2 * k]! - h;
    const y = template[2 * k + 1]! - h;
    out[2 * li] = Math.round(c.a * x - c.b * y + c.cx + (r() - 0.5) * 2 * c.jitter);
    out[2 * li + 1] = Math.round(c.b * x + c.a * y + c.cy + (r() - 0.5) * 2 * c.jitter);
  });
  return out;
}

/** FNV-1a over bytes: a fingerprint of a chip to compare with dlib's. */
export function fnv1a(bytes: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** The cases chip.test.ts checks against dlib's output (recorded by scripts/dlib-chip-parity.ts --golden). */
export const GOLDEN_CHIP_CASES: readonly ChipCase[] = [
  // An LFW-sized photo: the chip enlarges slightly, no pyramid; turned 16°.
  { name: 'lfw-like', width: 250, height: 250, size: 150, padding: 0.25, a: 0.8 * 0.96, b: 0.8 * 0.28, cx: 125, cy: 121, jitter: 2, seed: 1 },
  // Scale 2.6: one pyramid level; turned −53°.
  { name: 'pyramid-1', width: 640, height: 480, size: 150, padding: 0.25, a: 2.6 * 0.6, b: -2.6 * 0.8, cx: 320, cy: 240, jitter: 3, seed: 2 },
  // Scale 5 near the bottom-left corner: two levels, a zero border on two sides.
  { name: 'pyramid-2-edge', width: 900, height: 700, size: 150, padding: 0.25, a: 5 * 0.96, b: -5 * 0.28, cx: 60, cy: 650, jitter: 4, seed: 3 },
  // A 64-pixel chip at padding 0.2 covering more than the image: three levels.
  { name: 'small-chip', width: 500, height: 500, size: 64, padding: 0.2, a: 12 * 0.8, b: 12 * 0.6, cx: 250, cy: 250, jitter: 5, seed: 4 },
];
