/**
 * @deepface-ts/kernels/topk: exact top-k by dot product (cosine for unit rows) over up to
 * ~10⁶ rows, the WASM SIMD module of csrc/topk.c with a grow-only arena in its memory.
 * A subpath of its own so that importing it does not load tfjs.
 *
 * The memory is created here (the module imports it), shared, with a 4 GiB maximum so
 * 10⁶ × 256 float32 rows (1 GiB) plus int8 copies fit. Shared because (a) helper threads
 * can scan parts of the same rows (instantiate `topkWasmModule()` in a worker on
 * `memory`) and (b) a shared memory is reserved at its maximum up front, so growing never
 * copies (a non-shared one copied 1 GiB on growth).
 * Allocations are 16-byte aligned byte offsets; views are re-created on every access since
 * each growth hands out a new, longer buffer object.
 */
import { topkWasmBase64 } from './topk-wasm.generated';

export { quantizeRowsInt8, referenceTopK, type TopK } from '../reference/topk';

/**
 * Rows scored per block before they are fed to the heap (BLOCK_ROWS in csrc/topk.c): a
 * search's scratch must hold this many floats.
 */
export const TOPK_BLOCK_ROWS = 1024;

/**
 * What `search_f32`, `search_i8` and `heap_push_block` of the raw module return instead of a
 * heap size (TOPK_BAD_QUERY and TOPK_BAD_HEAP_SIZE in csrc/topk.c), touching nothing: a query
 * with a NaN or ±Infinity (for int8, a non-finite `qscale`), or a heap size outside [0, k].
 * A negative size passed in is returned as is, so per-chunk chains keep the first error.
 * `TopkWasm.exports` turns these into thrown errors; instances of `topkWasmModule()` made
 * elsewhere (worker threads) must check for them.
 */
export const TOPK_BAD_QUERY = -1;
export const TOPK_BAD_HEAP_SIZE = -2;

/**
 * The module's functions. Pointers are byte offsets into the memory; `dim` is the row stride
 * in elements (a multiple of 4 for float32, of 16 for int8; pad rows with zeros). int8 scores
 * are scale[r] · qscale · Σ m·q16, with the int8 query widened to int16 (`q16`). The search
 * functions feed `rows` rows, numbered from `firstId`, into the min-heap (`hs` scores, `hi` ids,
 * capacity k, `size` entries so far) and return its new size: call them once per chunk.
 */
export interface TopkExports {
  __heap_base: WebAssembly.Global;
  scores_f32(m: number, rows: number, dim: number, q: number, out: number): void;
  scores_i8(m: number, rows: number, dim: number, q16: number, scale: number, qscale: number, out: number): void;
  /** Feeds `n` scores (ids from `firstId`) into the heap; what the search functions do per block. */
  heap_push_block(scores: number, n: number, firstId: number, hs: number, hi: number, size: number, k: number): number;
  search_f32(
    m: number, rows: number, dim: number, q: number, firstId: number, scratch: number,
    hs: number, hi: number, size: number, k: number,
  ): number;
  search_i8(
    m: number, rows: number, dim: number, q16: number, scale: number, qscale: number, firstId: number,
    scratch: number, hs: number, hi: number, size: number, k: number,
  ): number;
  quantize_rows_i8(src: number, rows: number, dim: number, dst: number, scale: number): void;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

let compiled: WebAssembly.Module | undefined;
/** The compiled module, once per thread; workers can receive it in a message or workerData. */
export function topkWasmModule(): WebAssembly.Module {
  if (!compiled) {
    const bytes = Buffer.from(topkWasmBase64, 'base64');
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** One instance = one memory (e.g. one per index); threads scan it through further instances of the module. */
export class TopkWasm {
  readonly memory: WebAssembly.Memory;
  readonly exports: TopkExports;
  private top: number;

  constructor(initialBytes = 1 << 20) {
    this.memory = new WebAssembly.Memory({
      initial: Math.max(2, Math.ceil(initialBytes / PAGE)),
      maximum: MAX_PAGES,
      shared: true,
    });
    const instance = new WebAssembly.Instance(topkWasmModule(), { env: { memory: this.memory } });
    const raw = instance.exports as unknown as TopkExports;
    // The raw functions, except that the heap-feeding ones throw on an error return (the
    // check is in the C, O(dim) per call; here only the negative result is turned into a
    // message, so a valid call costs one extra JS frame).
    this.exports = {
      ...raw,
      heap_push_block: (scores, n, firstId, hs, hi, size, k) => {
        const r = raw.heap_push_block(scores, n, firstId, hs, hi, size, k);
        return r >= 0 ? r : fail('heap_push_block', r, size, k, '');
      },
      search_f32: (m, rows, dim, q, firstId, scratch, hs, hi, size, k) => {
        const r = raw.search_f32(m, rows, dim, q, firstId, scratch, hs, hi, size, k);
        return r >= 0 ? r : fail('search_f32', r, size, k, r === TOPK_BAD_QUERY ? this.badF32Query(q, dim) : '');
      },
      search_i8: (m, rows, dim, q16, scale, qscale, firstId, scratch, hs, hi, size, k) => {
        const r = raw.search_i8(m, rows, dim, q16, scale, qscale, firstId, scratch, hs, hi, size, k);
        return r >= 0
          ? r
          : fail('search_i8', r, size, k, `qscale (the int8 query row's scale) is ${qscale}; quantise a finite query ` +
              '(quantizeRowsInt8 gives a NaN or infinite scale for a non-finite one)');
      },
    };
    this.top = align16(Number(this.exports.__heap_base.value));
  }

  /** Which element of the float32 query row at `q` is not finite (for the error message). */
  private badF32Query(q: number, dim: number): string {
    const values = this.f32(q, dim);
    const j = values.findIndex((v) => !Number.isFinite(v));
    return `the query row (${dim} floats at byte offset ${q}) is not finite: element ${j} is ${values[j]}`;
  }

  /** Bytes allocated so far (the arena's high-water mark). */
  get usedBytes(): number {
    return this.top;
  }

  /** Reserves `bytes` (16-byte aligned) and returns the byte offset; grows the memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = align16(ptr + bytes);
    if (end > MAX_PAGES * PAGE) {
      throw new RangeError(`WASM memory exhausted: ${end} bytes needed, the wasm32 limit is 4 GiB; spread the rows over several TopkWasm instances`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow geometrically so appending many small chunks stays amortised O(1).
      const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), Math.ceil((have * 1.5) / PAGE)));
      this.memory.grow(want - have / PAGE);
    }
    this.top = end;
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
  i8(ptr: number, length: number): Int8Array {
    return new Int8Array(this.memory.buffer, ptr, length);
  }
  i16(ptr: number, length: number): Int16Array {
    return new Int16Array(this.memory.buffer, ptr, length);
  }
  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}

/** Throws the error for a negative result of a heap-feeding export (`size`, `k`: its arguments). */
function fail(fn: string, result: number, size: number, k: number, badQuery: string): never {
  if (size < 0) throw new RangeError(`${fn}: heap size ${size} passed in is an error code from an earlier call (${codeName(size)}); start a new heap`);
  if (result === TOPK_BAD_HEAP_SIZE) throw new RangeError(`${fn}: heap size ${size} is outside [0, k = ${k}]`);
  if (result === TOPK_BAD_QUERY) throw new RangeError(`${fn}: ${badQuery}; a NaN score would stick at the heap's root and silently block every later row`);
  throw new RangeError(`${fn}: failed with code ${result} (${codeName(result)})`);
}

function codeName(code: number): string {
  return code === TOPK_BAD_QUERY ? 'TOPK_BAD_QUERY' : code === TOPK_BAD_HEAP_SIZE ? 'TOPK_BAD_HEAP_SIZE' : 'unknown';
}

function align16(n: number): number {
  // Not `(n + 15) & ~15`: offsets pass 2³¹ in a 4 GiB memory and bit operators are 32-bit signed.
  return Math.ceil(n / 16) * 16;
}
