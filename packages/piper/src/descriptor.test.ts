import { describe, expect, it } from 'vitest';
import { LBP_BINS, lbpHistogramsFromGrey } from '@deepface-ts/lbp';
import { appearanceDescriptor, cropResize, descriptorLength } from './descriptor';
import { fitPca, projectPca } from './pca';
import { createRandom } from './rng';

const img = (w: number, h: number, f: (x: number, y: number, c: number) => number) => {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
  return { width: w, height: h, channels: 3 as const, data };
};

describe('cropResize', () => {
  it('averages 2×2 blocks when halving (hand-computed)', () => {
    // 4×2 image, red channel x·10 + y·100: output pixel 0 = mean of (0, 10, 100, 110) = 55, pixel 1 = 75.
    const out = cropResize(img(4, 2, (x, y, c) => (c === 0 ? x * 10 + y * 100 : 0)), { x: 0, y: 0, width: 4, height: 2 }, 2, 1);
    expect(out[0]).toBeCloseTo(55, 4);
    expect(out[3]).toBeCloseTo(75, 4);
  });
  it('rejects an empty box', () => {
    expect(() => cropResize(img(4, 4, () => 0), { x: 0, y: 0, width: 0, height: 4 }, 2, 2)).toThrow(/positive finite size/);
  });
});

describe('appearanceDescriptor', () => {
  it('is unit-norm, of the stated length, and tells two textures apart more than two noisy copies', () => {
    const rand = createRandom(2);
    const stripes = (noise: number) => img(64, 64, (x, y, c) => Math.min(255, ((Math.floor(y / 4) % 2) * 150 + c * 30 + rand() * noise) | 0));
    const checks = img(64, 64, (x, y) => (((x >> 3) + (y >> 3)) % 2) * 200);
    const a = appearanceDescriptor(stripes(20));
    const b = appearanceDescriptor(stripes(20));
    const c = appearanceDescriptor(checks);
    expect(a.length).toBe(descriptorLength());
    expect(a.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
    const dist = (p: Float32Array, q: Float32Array) => Math.sqrt(p.reduce((s, v, i) => s + (v - q[i]) ** 2, 0));
    expect(dist(a, b)).toBeLessThan(dist(a, c) / 2);
  });
});

describe('appearanceDescriptor LBP blocks', () => {
  it("are @deepface-ts/lbp's root-normalised cell histograms of the resampled grey crop, scaled by the one global norm", () => {
    const rand = createRandom(9);
    const im = img(40, 30, (x, y, c) => (x * 7 + y * 13 + c * 40 + rand() * 60) & 255);
    const box = { x: 3, y: 2, width: 30, height: 24 };
    const opts = { width: 32, height: 32, levels: 2, gradientGrid: 2 };
    const d = appearanceDescriptor(im, box, opts);
    const rgb = cropResize(im, box, 32, 32);
    const grey = Float64Array.from({ length: 32 * 32 }, (_, i) => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
    // Layout: per level, per cell: 64 colour bins then 59 LBP bins.
    const blocks: [Float32Array, Float32Array][] = [];
    let o = 0;
    for (const g of [1, 2]) {
      const ref = lbpHistogramsFromGrey(grey, 32, 32, { grid: [g, g], normalize: true, sqrt: true });
      for (let cell = 0; cell < g * g; cell++) {
        o += 64;
        blocks.push([d.subarray(o, o + LBP_BINS), ref.subarray(cell * LBP_BINS, (cell + 1) * LBP_BINS)]);
        o += LBP_BINS;
      }
    }
    const [d0, r0] = blocks[0]!;
    const k = d0.reduce((s, v, i) => s + v * r0[i]!, 0) / r0.reduce((s, v) => s + v * v, 0); // the global L2 scale
    expect(k).toBeGreaterThan(0);
    for (const [got, ref] of blocks) for (let i = 0; i < LBP_BINS; i++) expect(got[i]).toBeCloseTo(ref[i]! * k, 6);
  });
});

describe('fitPca', () => {
  it('finds the plane of data that lies in a 2-D subspace of 5-D', () => {
    const rand = createRandom(4);
    const u = [1, 0, 1, 0, 0].map((v) => v / Math.SQRT2);
    const v = [0, 1, 0, 0, 1].map((t) => t / Math.SQRT2);
    const n = 60;
    const X = new Float32Array(n * 5);
    for (let j = 0; j < n; j++) {
      const a = (rand() - 0.5) * 10;
      const b = (rand() - 0.5) * 3;
      for (let t = 0; t < 5; t++) X[j * 5 + t] = 2 + a * u[t] + b * v[t];
    }
    const pca = fitPca(X, n, 5, 2);
    // Every basis row lies in span(u, v): its squared projections onto u and v sum to 1.
    for (let r = 0; r < 2; r++) {
      const row = pca.basis.subarray(r * 5, r * 5 + 5);
      const pu = row.reduce((s, t, i) => s + t * u[i], 0);
      const pv = row.reduce((s, t, i) => s + t * v[i], 0);
      expect(pu * pu + pv * pv).toBeCloseTo(1, 4);
    }
    expect(pca.mean[0]).toBeCloseTo(2 + 0, 0);
    const P = projectPca(pca, X, n);
    expect(P[0] ** 2 + P[1] ** 2).toBeCloseTo(1, 5);
    expect(() => fitPca(X, n, 5, 6)).toThrow(/k must be in 1..min\(n, d\) = 5/);
  });
});
