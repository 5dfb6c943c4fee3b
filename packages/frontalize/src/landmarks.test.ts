import { describe, expect, it } from 'vitest';
import { assertLandmarks, LandmarkError, mirrorLandmarks, MIRROR_68, sixFiducials } from './landmarks';
import { syntheticFace } from './synthetic-face';

function face2d(): Float64Array {
  const f = syntheticFace();
  return Float64Array.from({ length: 136 }, (_, i) => 100 + 50 * f[3 * (i >> 1) + (i & 1)]!);
}

describe('MIRROR_68', () => {
  it('is an involution: mirroring twice is the identity', () => {
    for (let i = 0; i < 68; i++) expect(MIRROR_68[MIRROR_68[i]!]).toBe(i);
  });

  it('fixes exactly the midline landmarks', () => {
    const fixed = Array.from(MIRROR_68.keys()).filter((i) => MIRROR_68[i] === i);
    // chin, nose bridge and tip, nose bottom centre, lip centres (outer top/bottom, inner top/bottom)
    expect(fixed).toEqual([8, 27, 28, 29, 30, 33, 51, 57, 62, 66]);
  });

  it('swaps the hand-checked pairs of the iBUG layout', () => {
    expect([MIRROR_68[0], MIRROR_68[17], MIRROR_68[36], MIRROR_68[39], MIRROR_68[48], MIRROR_68[55], MIRROR_68[60], MIRROR_68[65]]).toEqual([16, 26, 45, 42, 54, 59, 64, 67]);
  });

  it('maps a symmetric face onto itself', () => {
    const pts = face2d();
    const mirrored = mirrorLandmarks(pts, 2, 100);
    for (let i = 0; i < 136; i++) expect(mirrored[i]).toBeCloseTo(pts[i]!, 12);
  });
});

describe('sixFiducials', () => {
  it('averages the eyes and picks nose tip and mouth corners', () => {
    const pts = face2d();
    const six = sixFiducials(pts);
    let lx = 0;
    for (let i = 36; i < 42; i++) lx += pts[2 * i]! / 6;
    expect(six[0]).toBeCloseTo(lx, 12);
    expect(six[0]).toBeCloseTo(100 - 0.5 * 50, 12); // eye centre of the synthetic face at x = −0.5
    expect(six[4]).toBe(pts[60]); // nose tip x
    expect(six[6]).toBe(pts[96]); // left mouth corner x
    expect(six[8]).toBe(pts[108]); // right mouth corner x
  });
});

describe('assertLandmarks', () => {
  it('accepts a real layout', () => {
    expect(() => assertLandmarks(face2d())).not.toThrow();
  });

  it('names a missing point count', () => {
    expect(() => assertLandmarks(new Float32Array(2 * 67), { source: 'detector output' })).toThrow(/detector output: expected 68 points \(136 values\), got 134 values \(67 points\)/);
  });

  it('names the point holding a NaN', () => {
    const pts = face2d();
    pts[2 * 30 + 1] = Number.NaN;
    expect(() => assertLandmarks(pts)).toThrow(/point 30 has a non-finite y \(NaN\)/);
  });

  it('rejects coincident and collinear sets', () => {
    expect(() => assertLandmarks(new Float64Array(136).fill(7))).toThrow(/all 68 points coincide/);
    const line = Float64Array.from({ length: 136 }, (_, i) => (i & 1 ? 2 * (i >> 1) + 3 : i >> 1));
    expect(() => assertLandmarks(line)).toThrow(LandmarkError);
    expect(() => assertLandmarks(line)).toThrow(/collinear/);
  });
});
