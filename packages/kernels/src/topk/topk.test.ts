import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { dotBound, expectWithinBound, seededValues } from '../test_util';
import { TOPK_BLOCK_ROWS, TopkWasm, quantizeRowsInt8, referenceTopK, topkWasmModule } from './topk';

/** Float64 dot product of every row of `m` with `q`, in row order (referenceTopK with k = all). */
function referenceScores(m: Float32Array, dim: number, q: ArrayLike<number>): Float32Array {
  const { ids, scores } = referenceTopK(m, dim, q, m.length / dim);
  const out = new Float32Array(ids.length);
  ids.forEach((id, i) => (out[id] = scores[i]));
  return out;
}

/** Small integers (−2..2): every kernel sum is exact in float32, so top-k order is exact, ties included. */
function smallIntegers(n: number, seed: number): Float32Array {
  return seededValues(n, seed).map((v) => Math.round(v * 2.4));
}

/** Copies `values` into the arena; returns the offset. */
function put(w: TopkWasm, values: Float32Array | Int8Array | Int16Array): number {
  const ptr = w.alloc(values.byteLength);
  w.u8(ptr, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return ptr;
}

/** The heap's contents, best first, ties to the lower id (its order is a heap's, not sorted). */
function heapContents(w: TopkWasm, hs: number, hi: number, size: number): { ids: number[]; scores: number[] } {
  const s = w.f32(hs, size);
  const id = w.i32(hi, size);
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => s[b] - s[a] || id[a] - id[b]);
  return { ids: order.map((i) => id[i]), scores: order.map((i) => s[i]) };
}

/** The int8 query as the kernel takes it: quantised, then widened to int16. */
function int8Query(q: Float32Array): { q16: Int16Array; qscale: number; q8: Int8Array } {
  const { values, scales } = quantizeRowsInt8(q, q.length);
  return { q16: Int16Array.from(values), qscale: scales[0], q8: values };
}

describe('top-k WASM kernel', () => {
  // Row counts cover the 8-row pass, the 4-row tail and the single rows after it.
  const rowCounts = [1, 3, 4, 5, 7, 8, 9, 15, 16, 21];

  it('scores_f32 matches the float64 reference within the float32 rounding bound', () => {
    const w = new TopkWasm();
    for (const dim of [4, 36, 256]) {
      for (const rows of rowCounts) {
        const m = seededValues(rows * dim, rows + dim);
        const q = seededValues(dim, 1000 + dim);
        const out = w.alloc(rows * 4);
        w.exports.scores_f32(put(w, m), rows, dim, put(w, q), out);
        const bound = dotBound(dim, referenceScores(m.map(Math.abs), dim, q.map(Math.abs)));
        expectWithinBound(w.f32(out, rows), referenceScores(m, dim, q), bound, `scores_f32 ${rows}×${dim}`);
      }
    }
  });

  it('scores_i8 is the exact integer dot product times both scales', () => {
    const w = new TopkWasm();
    for (const dim of [16, 48, 256]) {
      for (const rows of rowCounts) {
        const { values, scales } = quantizeRowsInt8(seededValues(rows * dim, 7 * rows + dim), dim);
        const { q16, qscale, q8 } = int8Query(seededValues(dim, 2000 + dim));
        const out = w.alloc(rows * 4);
        w.exports.scores_i8(put(w, values), rows, dim, put(w, q16), put(w, scales), qscale, out);
        // Integer sums stay below 2²⁴ (256·127²), so the reference's float64 sum is exact, and
        // the kernel's float32 products are rounded in its order: (sum · scale) · qscale.
        const ints = referenceScores(Float32Array.from(values), dim, q8);
        const expected = ints.map((s, r) => Math.fround(Math.fround(s * scales[r]) * qscale));
        expect(Array.from(w.f32(out, rows)), `scores_i8 ${rows}×${dim}`).toEqual(Array.from(expected));
      }
    }
  });

  it('quantize_rows_i8 is bit-identical to quantizeRowsInt8, halves rounded away from zero', () => {
    const w = new TopkWasm();
    const dim = 32;
    const rows = 40;
    const m = seededValues(rows * dim, 5);
    m.fill(0, 3 * dim, 4 * dim); // a zero row: scale 0, values 0
    // max |x| = 127 makes the inverse scale 1, so these land exactly on halves.
    m.set([127, 0.5, -0.5, 1.5, -2.5, 126.5, -126.5], 7 * dim);
    const src = put(w, m);
    const dst = w.alloc(rows * dim);
    const scalePtr = w.alloc(rows * 4);
    w.exports.quantize_rows_i8(src, rows, dim, dst, scalePtr);
    const ref = quantizeRowsInt8(m, dim);
    expect(Array.from(w.i8(dst, rows * dim))).toEqual(Array.from(ref.values));
    expect(Array.from(w.f32(scalePtr, rows))).toEqual(Array.from(ref.scales));
    expect(Array.from(ref.values.subarray(7 * dim, 7 * dim + 7))).toEqual([127, 1, -1, 2, -3, 127, -127]);
    expect(ref.scales[3]).toBe(0);
  });

  it('search_f32 and search_i8 keep the exact top-k, ties to the lower id, across blocks and calls', () => {
    const dim = 64;
    const n = 3000; // crosses TOPK_BLOCK_ROWS twice
    const split = 1234; // fed as two chunks, ids continuing from the first
    const w = new TopkWasm();
    const m = smallIntegers(n * dim, 11);
    const q = smallIntegers(dim, 12);
    const { values, scales } = quantizeRowsInt8(m, dim);
    const { q16, qscale, q8 } = int8Query(q);
    const [mPtr, i8Ptr, scalePtr, qPtr, q16Ptr] = [put(w, m), put(w, values), put(w, scales), put(w, q), put(w, q16)];
    const scratch = w.alloc(TOPK_BLOCK_ROWS * 4);
    const ints = referenceScores(Float32Array.from(values), dim, q8);
    const i8Scores = ints.map((s, r) => Math.fround(Math.fround(s * scales[r]) * qscale));
    for (const k of [1, 10, 1000, n + 5]) {
      const hs = w.alloc(k * 4);
      const hi = w.alloc(k * 4);
      let size = w.exports.search_f32(mPtr, split, dim, qPtr, 0, scratch, hs, hi, 0, k);
      size = w.exports.search_f32(mPtr + split * dim * 4, n - split, dim, qPtr, split, scratch, hs, hi, size, k);
      const f32 = referenceTopK(m, dim, q, k);
      expect(size).toBe(Math.min(k, n));
      expect(heapContents(w, hs, hi, size)).toEqual({ ids: Array.from(f32.ids), scores: Array.from(f32.scores) });

      size = w.exports.search_i8(i8Ptr, split, dim, q16Ptr, scalePtr, qscale, 0, scratch, hs, hi, 0, k);
      size = w.exports.search_i8(i8Ptr + split * dim, n - split, dim, q16Ptr, scalePtr + split * 4, qscale, split, scratch, hs, hi, size, k);
      // The top k of the kernel's own int8 scores: a one-column matrix against the query [1].
      const i8 = referenceTopK(i8Scores, 1, [1], k);
      expect(heapContents(w, hs, hi, size)).toEqual({ ids: Array.from(i8.ids), scores: Array.from(i8.scores) });
    }
    // The data really has ties at the cut (else the tie rule above went untested).
    const sorted = referenceTopK(m, dim, q, n).scores;
    expect(sorted[999]).toBe(sorted[1000]);
  });

  it('writes no further than TOPK_BLOCK_ROWS floats of scratch', () => {
    const dim = 16;
    const n = 2 * TOPK_BLOCK_ROWS + 3;
    const w = new TopkWasm();
    const mPtr = put(w, seededValues(n * dim, 3));
    const qPtr = put(w, seededValues(dim, 4));
    const scratch = w.alloc(TOPK_BLOCK_ROWS * 4);
    const guard = w.u8(w.alloc(64), 64).fill(0xa5);
    const hs = w.alloc(40);
    const hi = w.alloc(40);
    expect(w.exports.search_f32(mPtr, n, dim, qPtr, 0, scratch, hs, hi, 0, 10)).toBe(10);
    expect(guard.every((b) => b === 0xa5)).toBe(true);
  });

  it('grows its memory in place (rows stay put) and refuses to pass 4 GiB', () => {
    const w = new TopkWasm(1 << 16);
    const before = w.memory.buffer.byteLength;
    const rows = seededValues(1000, 9);
    const ptr = put(w, rows);
    w.alloc(8 << 20);
    expect(w.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(Array.from(w.f32(ptr, rows.length))).toEqual(Array.from(rows));
    expect(w.usedBytes % 16).toBe(0);
    expect(() => w.alloc(2 ** 32)).toThrow(RangeError);
  });

  it('runs in a worker thread on the same shared memory', async () => {
    const dim = 32;
    const rows = 100;
    const w = new TopkWasm();
    const m = seededValues(rows * dim, 21);
    const q = seededValues(dim, 22);
    const [mPtr, qPtr, mine, theirs] = [put(w, m), put(w, q), w.alloc(rows * 4), w.alloc(rows * 4)];
    w.exports.scores_f32(mPtr, rows, dim, qPtr, mine);
    // The compiled module and the memory are handed over, as a search helper thread gets them.
    const worker = new Worker(
      `const { parentPort, workerData: { module, memory, args } } = require('node:worker_threads');
       new WebAssembly.Instance(module, { env: { memory } }).exports.scores_f32(...args);
       parentPort.postMessage('done');`,
      { eval: true, workerData: { module: topkWasmModule(), memory: w.memory, args: [mPtr, rows, dim, qPtr, theirs] } },
    );
    try {
      await once(worker, 'message');
    } finally {
      await worker.terminate();
    }
    expect(Array.from(w.f32(theirs, rows))).toEqual(Array.from(w.f32(mine, rows)));
  });

  it('imports nothing but its own files (so the ./topk export never loads tfjs)', () => {
    const seen = new Set<string>();
    const packages: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)) {
        if (spec.startsWith('.')) visit(resolve(dirname(file), `${spec}.ts`));
        else packages.push(spec);
      }
    };
    visit(fileURLToPath(new URL('./topk.ts', import.meta.url)));
    expect(seen.size).toBe(3); // topk.ts, its generated module, ../reference/topk.ts
    expect(packages).toEqual([]);
  });
});
