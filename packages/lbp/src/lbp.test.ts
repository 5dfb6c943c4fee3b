import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createImage, type Image } from '@deepface-ts/image';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { LBP_BINS, UNIFORM_LOOKUP, lbpCodes, lbpDescriptor, lbpHistogramsFromGrey, toGrey } from './lbp';

// ---- plain, slow reference: per pixel, real coordinates, bit strings as arrays ----
function refSample(g: ArrayLike<number>, w: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => g[yy * w + xx]!;
  const a = at(x0, y0);
  const b = fx === 0 ? a : at(x0 + 1, y0);
  const c = fy === 0 ? a : at(x0, y0 + 1);
  const d = fx === 0 ? c : fy === 0 ? b : at(x0 + 1, y0 + 1);
  const top = a + (b - a) * fx;
  const bottom = c + (d - c) * fx;
  return top + (bottom - top) * fy;
}
function refIsUniform(bits: number[]): boolean {
  let t = 0;
  for (let k = 0; k < 8; k++) if (bits[k] !== bits[(k + 1) % 8]) t++;
  return t <= 2;
}
const refUniformCodes: number[] = [];
for (let code = 0; code < 256; code++) if (refIsUniform([0, 1, 2, 3, 4, 5, 6, 7].map((k) => (code >> k) & 1))) refUniformCodes.push(code);

function refHistograms(g: ArrayLike<number>, w: number, h: number, radius: number, gx: number, gy: number): Float64Array {
  const m = Math.ceil(radius);
  const cw = w - 2 * m;
  const ch = h - 2 * m;
  const hist = new Float64Array(gx * gy * 59);
  const counts = new Float64Array(gx * gy);
  for (let y = m; y < h - m; y++) {
    for (let x = m; x < w - m; x++) {
      const centre = g[y * w + x]!;
      let code = 0;
      for (let k = 0; k < 8; k++) {
        const t = (2 * Math.PI * k) / 8;
        const dx = Math.round(radius * Math.cos(t) * 1e6) / 1e6;
        const dy = Math.round(-radius * Math.sin(t) * 1e6) / 1e6;
        const v = refSample(g, w, x + dx, y + dy);
        if (v >= centre - 1e-6) code += 2 ** k; // ties within 1e-6 count as ≥, as documented
      }
      const idx = refUniformCodes.indexOf(code);
      const bin = idx >= 0 ? idx : 58;
      const cell = Math.floor(((y - m) * gy) / ch) * gx + Math.floor(((x - m) * gx) / cw);
      hist[cell * 59 + bin]++;
      counts[cell]++;
    }
  }
  for (let c = 0; c < gx * gy; c++) for (let b = 0; b < 59; b++) hist[c * 59 + b] /= counts[c]!;
  return hist;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('UNIFORM_LOOKUP', () => {
  it('58 uniform codes in their own bins, the other 198 share bin 58', () => {
    expect(LBP_BINS).toBe(59);
    const bins = new Set<number>();
    let shared = 0;
    for (let c = 0; c < 256; c++) {
      if (UNIFORM_LOOKUP[c] === 58) shared++;
      else bins.add(UNIFORM_LOOKUP[c]!);
    }
    expect(bins.size).toBe(58);
    expect(shared).toBe(198);
    expect(UNIFORM_LOOKUP[0]).toBe(0);
    expect(UNIFORM_LOOKUP[255]).toBe(57);
    expect(UNIFORM_LOOKUP[0b00000101]).toBe(58); // 4 transitions
    expect(UNIFORM_LOOKUP[0b11100001]).not.toBe(58); // wraps around: 2 transitions
    for (let c = 0; c < 256; c++) expect(UNIFORM_LOOKUP[c]).toBe(refUniformCodes.includes(c) ? refUniformCodes.indexOf(c) : 58);
  });
});

describe('lbpCodes on hand-computed 3×3 cases (radius 1, bilinear diagonals)', () => {
  const code3 = (g: number[]) => lbpCodes(Float64Array.from(g), 3, 3, 1).codes[0];
  it('a ramp: right, down-left, down, down-right ≥ centre → 0b11100001', () => {
    // diagonals: up-right 35.86, up-left 21.72, down-left 64.14, down-right 78.28 (centre 50)
    expect(code3([10, 20, 30, 40, 50, 60, 70, 80, 90])).toBe(0b11100001);
  });
  it('flat patch → every bit set (neighbour ≥ centre holds with equality)', () => {
    expect(code3([7, 7, 7, 7, 7, 7, 7, 7, 7])).toBe(255);
  });
  it('bright centre → 0', () => {
    expect(code3([0, 0, 0, 0, 100, 0, 0, 0, 0])).toBe(0);
  });
  it('bright cross, dark corners → the axis bits only, a non-uniform code', () => {
    const c = code3([0, 100, 0, 100, 50, 100, 0, 100, 0])!;
    expect(c).toBe(0b01010101);
    expect(UNIFORM_LOOKUP[c]).toBe(58);
  });
  it('too small a region → clear error', () => {
    expect(() => lbpCodes(new Float64Array(4), 2, 2, 1)).toThrow(/2×2 region is too small for radius 1/);
  });
});

describe('lbpHistogramsFromGrey matches the slow reference', () => {
  it.each([
    [1, 3, 2, 23, 17],
    [2, 4, 4, 31, 29],
    [1.5, 2, 3, 20, 26],
  ])('radius %s, grid %i×%i on a %i×%i random image', (radius, gx, gy, w, h) => {
    const rand = lcg(w * h);
    // Integer grey levels with many equal neighbours, the case where ties matter.
    const g = Float64Array.from({ length: w * h }, () => Math.floor(rand() * 6) * 40);
    const fast = lbpHistogramsFromGrey(g, w, h, { radius, grid: [gx, gy] });
    const ref = refHistograms(g, w, h, radius, gx, gy);
    expect(fast.length).toBe(gx * gy * 59);
    for (let i = 0; i < ref.length; i++) expect(fast[i]).toBeCloseTo(ref[i]!, 6);
  });

  it('normalised cells sum to 1; with sqrt (Hellinger) their squares sum to 1', () => {
    const rand = lcg(5);
    const img = createImage(40, 30, 3, 'uint8');
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.floor(rand() * 256);
    const plain = lbpDescriptor(img, { grid: [4, 3] });
    const root = lbpDescriptor(img, { grid: [4, 3], sqrt: true });
    for (let c = 0; c < 12; c++) {
      let s = 0;
      let s2 = 0;
      for (let b = 0; b < 59; b++) {
        s += plain[c * 59 + b]!;
        s2 += root[c * 59 + b]! ** 2;
        expect(root[c * 59 + b]).toBeCloseTo(Math.sqrt(plain[c * 59 + b]!), 6);
      }
      expect(s).toBeCloseTo(1, 6);
      expect(s2).toBeCloseTo(1, 5);
    }
    const counts = lbpDescriptor(img, { grid: [1, 1], normalize: false });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(38 * 28);
  });
});

describe('lbpDescriptor input checks', () => {
  const img = createImage(20, 20, 3, 'uint8');
  it('names the source and the fault', () => {
    expect(() => lbpDescriptor(createImage(1, 1, 3, 'uint8'), {}, 'a.jpg')).toThrow(/a\.jpg: image is 1×1/);
    expect(() => lbpDescriptor(createImage(8, 8, 1, 'uint8'), {}, 'grey.png')).toThrow(/grey\.png: expected 3 channels/);
    expect(() => lbpDescriptor(img, { crop: { x: 10, y: 0, width: 20, height: 5 } }, 'b.jpg')).toThrow(/b\.jpg: crop 20×5 at \(10, 0\) does not fit/);
    expect(() => lbpDescriptor(img, { grid: [30, 2] })).toThrow(/grid 30×2/);
    expect(() => lbpDescriptor(img, { grid: [0, 2] })).toThrow(/grid must be two positive integers/);
  });
  it('crop describes only that region', () => {
    const big = createImage(30, 30, 3, 'uint8');
    const rand = lcg(1);
    for (let i = 0; i < big.data.length; i++) big.data[i] = Math.floor(rand() * 256);
    const small = createImage(12, 10, 3, 'uint8');
    for (let y = 0; y < 10; y++) for (let x = 0; x < 12; x++) for (let c = 0; c < 3; c++) small.data[(y * 12 + x) * 3 + c] = big.data[((y + 5) * 30 + x + 7) * 3 + c]!;
    expect(Array.from(lbpDescriptor(big, { grid: [2, 2], crop: { x: 7, y: 5, width: 12, height: 10 } }))).toEqual(Array.from(lbpDescriptor(small, { grid: [2, 2] })));
  });
});

const datasets = process.env.DEEPFACE_DATASETS ?? resolve(__dirname, '../../../../shared/datasets');
const lfwDir = join(datasets, 'lfw', 'lfw-deepfunneled');
const haveLfw = existsSync(lfwDir);
if (!haveLfw) console.warn(`[lbp] ${lfwDir} not found: skipping the real-image test (set DEEPFACE_DATASETS)`);

describe.skipIf(!haveLfw)('on real LFW images', () => {
  async function load(rel: string): Promise<Image<Uint8Array>> {
    const { data, info } = await sharp(join(lfwDir, rel)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  it('fast = reference on a real 100×100 crop at radius 2', async () => {
    const a = await load('Aaron_Peirsol/Aaron_Peirsol_0001.jpg');
    const b = await load('Aaron_Peirsol/Aaron_Peirsol_0002.jpg');
    const crop = { x: 75, y: 75, width: 100, height: 100 };
    const { grey } = toGrey(a, crop);
    const ref = refHistograms(grey, 100, 100, 2, 5, 5);
    const fast = lbpDescriptor(a, { crop, radius: 2, grid: [5, 5] });
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fast[i]! - ref[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
    expect(a.width).toBe(250);
    expect(lbpDescriptor(b, { crop }).length).toBe(49 * 59);
  });
});
