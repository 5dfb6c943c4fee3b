/**
 * Helper threads that scan parts of the same WASM memory during one search: the main
 * thread takes one share, each helper another, and the per-thread heaps are merged.
 *
 * Synchronous by design (search stays a plain function call): jobs are handed over through
 * a SharedArrayBuffer with Atomics.notify / Atomics.wait, no message round trips. The
 * worker source is an inline script (eval), so no worker file has to be found on disk. Each
 * helper instantiates the top-k module (@deepface-ts/kernels/topk) on the index's shared memory.
 */
import { Worker } from 'node:worker_threads';
import { topkWasmModule, type TopkWasm } from '@deepface-ts/kernels/topk';

/** Float64 slots of one helper's job block. */
const P_PRECISION = 0;
const P_K = 1;
const P_STRIDE = 2;
const P_Q = 3;
const P_Q16 = 4;
const P_QSCALE = 5;
const P_SCRATCH = 6;
const P_HS = 7;
const P_HI = 8;
const P_TABLE = 9;
const P_RANGES = 10;
const P_RESULT = 11;
const P_SIZE = 12;
/** Float64 entries per range in the range table (in WASM memory). */
export const RANGE_FIELDS = 5; // f32Ptr, i8Ptr, scalePtr, rows, firstRow

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, params, slot } = workerData;
const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(control);
const p = new Float64Array(params);
const b = slot * ${P_SIZE};
let seen = 0;
for (;;) {
  Atomics.wait(c, slot * 2, seen);
  seen = Atomics.load(c, slot * 2);
  if (seen < 0) break;
  const t = new Float64Array(memory.buffer, p[b + ${P_TABLE}], p[b + ${P_RANGES}] * ${RANGE_FIELDS});
  const k = p[b + ${P_K}], stride = p[b + ${P_STRIDE}], scratch = p[b + ${P_SCRATCH}], hs = p[b + ${P_HS}], hi = p[b + ${P_HI}];
  let size = 0;
  for (let r = 0; r < t.length; r += ${RANGE_FIELDS}) {
    size = p[b + ${P_PRECISION}] === 0
      ? e.search_f32(t[r], t[r + 3], stride, p[b + ${P_Q}], t[r + 4], scratch, hs, hi, size, k)
      : e.search_i8(t[r + 1], t[r + 3], stride, p[b + ${P_Q16}], t[r + 2], p[b + ${P_QSCALE}], t[r + 4], scratch, hs, hi, size, k);
  }
  p[b + ${P_RESULT}] = size;
  Atomics.store(c, slot * 2 + 1, seen);
  Atomics.notify(c, slot * 2 + 1);
}
`;

export interface HelperJob {
  precision: 0 | 1;
  k: number;
  stride: number;
  qPtr: number;
  q16Ptr: number;
  qscale: number;
  scratchPtr: number;
  heapScorePtr: number;
  heapIdPtr: number;
  tablePtr: number;
  ranges: number;
}

export class SearchThreads {
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private readonly params: Float64Array;
  private seq = 0;

  constructor(wasm: TopkWasm, readonly helpers: number) {
    this.control = new Int32Array(new SharedArrayBuffer(helpers * 2 * 4));
    this.params = new Float64Array(new SharedArrayBuffer(helpers * P_SIZE * 8));
    // The compiled module travels in workerData (structured clone shares it, no recompile),
    // so workers need no path to the kernels package.
    const module = topkWasmModule();
    for (let slot = 0; slot < helpers; slot++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory: wasm.memory, control: this.control.buffer, params: this.params.buffer, slot },
      });
      // Idle helpers block in Atomics.wait; they must not keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Starts one job per helper (jobs.length ≤ helpers). Call `wait` for the heap sizes. */
  start(jobs: HelperJob[]): void {
    this.seq++;
    jobs.forEach((j, slot) => {
      const b = slot * P_SIZE;
      const p = this.params;
      p[b + P_PRECISION] = j.precision;
      p[b + P_K] = j.k;
      p[b + P_STRIDE] = j.stride;
      p[b + P_Q] = j.qPtr;
      p[b + P_Q16] = j.q16Ptr;
      p[b + P_QSCALE] = j.qscale;
      p[b + P_SCRATCH] = j.scratchPtr;
      p[b + P_HS] = j.heapScorePtr;
      p[b + P_HI] = j.heapIdPtr;
      p[b + P_TABLE] = j.tablePtr;
      p[b + P_RANGES] = j.ranges;
      Atomics.store(this.control, slot * 2, this.seq);
      Atomics.notify(this.control, slot * 2);
    });
  }

  /** Blocks until the helpers of the last `start` are done; returns their heap sizes. */
  wait(count: number): number[] {
    const sizes: number[] = [];
    for (let slot = 0; slot < count; slot++) {
      for (;;) {
        const ack = Atomics.load(this.control, slot * 2 + 1);
        if (ack === this.seq) break;
        // Bounded wait so a helper that died (it cannot, short of a bug) shows as a hang
        // with a clear error rather than forever.
        if (Atomics.wait(this.control, slot * 2 + 1, ack, 60_000) === 'timed-out') {
          throw new Error(`search helper thread ${slot} did not answer within 60 s`);
        }
      }
      sizes.push(this.params[slot * P_SIZE + P_RESULT]);
    }
    return sizes;
  }

  async close(): Promise<void> {
    for (let slot = 0; slot < this.helpers; slot++) {
      Atomics.store(this.control, slot * 2, -1);
      Atomics.notify(this.control, slot * 2);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
