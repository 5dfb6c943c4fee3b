import { describe, expect, it } from 'vitest';
import {
  binariseRepresentation,
  ComponentMaxima,
  normaliseRepresentation,
  pearson,
  representationNorms,
  softmaxEntropy,
  zeroFraction,
} from './representation';

describe('normalisation (SPEC §2)', () => {
  it('divides by floored maxima then L2-normalises: hand-computed', () => {
    const train = new Float32Array([2, 0, 0.01, 4, 0, 0.02]); // 2 rows × 3
    const maxima = new ComponentMaxima(3).add(train).floored();
    expect(Array.from(maxima)).toEqual([4, 0.05, Math.fround(0.05)].map(Math.fround)); // 0 and 0.02 floored to ε
    const f = normaliseRepresentation(new Float32Array([4, 0.05, 0]), maxima);
    // Ḡ = [1, 1, 0] → f = [1/√2, 1/√2, 0]
    expect(f[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(f[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(f[2]).toBe(0);
  });
  it('keeps zero rows zero and rejects ragged input', () => {
    expect(Array.from(normaliseRepresentation(new Float32Array(3), new Float32Array([1, 1, 1])))).toEqual([0, 0, 0]);
    expect(() => normaliseRepresentation(new Float32Array(4), new Float32Array(3))).toThrow('4 values are not a whole number of 3-dim rows');
    expect(() => new ComponentMaxima(2).floored()).toThrow('no rows were added');
  });
  it('gives unit norms for random rows', () => {
    const rows = new Float32Array(50 * 16).map((_, i) => Math.max(0, Math.sin(i * 1.7) * 3));
    const maxima = new ComponentMaxima(16).add(rows).floored();
    const norms = representationNorms(normaliseRepresentation(rows, maxima), 16);
    for (const n of norms) if (n !== 0) expect(n).toBeCloseTo(1, 5);
  });
});

describe('read-outs', () => {
  it('binarises, counts zeros and computes norms', () => {
    const rows = new Float32Array([0, 3, 0, 4, -1, 0, 0, 0]);
    expect(Array.from(binariseRepresentation(rows))).toEqual([0, 1, 0, 1, 0, 0, 0, 0]);
    expect(zeroFraction(rows)).toBe(5 / 8);
    expect(Array.from(representationNorms(rows, 4))).toEqual([5, 1]);
  });
  it('softmax entropy: uniform logits give log K, a peaked one ~0, stable for large logits', () => {
    const h = softmaxEntropy(new Float32Array([0, 0, 0, 0, 1000, 0, 0, 0, 5000, 5000, 5000, 5000]), 4);
    expect(h[0]).toBeCloseTo(Math.log(4), 6);
    expect(h[1]).toBeCloseTo(0, 6);
    expect(h[2]).toBeCloseTo(Math.log(4), 6);
    // two equal classes: ln 2
    expect(softmaxEntropy(new Float32Array([3, 3]), 2)[0]).toBeCloseTo(Math.LN2, 6);
  });
  it('pearson is ±1 for linear series and rejects constants', () => {
    const a = new Float32Array([1, 2, 3, 4]);
    expect(pearson(a, a.map((x) => 2 * x + 1))).toBeCloseTo(1, 6);
    expect(pearson(a, a.map((x) => -x))).toBeCloseTo(-1, 6);
    expect(() => pearson(a, new Float32Array(4).fill(2))).toThrow('a series is constant');
  });
});
