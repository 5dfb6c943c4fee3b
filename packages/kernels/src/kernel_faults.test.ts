/**
 * Fault suite: every kernel refuses inputs that do not match the geometry its attributes
 * imply, with an error naming the kernel, the tensor and the expected against the received
 * shape. The LocallyConnected2D kernels are called through `tf.engine().runKernel`, not
 * through the op, so the checks exercised are the ones in the kernel functions themselves
 * (cpu and wasm). One table row per fault.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendName } from './backend';
import {
  LocallyConnected2D,
  LocallyConnected2DBackpropFilter,
  LocallyConnected2DBackpropInput,
} from './kernel_names';
import { locallyConnectedGeometry } from './geometry';
import {
  referenceLocallyConnected2d,
  referenceLocallyConnected2dBackpropFilter,
  referenceLocallyConnected2dBackpropInput,
} from './reference/locally_connected';
import { seededValues } from './test_util';
import { tf } from './tf';
import { TOPK_BAD_HEAP_SIZE, TOPK_BAD_QUERY, TOPK_BLOCK_ROWS, TopkWasm, quantizeRowsInt8, referenceTopK, topkWasmModule } from './topk/topk';

type Shape = number[];
type Attrs = Record<string, unknown>;
/** A tensor to make (shape, optional dtype), or a TensorInfo whose shape lies about its buffer. */
type Input = Shape | { shape: Shape; dtype: 'float32' | 'int32' } | { lie: Shape; buffer: Shape };

interface KernelFault {
  name: string;
  kernel: string;
  inputs: Record<string, Input>;
  attrs: Attrs;
  /** Matched against the message after the kernel name and backend, e.g. 'LocallyConnected2D (cpu): '. */
  error: RegExp;
}

// A valid call of each kernel: x [2, 8, 8, 3], 3×3 kernel, stride 1, 4 output channels.
const X = [2, 8, 8, 3];
const FILTER = [6, 6, 27, 4];
const BIAS = [6, 6, 4];
const DY = [2, 6, 6, 4];
const WINDOW = { strides: [1, 1], kernelSize: [3, 3] };
const FWD = { kernel: LocallyConnected2D, inputs: { x: X, filter: FILTER, bias: BIAS }, attrs: WINDOW };
const BWD_IN = { kernel: LocallyConnected2DBackpropInput, inputs: { dy: DY, filter: FILTER }, attrs: { ...WINDOW, inputShape: X } };
const BWD_FILTER = { kernel: LocallyConnected2DBackpropFilter, inputs: { x: X, dy: DY }, attrs: { ...WINDOW, outChannels: 4 } };

const faults: KernelFault[] = [
  // LocallyConnected2D (forward)
  { ...FWD, name: 'forward: filter with the wrong output size', inputs: { ...FWD.inputs, filter: [5, 6, 27, 4] },
    error: /filter must have shape \[6, 6, 27, 4\] = \[outH, outW, kH·kW·inC, outC\] for x \[2, 8, 8, 3\] with kernel 3×3 and stride 1×1; received \[5, 6, 27, 4\]/ },
  { ...FWD, name: 'forward: filter with the wrong patch size', inputs: { ...FWD.inputs, filter: [6, 6, 26, 4] },
    error: /filter must have shape \[6, 6, 27, 4\].*received \[6, 6, 26, 4\]/ },
  { ...FWD, name: 'forward: filter of rank 3', inputs: { ...FWD.inputs, filter: [36, 27, 4] },
    error: /filter must have rank 4 \[outH, outW, kH·kW·inC, outC\], received shape \[36, 27, 4\] \(rank 3\)/ },
  { ...FWD, name: 'forward: filter for stride 1 called with stride 2', attrs: { ...WINDOW, strides: [2, 2] },
    error: /filter must have shape \[3, 3, 27, 4\].*stride 2×2; received \[6, 6, 27, 4\]/ },
  { ...FWD, name: 'forward: bias of the wrong length', inputs: { ...FWD.inputs, bias: [6, 6, 5] },
    error: /bias must have shape \[6, 6, 4\] = \[outH, outW, outC\]; received \[6, 6, 5\]/ },
  { ...FWD, name: 'forward: per-channel bias (rank 1)', inputs: { ...FWD.inputs, bias: [4] },
    error: /bias must have rank 3 \[outH, outW, outC\], received shape \[4\] \(rank 1\)/ },
  { ...FWD, name: 'forward: x of rank 3', inputs: { ...FWD.inputs, x: [8, 8, 3] },
    error: /x must have rank 4 \[batch, height, width, channels\], received shape \[8, 8, 3\] \(rank 3\)/ },
  { ...FWD, name: 'forward: x smaller than the kernel', inputs: { ...FWD.inputs, x: [2, 2, 8, 3] },
    error: /kernel 3×3 is larger than the input 2×8 \(x shape \[2, 2, 8, 3\]\); padding is VALID/ },
  { ...FWD, name: 'forward: int32 x', inputs: { ...FWD.inputs, x: { shape: X, dtype: 'int32' } },
    error: /x must be float32, received int32 with shape \[2, 8, 8, 3\]/ },
  { ...FWD, name: 'forward: int32 bias', inputs: { ...FWD.inputs, bias: { shape: BIAS, dtype: 'int32' } },
    error: /bias must be float32, received int32/ },
  { ...FWD, name: 'forward: zero stride', attrs: { ...WINDOW, strides: [0, 1] },
    error: /attribute strides height must be a positive integer, received 0/ },
  { ...FWD, name: 'forward: non-integer stride', attrs: { ...WINDOW, strides: [1, 1.5] },
    error: /attribute strides width must be a positive integer, received 1\.5/ },
  { ...FWD, name: 'forward: kernelSize missing', attrs: { strides: [1, 1] },
    error: /attribute kernelSize must be a number or \[height, width\], received undefined/ },
  { ...FWD, name: 'forward: filter whose buffer is smaller than its shape', inputs: { ...FWD.inputs, filter: { lie: FILTER, buffer: [1, 1, 1, 1] } },
    error: /filter has shape \[6, 6, 27, 4\] \(3888 float32 values\) but .* holds 1 /s },

  // LocallyConnected2DBackpropInput
  { ...BWD_IN, name: 'input gradient: dy [1, 1, 1, 1]', inputs: { ...BWD_IN.inputs, dy: [1, 1, 1, 1] },
    error: /dy must have shape \[2, 6, 6, 4\] = \[batch, outH, outW, outC\] \(the forward output for inputShape \[2, 8, 8, 3\] with kernel 3×3 and stride 1×1\); received \[1, 1, 1, 1\]/ },
  { ...BWD_IN, name: 'input gradient: dy with the wrong batch', inputs: { ...BWD_IN.inputs, dy: [3, 6, 6, 4] },
    error: /dy must have shape \[2, 6, 6, 4\].*received \[3, 6, 6, 4\]/ },
  { ...BWD_IN, name: 'input gradient: dy with more channels than the filter', inputs: { ...BWD_IN.inputs, dy: [2, 6, 6, 5] },
    error: /dy must have shape \[2, 6, 6, 4\].*received \[2, 6, 6, 5\]/ },
  { ...BWD_IN, name: 'input gradient: dy of rank 3', inputs: { ...BWD_IN.inputs, dy: [6, 6, 4] },
    error: /dy must have rank 4 \[batch, outH, outW, outC\], received shape \[6, 6, 4\]/ },
  { ...BWD_IN, name: 'input gradient: wrong filter shape', inputs: { ...BWD_IN.inputs, filter: [6, 5, 27, 4] },
    error: /filter must have shape \[6, 6, 27, 4\] = \[outH, outW, kH·kW·inC, outC\] for inputShape \[2, 8, 8, 3\].*received \[6, 5, 27, 4\]/ },
  { ...BWD_IN, name: 'input gradient: inputShape of rank 3', attrs: { ...BWD_IN.attrs, inputShape: [8, 8, 3] },
    error: /attribute inputShape must have rank 4 \[batch, height, width, channels\], received shape \[8, 8, 3\]/ },
  { ...BWD_IN, name: 'input gradient: inputShape missing', attrs: WINDOW,
    error: /attribute inputShape must be a shape of rank 4 .*received undefined/ },
  { ...BWD_IN, name: 'input gradient: inputShape with a zero', attrs: { ...BWD_IN.attrs, inputShape: [2, 8, 0, 3] },
    error: /attribute inputShape dimensions must be positive, received shape \[2, 8, 0, 3\] \(dimension 2 is 0\)/ },
  { ...BWD_IN, name: 'input gradient: non-integer kernelSize', attrs: { ...BWD_IN.attrs, kernelSize: [3, 2.5] },
    error: /attribute kernelSize width must be a positive integer, received 2\.5/ },
  { ...BWD_IN, name: 'input gradient: int32 dy', inputs: { ...BWD_IN.inputs, dy: { shape: DY, dtype: 'int32' } },
    error: /dy must be float32, received int32/ },
  { ...BWD_IN, name: 'input gradient: dy whose buffer is smaller than its shape', inputs: { ...BWD_IN.inputs, dy: { lie: DY, buffer: [1, 1, 1, 1] } },
    error: /dy has shape \[2, 6, 6, 4\] \(288 float32 values\) but .* holds 1 /s },

  // LocallyConnected2DBackpropFilter
  { ...BWD_FILTER, name: 'filter gradient: dy [1, 1, 1, 1]', inputs: { ...BWD_FILTER.inputs, dy: [1, 1, 1, 1] },
    error: /dy must have shape \[2, 6, 6, 4\] = \[batch, outH, outW, outC\] \(the forward output for x \[2, 8, 8, 3\] with kernel 3×3 and stride 1×1\); received \[1, 1, 1, 1\]/ },
  { ...BWD_FILTER, name: 'filter gradient: dy for another outChannels', inputs: { ...BWD_FILTER.inputs, dy: [2, 6, 6, 5] },
    error: /dy must have shape \[2, 6, 6, 4\].*received \[2, 6, 6, 5\]/ },
  { ...BWD_FILTER, name: 'filter gradient: dy for stride 1 called with stride 2', attrs: { ...BWD_FILTER.attrs, strides: [2, 2] },
    error: /dy must have shape \[2, 3, 3, 4\].*stride 2×2\); received \[2, 6, 6, 4\]/ },
  { ...BWD_FILTER, name: 'filter gradient: x of rank 5', inputs: { ...BWD_FILTER.inputs, x: [1, 2, 8, 8, 3] },
    error: /x must have rank 4 \[batch, height, width, channels\], received shape \[1, 2, 8, 8, 3\] \(rank 5\)/ },
  { ...BWD_FILTER, name: 'filter gradient: zero outChannels', attrs: { ...BWD_FILTER.attrs, outChannels: 0 },
    error: /attribute outChannels must be a positive integer, received 0/ },
  { ...BWD_FILTER, name: 'filter gradient: non-integer outChannels', attrs: { ...BWD_FILTER.attrs, outChannels: 4.5 },
    error: /attribute outChannels must be a positive integer, received 4\.5/ },
  { ...BWD_FILTER, name: 'filter gradient: zero kernel height', attrs: { ...BWD_FILTER.attrs, kernelSize: [0, 3] },
    error: /attribute kernelSize height must be a positive integer, received 0/ },
  { ...BWD_FILTER, name: 'filter gradient: strides missing', attrs: { kernelSize: [3, 3], outChannels: 4 },
    error: /attribute strides must be a number or \[height, width\], received undefined/ },
  { ...BWD_FILTER, name: 'filter gradient: int32 x', inputs: { ...BWD_FILTER.inputs, x: { shape: X, dtype: 'int32' } },
    error: /x must be float32, received int32 with shape \[2, 8, 8, 3\]/ },
];

function makeInput(input: Input, made: tf.Tensor[]): tf.TensorInfo {
  if (Array.isArray(input)) {
    const t = tf.tensor(seededValues(input.reduce((a, b) => a * b, 1), 1), input);
    made.push(t);
    return t;
  }
  if ('lie' in input) {
    const t = tf.zeros(input.buffer);
    made.push(t);
    return { dataId: t.dataId, shape: input.lie, dtype: 'float32' };
  }
  const t = tf.zeros(input.shape, input.dtype);
  made.push(t);
  return t;
}

function run(kernel: string, inputs: Record<string, Input>, attrs: Attrs): tf.Tensor {
  const made: tf.Tensor[] = [];
  try {
    const infos = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, makeInput(v, made)]));
    return tf.engine().runKernel(kernel, infos as never, attrs as never) as tf.Tensor;
  } finally {
    tf.dispose(made);
  }
}

describe.each(['cpu', 'wasm'] as BackendName[])('LocallyConnected2D kernels on %s refuse bad buffers (runKernel, no op)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('the valid calls of the table run and match the reference', () => {
    expect(tf.getBackend()).toBe(backend);
    const g = locallyConnectedGeometry('t', X, FILTER, [3, 3], [1, 1]);
    const [xv, wv, bv, dyv] = [X, FILTER, BIAS, DY].map((s) => seededValues(s.reduce((a, b) => a * b, 1), 1));
    const cases = [
      [FWD, referenceLocallyConnected2d(g, xv!, wv!, bv!), [2, 6, 6, 4]],
      [BWD_IN, referenceLocallyConnected2dBackpropInput(g, dyv!, wv!), X],
      [BWD_FILTER, referenceLocallyConnected2dBackpropFilter(g, xv!, dyv!), FILTER],
    ] as const;
    for (const [c, expected, shape] of cases) {
      const y = run(c.kernel, c.inputs, c.attrs);
      expect(y.shape, c.kernel).toEqual(shape);
      const got = y.dataSync();
      const worst = expected.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]!)), 0);
      expect(worst, c.kernel).toBeLessThan(1e-4);
      y.dispose();
    }
  });

  it.each(faults.map((f) => [f.name, f] as const))('%s', (_, f) => {
    const before = tf.memory().numTensors;
    const prefix = `${f.kernel} (${backend}): `;
    let message = '';
    try {
      run(f.kernel, f.inputs, f.attrs).dispose();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message, 'the kernel accepted the input').not.toBe('');
    expect(message.startsWith(prefix), `"${message}" names the kernel`).toBe(true);
    expect(message.slice(prefix.length)).toMatch(f.error);
    expect(tf.memory().numTensors).toBe(before); // no output was allocated and leaked
  });
});

describe('the float64 references refuse arrays that do not match the geometry', () => {
  const g = locallyConnectedGeometry('t', X, FILTER, [3, 3], [1, 1]);
  const v = (shape: Shape) => new Float64Array(shape.reduce((a, b) => a * b, 1));
  const rows: [string, () => unknown, RegExp][] = [
    ['forward: short filter', () => referenceLocallyConnected2d(g, v(X), v([6, 6, 27, 3])),
      /^referenceLocallyConnected2d: filter must have 3888 values = \[6, 6, 27, 4\] = \[outH, outW, kH·kW·inC, outC\]; received 2916/],
    ['forward: bias of the wrong length', () => referenceLocallyConnected2d(g, v(X), v(FILTER), v([4])),
      /^referenceLocallyConnected2d: bias must have 144 values = \[6, 6, 4\] = \[outH, outW, outC\]; received 4/],
    ['input gradient: dy [1, 1, 1, 1]', () => referenceLocallyConnected2dBackpropInput(g, v([1, 1, 1, 1]), v(FILTER)),
      /^referenceLocallyConnected2dBackpropInput: dy must have 288 values = \[2, 6, 6, 4\] = \[batch, outH, outW, outC\]; received 1/],
    ['filter gradient: short x', () => referenceLocallyConnected2dBackpropFilter(g, v([1, 8, 8, 3]), v(DY)),
      /^referenceLocallyConnected2dBackpropFilter: x must have 384 values = \[2, 8, 8, 3\] = \[batch, inH, inW, inC\]; received 192/],
  ];
  it.each(rows)('%s', (_, call, error) => {
    expect(call).toThrow(error);
  });
});

describe('Conv2DBackpropFilter on wasm refuses bad buffers (runKernel)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const base = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] };
  const rows: [string, Shape, Shape, Attrs, RegExp][] = [
    ['filterShape with another inC than x (would write past the output)', [1, 5, 5, 2], [1, 3, 3, 4], { ...base, filterShape: [3, 3, 5, 4] },
      /attribute filterShape must be \[kH, kW, 2, outC\].*received \[3,3,5,4\]/],
    ['filterShape of rank 3', [1, 5, 5, 2], [1, 3, 3, 4], { ...base, filterShape: [3, 3, 4] }, /attribute filterShape must be/],
    ['zero stride', [1, 5, 5, 2], [1, 3, 3, 4], { ...base, strides: 0 }, /strides must be positive integers, received 0/],
    ['x of rank 3', [5, 5, 2], [1, 3, 3, 4], base, /x must have rank 4/],
    ['dy [1, 1, 1, 1]', [1, 5, 5, 2], [1, 1, 1, 1], base, /dy must have shape \[1, 3, 3, 4\], received \[1, 1, 1, 1\]/],
    ['filter larger than x with VALID padding', [1, 2, 2, 2], [1, 1, 1, 4], base, /filter 3×3 with pad "valid" leaves no output for x \[1, 2, 2, 2\]/],
  ];
  it.each(rows)('%s', (_, xShape, dyShape, attrs, error) => {
    const x = tf.zeros(xShape);
    const dy = tf.zeros(dyShape);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never)).toThrow(error);
    tf.dispose([x, dy]);
  });
});

describe('top-k refuses non-finite queries', () => {
  const dim = 16;
  const n = TOPK_BLOCK_ROWS + 5;
  const k = 10;

  /** An arena with n rows, a query (with `bad` at element 3 if given), scratch and a k-heap. */
  function setup(bad?: number) {
    const w = new TopkWasm();
    const rows = seededValues(n * dim, 3);
    const query = seededValues(dim, 4);
    if (bad !== undefined) query[3] = bad;
    const m = w.alloc(rows.byteLength);
    w.f32(m, rows.length).set(rows);
    const q = w.alloc(dim * 4);
    w.f32(q, dim).set(query);
    const { values, scales } = quantizeRowsInt8(rows, dim);
    const i8 = w.alloc(values.length);
    w.i8(i8, values.length).set(values);
    const scale = w.alloc(n * 4);
    w.f32(scale, n).set(scales);
    const qi = quantizeRowsInt8(query, dim);
    const q16 = w.alloc(dim * 2);
    w.i16(q16, dim).set(qi.values);
    const scratch = w.alloc(TOPK_BLOCK_ROWS * 4);
    const hs = w.alloc(k * 4);
    const hi = w.alloc(k * 4);
    return { w, rows, query, m, q, i8, scale, q16, qscale: qi.scales[0]!, scratch, hs, hi };
  }

  type Setup = ReturnType<typeof setup>;
  const f32 = (s: Setup, size = 0, kk = k) => s.w.exports.search_f32(s.m, n, dim, s.q, 0, s.scratch, s.hs, s.hi, size, kk);
  const i8 = (s: Setup, qscale = s.qscale, size = 0) => s.w.exports.search_i8(s.i8, n, dim, s.q16, s.scale, qscale, 0, s.scratch, s.hs, s.hi, size, k);

  const rows: [string, () => unknown, RegExp][] = [
    ['search_f32: NaN query', () => f32(setup(NaN)), /^search_f32: the query row \(16 floats at byte offset \d+\) is not finite: element 3 is NaN; a NaN score would stick at the heap's root/],
    ['search_f32: +Infinity query', () => f32(setup(Infinity)), /^search_f32: the query row .* element 3 is Infinity/],
    ['search_f32: -Infinity query', () => f32(setup(-Infinity)), /^search_f32: the query row .* element 3 is -Infinity/],
    ['search_i8: NaN query (NaN scale)', () => { const s = setup(NaN); return i8(s, s.qscale); }, /^search_i8: qscale \(the int8 query row's scale\) is NaN/],
    ['search_i8: infinite query (infinite scale)', () => { const s = setup(Infinity); return i8(s, s.qscale); }, /^search_i8: qscale .* is Infinity/],
    ['search_f32: heap size beyond k', () => f32(setup(), k + 1), /^search_f32: heap size 11 is outside \[0, k = 10\]/],
    ['search_i8: an error code passed on as the heap size', () => i8(setup(), undefined, TOPK_BAD_QUERY), /^search_i8: heap size -1 passed in is an error code from an earlier call \(TOPK_BAD_QUERY\)/],
    ['heap_push_block: heap size beyond k', () => { const s = setup(); return s.w.exports.heap_push_block(s.scratch, 4, 0, s.hs, s.hi, k + 1, k); }, /^heap_push_block: heap size 11 is outside \[0, k = 10\]/],
    ['referenceTopK: NaN query', () => referenceTopK(seededValues(4 * dim, 1), dim, Float32Array.from(seededValues(dim, 2)).fill(NaN, 3, 4), 2), /^referenceTopK: the query row is not finite: element 3 is NaN/],
    ['referenceTopK: -Infinity query', () => referenceTopK(seededValues(4 * dim, 1), dim, Float32Array.from(seededValues(dim, 2)).fill(-Infinity, 5, 6), 2), /^referenceTopK: the query row is not finite: element 5 is -Infinity/],
    ['referenceTopK: short query', () => referenceTopK(seededValues(4 * dim, 1), dim, [1, 2, 3], 2), /^referenceTopK: the query row must have 16 values, received 3/],
  ];
  it.each(rows)('%s', (_, call, error) => {
    expect(call).toThrow(error);
  });

  it('the raw module (as in a worker) returns the error codes and leaves the heap untouched', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const s = setup(bad);
      const raw = new WebAssembly.Instance(topkWasmModule(), { env: { memory: s.w.memory } }).exports as unknown as TopkWasm['exports'];
      s.w.f32(s.hs, k).fill(7);
      s.w.i32(s.hi, k).fill(-7);
      expect(raw.search_f32(s.m, n, dim, s.q, 0, s.scratch, s.hs, s.hi, 0, k)).toBe(TOPK_BAD_QUERY);
      expect(raw.search_i8(s.i8, n, dim, s.q16, s.scale, s.qscale, 0, s.scratch, s.hs, s.hi, 0, k)).toBe(TOPK_BAD_QUERY);
      // a chain of per-chunk calls keeps the first error and writes nothing
      expect(raw.search_f32(s.m, n, dim, s.q, 0, s.scratch, s.hs, s.hi, TOPK_BAD_QUERY, k)).toBe(TOPK_BAD_QUERY);
      expect(raw.heap_push_block(s.scratch, 4, 0, s.hs, s.hi, TOPK_BAD_QUERY, k)).toBe(TOPK_BAD_QUERY);
      expect(raw.search_f32(s.m, n, dim, s.q, 0, s.scratch, s.hs, s.hi, k + 1, k)).toBe(TOPK_BAD_HEAP_SIZE);
      expect(Array.from(s.w.f32(s.hs, k))).toEqual(new Array(k).fill(7));
      expect(Array.from(s.w.i32(s.hi, k))).toEqual(new Array(k).fill(-7));
    }
  });

  it('finite queries still search exactly (the check rejects nothing valid)', () => {
    const s = setup(-0.999755859375); // a finite value at element 3, as the bad cases
    const size = f32(s);
    expect(size).toBe(k);
    const ref = referenceTopK(s.rows, dim, s.query, k);
    const scores = s.w.f32(s.hs, size);
    const ids = Array.from(s.w.i32(s.hi, size));
    const order = ids.map((id, i) => [id, scores[i]!] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    expect(order.map(([id]) => id)).toEqual(Array.from(ref.ids));
    expect(i8(s)).toBe(k);
  });
});
