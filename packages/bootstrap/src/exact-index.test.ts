import { describe, expect, it } from 'vitest';
import { ExactIndex, BoundedHeap } from './exact-index';
import { normalizeRows, quantizeRowsInt8, recallAt, referenceTopK } from './vectors';
import { gaussian } from './testing';

function dot(a: Float32Array, ao: number, b: Float32Array, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[ao + j] * b[j];
  return s;
}

describe('ExactIndex', () => {
  for (const scorer of ['wasm', 'js'] as const) {
    for (const dim of [64, 37]) {
      it(`${scorer}, dim ${dim}: float32 top-k equals the sorted reference`, () => {
        const n = 5000;
        const rows = gaussian(n * dim, 1 + dim);
        const index = new ExactIndex({ dim, scorer });
        // Two inserts so the search crosses chunk boundaries and keeps global row numbers.
        const norms = new Float32Array([...index.addSync(rows.subarray(0, 1234 * dim)), ...index.addSync(rows.subarray(1234 * dim))]);
        expect(index.size).toBe(n);
        const unit = new Float32Array(rows.length);
        const refNorms = normalizeRows(rows, dim, unit);
        expect(norms).toEqual(refNorms);
        for (let t = 0; t < 3; t++) {
          const query = gaussian(dim, 100 + t);
          const qn = new Float32Array(dim);
          normalizeRows(query, dim, qn);
          for (const k of [1, 10, 1000]) {
            const got = index.searchSync(query, k, 'f32');
            const ref = referenceTopK(unit, dim, qn, k);
            expect(got.ids.length).toBe(k);
            // Exactness: the i-th score equals the reference's i-th score (float32 sums vs
            // float64: |error| ≤ dim·2⁻²⁴ for unit vectors, well under 1e-5), and every
            // returned id really has the score reported for it.
            for (let i = 0; i < k; i++) {
              expect(Math.abs(got.scores[i] - ref.scores[i])).toBeLessThan(1e-5);
              expect(Math.abs(got.scores[i] - dot(unit, got.ids[i] * dim, qn, dim))).toBeLessThan(1e-5);
            }
            expect(recallAt(ref.ids, got.ids)).toBeGreaterThanOrEqual(k === 1000 ? 0.998 : 1);
          }
        }
      });

      it(`${scorer}, dim ${dim}: int8 scores stay within the quantisation bound; recall vs exact`, () => {
        const n = 5000;
        const rows = gaussian(n * dim, 7 + dim);
        const index = new ExactIndex({ dim, scorer });
        index.addSync(rows);
        const unit = new Float32Array(rows.length);
        normalizeRows(rows, dim, unit);
        const { values, scales } = quantizeRowsInt8(unit, dim);
        const query = gaussian(dim, 55);
        const qn = new Float32Array(dim);
        normalizeRows(query, dim, qn);
        const q8 = quantizeRowsInt8(qn, dim);
        const got = index.searchSync(query, 100, 'int8');
        for (let i = 0; i < got.ids.length; i++) {
          const r = got.ids[i];
          // Hand bound: x = q·s + e, |e| ≤ s/2 for each of row and query, so
          // |Σ xy − Σ x̂ŷ| ≤ s_r/2·‖q̂‖₁ + s_q/2·‖r̂‖₁ + dim·s_r·s_q/4.
          let l1r = 0;
          let l1q = 0;
          let exactInt = 0;
          for (let j = 0; j < dim; j++) {
            l1r += Math.abs(values[r * dim + j]) * scales[r];
            l1q += Math.abs(q8.values[j]) * q8.scales[0];
            exactInt += values[r * dim + j] * q8.values[j];
          }
          const bound = (scales[r] / 2) * l1q + (q8.scales[0] / 2) * l1r + (dim * scales[r] * q8.scales[0]) / 4;
          expect(Math.abs(got.scores[i] - dot(unit, r * dim, qn, dim))).toBeLessThanOrEqual(bound + 1e-6);
          // The integer dot product is exact: the score is exactly int·s_r·s_q (float32).
          expect(got.scores[i]).toBeCloseTo(exactInt * scales[r] * q8.scales[0], 5);
        }
        // Recall of int8 top-100 against exact float top-100 on isotropic Gaussian rows,
        // the hard case (top scores are packed within a few 0.01): measured ≈ 0.9; asserted ≥ 0.8.
        const ref = referenceTopK(unit, dim, qn, 100);
        expect(recallAt(ref.ids, got.ids)).toBeGreaterThanOrEqual(0.8);
      });
    }
  }

  it('wasm and js scorers return the same int8 top-k (same integer arithmetic)', () => {
    const dim = 48;
    const rows = gaussian(3000 * dim, 3);
    const a = new ExactIndex({ dim, scorer: 'wasm' });
    const b = new ExactIndex({ dim, scorer: 'js' });
    a.addSync(rows);
    b.addSync(rows);
    const q = gaussian(dim, 4);
    const ra = a.searchSync(q, 50, 'int8');
    const rb = b.searchSync(q, 50, 'int8');
    expect(Array.from(ra.ids)).toEqual(Array.from(rb.ids));
    for (let i = 0; i < 50; i++) expect(ra.scores[i]).toBeCloseTo(rb.scores[i], 6);
  });

  it('finds planted near-duplicates at rank 1 in both precisions', () => {
    const dim = 256;
    const rows = gaussian(20000 * dim, 11);
    const index = new ExactIndex({ dim });
    index.addSync(rows);
    for (const target of [0, 777, 19999]) {
      const q = rows.slice(target * dim, (target + 1) * dim).map((v, j) => v * 3 + 0.01 * Math.sin(j));
      expect(index.searchSync(q, 1, 'f32').ids[0]).toBe(target);
      expect(index.searchSync(q, 1, 'int8').ids[0]).toBe(target);
    }
  });

  it('an int8-only index keeps no float rows and matches the int8 search of a full index', () => {
    const dim = 64;
    const rows = gaussian(4000 * dim, 8);
    const full = new ExactIndex({ dim });
    const small = new ExactIndex({ dim, precisions: ['int8'] });
    full.addSync(rows.subarray(0, 2000 * dim));
    full.addSync(rows.subarray(2000 * dim));
    const before = small.memoryBytes;
    small.addSync(rows.subarray(0, 2000 * dim));
    small.addSync(rows.subarray(2000 * dim));
    // int8 rows + scales + one float staging chunk of 2,000 rows, not 4,000 float rows.
    expect(small.memoryBytes - before).toBeLessThan(4000 * dim + 4000 * 4 + 2000 * dim * 4 + 4096);
    const q = gaussian(dim, 9);
    expect(Array.from(small.searchSync(q, 20).ids)).toEqual(Array.from(full.searchSync(q, 20, 'int8').ids));
    expect(() => small.unitRows(0, 1)).toThrow(/needs the f32 copy/);
  });

  it('handles k larger than the index and an empty index', () => {
    const index = new ExactIndex({ dim: 16 });
    expect(index.searchSync(new Float32Array(16).fill(1), 5).ids.length).toBe(0);
    index.addSync(gaussian(3 * 16, 1));
    const r = index.searchSync(new Float32Array(16).fill(1), 5);
    expect(r.ids.length).toBe(3);
    expect(new Set(r.ids).size).toBe(3);
  });

  it('rejects bad shapes and values with clear errors', () => {
    const index = new ExactIndex({ dim: 8, precisions: ['f32'] });
    expect(() => index.addSync(new Float32Array(12))).toThrow(/not a multiple of dim = 8/);
    const bad = new Float32Array(16);
    bad[11] = NaN;
    expect(() => index.addSync(bad)).toThrow(/row 1 has a non-finite/);
    expect(() => index.searchSync(new Float32Array(7), 1)).toThrow(/length 8, got 7/);
    expect(() => index.searchSync(new Float32Array(8), 0)).toThrow(/k must be a positive integer/);
    expect(() => index.searchSync(new Float32Array(8), 1, 'int8')).toThrow(/keeps no int8/);
  });

  it('BoundedHeap keeps the k largest with ties to the lower id', () => {
    const h = new BoundedHeap(3);
    [0.5, 0.9, 0.5, 0.1, 0.9, 0.7].forEach((s, i) => h.push(s, i));
    const kept = Array.from(h.ids.subarray(0, h.size)).sort((a, b) => a - b);
    expect(kept).toEqual([1, 4, 5]);
  });
});

describe('ExactIndex with helper threads', () => {
  it('returns the same top-k with 1, 2 and 3 threads, both precisions, across chunks', async () => {
    const dim = 32;
    const rows = gaussian(9000 * dim, 21);
    const single = new ExactIndex({ dim });
    const multi = [new ExactIndex({ dim, threads: 2 }), new ExactIndex({ dim, threads: 3 })];
    for (const index of [single, ...multi]) {
      index.addSync(rows.subarray(0, 5001 * dim));
      index.addSync(rows.subarray(5001 * dim));
    }
    try {
      for (let t = 0; t < 3; t++) {
        const q = gaussian(dim, 300 + t);
        for (const precision of ['f32', 'int8'] as const) {
          const a = single.searchSync(q, 700, precision);
          for (const index of multi) {
            const b = index.searchSync(q, 700, precision);
            expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
            expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
          }
        }
        // Chunks added after a search are seen by the helpers too.
        for (const index of [single, ...multi]) index.addSync(gaussian(10 * dim, 900 + t));
      }
    } finally {
      await Promise.all(multi.map((m) => m.close()));
    }
  });
});
