/**
 * Exact cosine top-k over up to ~10⁶ rows on one machine.
 *
 * Rows are L2-normalised at insert (the norms are returned to the caller, who keeps them),
 * so cosine = dot product. Rows are stored contiguously in chunks, as float32 and/or int8
 * with one scale per row, and scanned block by block: a matrix–vector product fused with a
 * bounded min-heap (k = 1000 over 10⁶ touches the heap only for the few rows above its
 * root). Two scorers share this layout: 'wasm' (@deepface-ts/kernels/topk, WASM SIMD) and
 * 'js' (the plain loops, the baseline and a fallback).
 */
import { TOPK_BLOCK_ROWS, TopkWasm } from '@deepface-ts/kernels/topk';
import { BootstrapError } from './errors';
import { RANGE_FIELDS, SearchThreads } from './search-threads';
import { normalizeRows, quantizeRowsInt8, rowCount, type TopK } from './vectors';

export type Precision = 'f32' | 'int8';
export type ScorerKind = 'wasm' | 'js';

export interface ExactIndexOptions {
  dim: number;
  /** Which copies to keep (default both). A search needs its precision kept. */
  precisions?: Precision[];
  /** 'wasm' (default): SIMD kernels; 'js': plain loops. */
  scorer?: ScorerKind;
  /**
   * Threads per search (wasm scorer only; default 1). With t > 1, t − 1 helper threads scan
   * their share of every chunk while the calling thread scans its own; call `close()` after.
   */
  threads?: number;
}

/** Views of one chunk's storage, for filling in place (e.g. straight from a file). */
export interface ChunkViews {
  rows: number;
  /** Row stride (dim rounded up to 16; the padding stays 0). */
  stride: number;
  f32?: Float32Array;
  int8?: Int8Array;
  scales?: Float32Array;
}

interface Chunk {
  firstRow: number;
  rows: number;
  f32Ptr: number;
  i8Ptr: number;
  scalePtr: number;
  // JS scorer storage.
  f32?: Float32Array;
  int8?: Int8Array;
  scales?: Float32Array;
}

/** The searchable interface shared by the exact index and the LanceDB engine. */
export interface NearestIndex {
  readonly dim: number;
  readonly size: number;
  /** Appends raw rows (normalised inside); returns their norms. */
  add(rows: Float32Array): Promise<Float32Array>;
  /** The k rows of highest cosine to `query`, best first. */
  search(query: Float32Array, k: number): Promise<TopK>;
}

export class ExactIndex implements NearestIndex {
  readonly dim: number;
  readonly stride: number;
  readonly precisions: readonly Precision[];
  readonly scorer: ScorerKind;
  private readonly wasm?: TopkWasm;
  private readonly chunks: Chunk[] = [];
  private rowsTotal = 0;
  // Per-query buffers in WASM memory, (re)allocated when k grows.
  private qPtr = 0;
  private q16Ptr = 0;
  private scratchPtr = 0;
  private heapCap = 0;
  private heapScorePtr = 0;
  private heapIdPtr = 0;
  private stagingPtr = 0;
  private stagingRows = 0;
  readonly threads: number;
  private helpers?: SearchThreads;
  /** Per helper: scratch, heap and range-table pointers (rebuilt when chunks are added). */
  private helperBufs: { scratch: number; hs: number; hi: number; cap: number; table: number; ranges: number; tableCap: number }[] = [];
  private helperTablesFor = -1;

  constructor(options: ExactIndexOptions) {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim <= 0) throw new BootstrapError(`dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    this.stride = Math.ceil(dim / 16) * 16;
    this.precisions = options.precisions ?? ['f32', 'int8'];
    if (this.precisions.length === 0) throw new BootstrapError('precisions must name at least one of f32, int8');
    this.scorer = options.scorer ?? 'wasm';
    if (this.scorer === 'wasm') {
      this.wasm = new TopkWasm();
      this.qPtr = this.wasm.alloc(this.stride * 4);
      this.q16Ptr = this.wasm.alloc(this.stride * 2);
      this.scratchPtr = this.wasm.alloc(TOPK_BLOCK_ROWS * 4);
    }
    this.threads = this.wasm ? Math.max(1, Math.floor(options.threads ?? 1)) : 1;
    if (this.threads > 1) {
      this.helpers = new SearchThreads(this.wasm!, this.threads - 1);
      for (let h = 0; h < this.threads - 1; h++) {
        this.helperBufs.push({ scratch: this.wasm!.alloc(TOPK_BLOCK_ROWS * 4), hs: 0, hi: 0, cap: 0, table: 0, ranges: 0, tableCap: 0 });
      }
    }
  }

  /** Stops the helper threads (if any). The index stays searchable on one thread. */
  async close(): Promise<void> {
    const h = this.helpers;
    this.helpers = undefined;
    if (h) await h.close();
  }

  get size(): number {
    return this.rowsTotal;
  }

  /** Bytes held by the rows (and, for WASM, the whole arena). */
  get memoryBytes(): number {
    if (this.wasm) return this.wasm.usedBytes;
    let b = 0;
    for (const c of this.chunks) b += (c.f32?.byteLength ?? 0) + (c.int8?.byteLength ?? 0) + (c.scales?.byteLength ?? 0);
    return b;
  }

  has(precision: Precision): boolean {
    return this.precisions.includes(precision);
  }

  /**
   * Reserves a chunk of `rows` rows and lets `fill` write unit-norm rows (and int8 copies)
   * in place. If `fill` leaves int8 unset (`fillsInt8` false), they are quantised here.
   */
  appendChunk(rows: number, fill: (views: ChunkViews) => void, fillsInt8 = false): void {
    if (!Number.isInteger(rows) || rows < 0) throw new BootstrapError(`rows must be a non-negative integer, got ${rows}`);
    if (rows === 0) return;
    const chunk: Chunk = { firstRow: this.rowsTotal, rows, f32Ptr: 0, i8Ptr: 0, scalePtr: 0 };
    const n = rows * this.stride;
    // The int8 copy is quantised from float32, so float32 rows are needed while filling even
    // when only int8 is kept; the JS scorer then drops them.
    const keepF32 = this.has('f32');
    const keepI8 = this.has('int8');
    let staged = false;
    if (this.wasm) {
      if (keepF32) chunk.f32Ptr = this.wasm.alloc(n * 4);
      else if (!fillsInt8) {
        // int8 only: float rows pass through one reusable staging area, never kept.
        if (this.stagingRows < rows) {
          this.stagingRows = rows;
          this.stagingPtr = this.wasm.alloc(n * 4);
        }
        chunk.f32Ptr = this.stagingPtr;
        staged = true;
      }
      if (keepI8) {
        chunk.i8Ptr = this.wasm.alloc(n);
        chunk.scalePtr = this.wasm.alloc(rows * 4);
      }
    } else {
      if (keepF32 || !fillsInt8) chunk.f32 = new Float32Array(n);
      if (keepI8) {
        chunk.int8 = new Int8Array(n);
        chunk.scales = new Float32Array(rows);
      }
    }
    const views = this.views(chunk);
    fill(views);
    if (keepI8 && !fillsInt8) {
      if (this.wasm) this.wasm.exports.quantize_rows_i8(chunk.f32Ptr, rows, this.stride, chunk.i8Ptr, chunk.scalePtr);
      else quantizeRowsInt8(chunk.f32!, this.stride, chunk.int8!, chunk.scales!);
    }
    if (!keepF32 && !this.wasm) chunk.f32 = undefined;
    if (staged) chunk.f32Ptr = 0;
    this.chunks.push(chunk);
    this.rowsTotal += rows;
  }

  /** Appends raw rows (n×dim); returns their L2 norms. Synchronous form of `add`. */
  addSync(rows: Float32Array): Float32Array {
    const n = rowCount(rows, this.dim, 'rows');
    const unit = new Float32Array(rows.length);
    const norms = normalizeRows(rows, this.dim, unit);
    for (let i = 0; i < norms.length; i++) {
      if (!Number.isFinite(norms[i])) throw new BootstrapError(`rows: row ${i} has a non-finite value`);
    }
    this.addUnitRows(unit, n);
    return norms;
  }

  async add(rows: Float32Array): Promise<Float32Array> {
    return this.addSync(rows);
  }

  /** Appends rows that are already unit-norm (n×dim), in chunks of at most 65,536 rows. */
  addUnitRows(unit: Float32Array, n = rowCount(unit, this.dim, 'unit')): void {
    const CHUNK = 65536;
    for (let start = 0; start < n; start += CHUNK) {
      const m = Math.min(CHUNK, n - start);
      this.appendChunk(m, (v) => {
        const f = v.f32!;
        if (this.stride === this.dim) f.set(unit.subarray(start * this.dim, (start + m) * this.dim));
        else for (let r = 0; r < m; r++) f.set(unit.subarray((start + r) * this.dim, (start + r + 1) * this.dim), r * this.stride);
      });
    }
  }

  /** Copies rows [start, start + n) out as unit-norm float32 (n×dim). Needs the f32 copy. */
  unitRows(start: number, n: number): Float32Array {
    if (!this.has('f32')) throw new BootstrapError('unitRows needs the f32 copy (precisions lacks f32)');
    if (start < 0 || n < 0 || start + n > this.rowsTotal) throw new BootstrapError(`rows ${start}..${start + n - 1} out of range 0..${this.rowsTotal - 1}`);
    const out = new Float32Array(n * this.dim);
    for (const c of this.chunks) {
      const from = Math.max(start, c.firstRow);
      const to = Math.min(start + n, c.firstRow + c.rows);
      if (from >= to) continue;
      const f = this.views(c).f32!;
      for (let r = from; r < to; r++) {
        const o = (r - c.firstRow) * this.stride;
        out.set(f.subarray(o, o + this.dim), (r - start) * this.dim);
      }
    }
    return out;
  }

  /**
   * Exact top-k by cosine. The query need not be normalised. `plainJs` runs the plain-JS
   * scorer over the same rows (the benchmark's baseline).
   */
  searchSync(query: Float32Array, k: number, precision: Precision = this.has('f32') ? 'f32' : 'int8', plainJs = false): TopK {
    if (!(query instanceof Float32Array) || query.length !== this.dim) {
      throw new BootstrapError(`query must be a Float32Array of length ${this.dim}, got ${query?.length}`);
    }
    if (!Number.isInteger(k) || k < 1) throw new BootstrapError(`k must be a positive integer, got ${k}`);
    if (!this.has(precision)) throw new BootstrapError(`this index keeps no ${precision} rows (precisions: ${this.precisions.join(', ')})`);
    const kk = Math.min(k, this.rowsTotal);
    if (kk === 0) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    const q = new Float32Array(this.stride);
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += query[j] * query[j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    if (!Number.isFinite(inv)) throw new BootstrapError('query has a non-finite value');
    for (let j = 0; j < this.dim; j++) q[j] = query[j] * inv;
    return this.wasm && !plainJs ? this.searchWasm(q, kk, precision) : this.searchJs(q, kk, precision);
  }

  async search(query: Float32Array, k: number, precision?: Precision): Promise<TopK> {
    return this.searchSync(query, k, precision);
  }

  private views(c: Chunk): ChunkViews {
    const n = c.rows * this.stride;
    if (this.wasm) {
      return {
        rows: c.rows,
        stride: this.stride,
        f32: c.f32Ptr ? this.wasm.f32(c.f32Ptr, n) : undefined,
        int8: c.i8Ptr ? this.wasm.i8(c.i8Ptr, n) : undefined,
        scales: c.scalePtr ? this.wasm.f32(c.scalePtr, c.rows) : undefined,
      };
    }
    return { rows: c.rows, stride: this.stride, f32: c.f32, int8: c.int8, scales: c.scales };
  }

  private searchWasm(q: Float32Array, k: number, precision: Precision): TopK {
    const w = this.wasm!;
    if (k > this.heapCap) {
      this.heapCap = k;
      this.heapScorePtr = w.alloc(k * 4);
      this.heapIdPtr = w.alloc(k * 4);
    }
    w.f32(this.qPtr, this.stride).set(q);
    let qscale = 0;
    if (precision === 'int8') {
      const { values, scales } = quantizeRowsInt8(q, this.stride);
      qscale = scales[0];
      w.i16(this.q16Ptr, this.stride).set(values);
    }
    const parts = this.helpers ? this.threads : 1;
    if (parts > 1) this.startHelpers(k, precision, qscale);
    // The calling thread's share: part 0 of every chunk.
    let size = 0;
    const e = w.exports;
    for (const c of this.chunks) {
      const [from, to] = share(c.rows, 0, parts);
      const rows = to - from;
      if (rows === 0) continue;
      const off = from * this.stride;
      size =
        precision === 'f32'
          ? e.search_f32(c.f32Ptr + off * 4, rows, this.stride, this.qPtr, c.firstRow + from, this.scratchPtr, this.heapScorePtr, this.heapIdPtr, size, k)
          : e.search_i8(c.i8Ptr + off, rows, this.stride, this.q16Ptr, c.scalePtr + from * 4, qscale, c.firstRow + from, this.scratchPtr, this.heapScorePtr, this.heapIdPtr, size, k);
    }
    if (parts === 1) return sortHeap(w.f32(this.heapScorePtr, size), w.i32(this.heapIdPtr, size));
    const sizes = this.helpers!.wait(parts - 1);
    // Merge: every thread's heap holds its share's top k, so the global top k is among them.
    const total = size + sizes.reduce((a, b) => a + b, 0);
    const scores = new Float32Array(total);
    const ids = new Int32Array(total);
    scores.set(w.f32(this.heapScorePtr, size));
    ids.set(w.i32(this.heapIdPtr, size));
    let at = size;
    sizes.forEach((n, h) => {
      scores.set(w.f32(this.helperBufs[h].hs, n), at);
      ids.set(w.i32(this.helperBufs[h].hi, n), at);
      at += n;
    });
    const merged = sortHeap(scores, ids);
    return { ids: merged.ids.slice(0, k), scores: merged.scores.slice(0, k) };
  }

  private startHelpers(k: number, precision: Precision, qscale: number): void {
    const w = this.wasm!;
    const parts = this.threads;
    if (this.helperTablesFor !== this.chunks.length) {
      // Range tables: helper h scans part h + 1 of every chunk (Float64 fields, RANGE_FIELDS each).
      this.helperBufs.forEach((buf, h) => {
        if (buf.tableCap < this.chunks.length) {
          buf.tableCap = Math.max(16, this.chunks.length * 2);
          buf.table = w.alloc(buf.tableCap * RANGE_FIELDS * 8);
        }
        const t = new Float64Array(w.memory.buffer, buf.table, buf.tableCap * RANGE_FIELDS);
        let n = 0;
        for (const c of this.chunks) {
          const [from, to] = share(c.rows, h + 1, parts);
          if (to === from) continue;
          const o = n * RANGE_FIELDS;
          t[o] = c.f32Ptr ? c.f32Ptr + from * this.stride * 4 : 0;
          t[o + 1] = c.i8Ptr ? c.i8Ptr + from * this.stride : 0;
          t[o + 2] = c.scalePtr ? c.scalePtr + from * 4 : 0;
          t[o + 3] = to - from;
          t[o + 4] = c.firstRow + from;
          n++;
        }
        buf.ranges = n;
      });
      this.helperTablesFor = this.chunks.length;
    }
    for (const buf of this.helperBufs) {
      if (buf.cap < k) {
        buf.cap = k;
        buf.hs = w.alloc(k * 4);
        buf.hi = w.alloc(k * 4);
      }
    }
    this.helpers!.start(
      this.helperBufs.map((buf) => ({
        precision: precision === 'f32' ? 0 : 1,
        k,
        stride: this.stride,
        qPtr: this.qPtr,
        q16Ptr: this.q16Ptr,
        qscale,
        scratchPtr: buf.scratch,
        heapScorePtr: buf.hs,
        heapIdPtr: buf.hi,
        tablePtr: buf.table,
        ranges: buf.ranges,
      })),
    );
  }

  private searchJs(q: Float32Array, k: number, precision: Precision): TopK {
    const heap = new BoundedHeap(k);
    const d = this.stride;
    let q8: Int8Array | undefined;
    let qscale = 0;
    if (precision === 'int8') {
      const quant = quantizeRowsInt8(q, d);
      q8 = quant.values;
      qscale = quant.scales[0];
    }
    for (const c of this.chunks) {
      const v = this.views(c);
      if (precision === 'f32') {
        const m = v.f32!;
        for (let r = 0; r < c.rows; r++) {
          const o = r * d;
          let s = 0;
          for (let j = 0; j < d; j++) s += m[o + j] * q[j];
          heap.push(Math.fround(s), c.firstRow + r);
        }
      } else {
        const m = v.int8!;
        const sc = v.scales!;
        for (let r = 0; r < c.rows; r++) {
          const o = r * d;
          let s = 0;
          for (let j = 0; j < d; j++) s += m[o + j] * q8![j];
          heap.push(Math.fround(s * sc[r] * qscale), c.firstRow + r);
        }
      }
    }
    return sortHeap(heap.scores.subarray(0, heap.size), heap.ids.subarray(0, heap.size));
  }
}

/** Bounded min-heap of (score, id), root = worst kept; ties prefer the lower id. */
export class BoundedHeap {
  readonly scores: Float32Array;
  readonly ids: Int32Array;
  size = 0;
  constructor(readonly k: number) {
    this.scores = new Float32Array(k);
    this.ids = new Int32Array(k);
  }
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }
  push(score: number, id: number): void {
    const hs = this.scores;
    const hi = this.ids;
    if (this.size < this.k) {
      let pos = this.size++;
      while (pos > 0) {
        const p = (pos - 1) >> 1;
        if (!this.worse(score, id, hs[p], hi[p])) break;
        hs[pos] = hs[p];
        hi[pos] = hi[p];
        pos = p;
      }
      hs[pos] = score;
      hi[pos] = id;
      return;
    }
    if (!this.worse(hs[0], hi[0], score, id)) return;
    let pos = 0;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= this.size) break;
      let c = l;
      if (l + 1 < this.size && this.worse(hs[l + 1], hi[l + 1], hs[l], hi[l])) c = l + 1;
      if (!this.worse(hs[c], hi[c], score, id)) break;
      hs[pos] = hs[c];
      hi[pos] = hi[c];
      pos = c;
    }
    hs[pos] = score;
    hi[pos] = id;
  }
}

/** Rows [from, to) of part `part` of `parts` of a chunk of `rows` rows (multiples of 4 but the last). */
function share(rows: number, part: number, parts: number): [number, number] {
  const per = Math.ceil(rows / parts / 4) * 4;
  return [Math.min(rows, part * per), Math.min(rows, (part + 1) * per)];
}

/** Heap contents → best-first arrays (copies out of WASM memory). */
function sortHeap(scores: Float32Array, ids: Int32Array): TopK {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
  const outIds = new Int32Array(n);
  const outScores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    outIds[i] = ids[order[i]];
    outScores[i] = scores[order[i]];
  }
  return { ids: outIds, scores: outScores };
}
