/**
 * Benchmark: `pnpm --filter @deepface-ts/kernels bench [-- --quick]`.
 *
 * Single thread (the tfjs wasm backend runs one thread in Node). Each figure is the median
 * of several timed runs after a warm-up run. DeepFace's locally connected layers L4–L6 at
 * batch 1 and 32, forward and weight gradient, by:
 *   - ours:         our WASM SIMD kernels on the tfjs wasm backend;
 *   - tfjs-wasm:    the best composition of tfjs-wasm built-in ops we found: gather the
 *                   patches, transpose to [positions, batch, K] and one batched matMul with
 *                   the [positions, K, outC] weights (chunked over positions to bound memory);
 *   - cpu:          our pure-JS kernels on the tfjs cpu backend (timed at a smaller batch and
 *                   scaled linearly, as the table says).
 * And Conv2DBackpropFilter for DeepFace's C1 (152×152×3 in, 32 filters 11×11, VALID, batch
 * 32) against the fallbacks without our kernel: im2col (gather) + matMul per image on wasm,
 * and the cpu backend's own kernel (timed on fewer images, scaled).
 * The last line printed is one JSON object with the headline figures.
 */
import { createProgress } from '@deepface-ts/progress';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from './backend';
import { kernelModule } from './backends/wasm/module';
import { geometryFromShapes, multiplyAdds, type LocallyConnectedGeometry } from './geometry';
import { LocallyConnected2DBackpropFilter } from './kernel_names';
import { locallyConnected2d } from './ops/locally_connected2d';
import { tf } from './tf';

const quick = process.argv.includes('--quick');
/** Only our kernels, no baselines: for tuning. */
const oursOnly = process.argv.includes('--ours-only');
const REPS = quick ? 3 : 7;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time in ms of `fn` over `reps` runs after `warmup` untimed runs. */
function time(fn: () => tf.Tensor | tf.Tensor[], reps = REPS, warmup = 1): number {
  for (let i = 0; i < warmup; i++) tf.dispose(fn());
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = fn();
    // wasm and cpu kernels are synchronous: the work is done when runKernel returns.
    ms.push(performance.now() - t0);
    tf.dispose(out);
  }
  return median(ms);
}

interface Layer {
  name: string;
  inSize: number;
  inChannels: number;
  kernel: number;
  stride: number;
  outChannels: number;
}
const LAYERS: Layer[] = [
  { name: 'L4', inSize: 63, inChannels: 16, kernel: 9, stride: 1, outChannels: 16 },
  { name: 'L5', inSize: 55, inChannels: 16, kernel: 7, stride: 2, outChannels: 16 },
  { name: 'L6', inSize: 25, inChannels: 16, kernel: 5, stride: 1, outChannels: 16 },
];

const geometryOf = (l: Layer, batch: number): LocallyConnectedGeometry =>
  geometryFromShapes([batch, l.inSize, l.inSize, l.inChannels], [l.kernel, l.kernel], [l.stride, l.stride], l.outChannels);

/** Flat indices into one image of x for every (position, k), in filter row order. */
function patchIndices(g: LocallyConnectedGeometry, p0: number, p1: number): tf.Tensor1D {
  const idx = new Int32Array((p1 - p0) * g.patchSize);
  let i = 0;
  for (let p = p0; p < p1; p++) {
    const oy = Math.floor(p / g.outWidth);
    const ox = p % g.outWidth;
    for (let ky = 0; ky < g.kernelHeight; ky++)
      for (let kx = 0; kx < g.kernelWidth; kx++)
        for (let c = 0; c < g.inChannels; c++)
          idx[i++] = ((oy * g.strideHeight + ky) * g.inWidth + ox * g.strideWidth + kx) * g.inChannels + c;
  }
  return tf.tensor1d(idx, 'int32');
}

/** The tfjs-wasm composition, prepared outside the timed region (indices, weight chunks). */
function composition(g: LocallyConnectedGeometry, filter: tf.Tensor4D, bias: tf.Tensor3D) {
  const positions = g.outHeight * g.outWidth;
  // ~64 MB of patches per chunk keeps the wasm heap comfortably below its limit.
  const chunk = Math.max(1, Math.min(positions, Math.floor((16 << 20) / (g.batch * g.patchSize))));
  const chunks: { p0: number; p1: number; idx: tf.Tensor1D; w: tf.Tensor3D; b: tf.Tensor2D }[] = [];
  const w3 = filter.reshape([positions, g.patchSize, g.outChannels]);
  const b2 = bias.reshape([positions, g.outChannels]);
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const p1 = Math.min(positions, p0 + chunk);
    chunks.push({
      p0, p1, idx: patchIndices(g, p0, p1),
      w: w3.slice([p0, 0, 0], [p1 - p0, -1, -1]) as tf.Tensor3D,
      b: b2.slice([p0, 0], [p1 - p0, -1]) as tf.Tensor2D,
    });
  }
  tf.dispose([w3, b2]);
  const patchesOf = (x2: tf.Tensor2D, c: (typeof chunks)[number]) =>
    tf.transpose(tf.gather(x2, c.idx, 1).reshape([g.batch, c.p1 - c.p0, g.patchSize]), [1, 0, 2]) as tf.Tensor3D;
  return {
    forward: (x: tf.Tensor4D) =>
      tf.tidy(() => {
        const x2 = x.reshape([g.batch, -1]) as tf.Tensor2D;
        const parts = chunks.map((c) => tf.add(tf.matMul(patchesOf(x2, c), c.w), c.b.expandDims(1)));
        return tf.transpose(tf.concat(parts, 0), [1, 0, 2]); // [batch, positions, outC]
      }),
    weightGrad: (x: tf.Tensor4D, dy: tf.Tensor4D) =>
      tf.tidy(() => {
        const x2 = x.reshape([g.batch, -1]) as tf.Tensor2D;
        const dyP = tf.transpose(dy.reshape([g.batch, positions, g.outChannels]), [1, 0, 2]) as tf.Tensor3D;
        const parts = chunks.map((c) =>
          tf.matMul(patchesOf(x2, c), dyP.slice([c.p0, 0, 0], [c.p1 - c.p0, -1, -1]) as tf.Tensor3D, true, false),
        );
        return tf.concat(parts, 0); // [positions, K, outC]
      }),
    dispose: () => chunks.forEach((c) => tf.dispose([c.idx, c.w, c.b])),
  };
}

const rows: string[][] = [];
const json: Record<string, number | string> = {};
const fmt = (v: number, d = 2) => v.toFixed(d);
const HEADER = ['case', 'ours ms', 'GFLOP/s', 'weight GB/s', 'tfjs-wasm ms', 'vs tfjs-wasm', 'cpu ms', 'vs cpu'];
/** Prints each row as soon as it is measured (stderr), and keeps it for the final table. */
function pushRow(row: string[]): void {
  rows.push(row);
  console.error(`[bench] ${row.map((c, i) => `${HEADER[i]}=${c}`).join('  ')}`);
}

async function benchLayer(l: Layer, batch: number): Promise<void> {
  await initBackend('wasm');
  const g = geometryOf(l, batch);
  const macs = multiplyAdds(g);
  const weightBytes = g.outHeight * g.outWidth * g.patchSize * g.outChannels * 4;
  const x = tf.randomNormal([batch, l.inSize, l.inSize, l.inChannels]) as tf.Tensor4D;
  const w = tf.randomNormal([g.outHeight, g.outWidth, g.patchSize, g.outChannels], 0, 0.05) as tf.Tensor4D;
  const b = tf.randomNormal([g.outHeight, g.outWidth, g.outChannels]) as tf.Tensor3D;
  const dy = tf.randomNormal([batch, g.outHeight, g.outWidth, g.outChannels]) as tf.Tensor4D;
  const attrs = { strides: [l.stride, l.stride], kernelSize: [l.kernel, l.kernel], outChannels: l.outChannels };
  const oursFwd = time(() => locallyConnected2d(x, w, b, { strides: l.stride }));
  const oursWgrad = time(() => tf.engine().runKernel(LocallyConnected2DBackpropFilter, { x, dy }, attrs) as tf.Tensor);
  if (oursOnly) {
    const gf = (ms: number) => fmt((2 * macs) / (ms * 1e6));
    console.log(`${l.name} b${batch}: forward ${fmt(oursFwd)} ms ${gf(oursFwd)} GFLOP/s ${fmt(weightBytes / (oursFwd * 1e6))} GB/s; wgrad ${fmt(oursWgrad)} ms ${gf(oursWgrad)} GFLOP/s`);
    tf.dispose([x, w, b, dy]);
    return;
  }
  const comp = composition(g, w, b);
  // Check the composition computes the same thing before timing it.
  const maxDiff = tf.tidy(() =>
    tf.max(tf.abs(tf.sub(comp.forward(x).reshape([-1]), locallyConnected2d(x, w, b, { strides: l.stride }).reshape([-1])))).dataSync()[0]!,
  );
  if (!(maxDiff < 1e-3)) throw new Error(`bench: tfjs-wasm composition disagrees with ours on ${l.name} (max diff ${maxDiff})`);
  const compFwd = time(() => comp.forward(x), quick ? 2 : 3);
  const compWgrad = time(() => comp.weightGrad(x, dy), quick ? 2 : 3);
  comp.dispose();
  const wasmVals = { x: x.dataSync(), w: w.dataSync(), b: b.dataSync(), dy: dy.dataSync() };
  tf.dispose([x, w, b, dy]);

  // The pure-JS cpu backend: at batch 32 time 4 images and scale by batch / 4.
  await initBackend('cpu');
  const cpuBatch = Math.min(batch, 4);
  const scale = batch / cpuBatch;
  const per = l.inSize * l.inSize * l.inChannels;
  const perY = g.outHeight * g.outWidth * g.outChannels;
  const xc = tf.tensor4d(wasmVals.x.subarray(0, cpuBatch * per), [cpuBatch, l.inSize, l.inSize, l.inChannels]);
  const wc = tf.tensor4d(wasmVals.w, w.shape);
  const bc = tf.tensor3d(wasmVals.b, b.shape);
  const dyc = tf.tensor4d(wasmVals.dy.subarray(0, cpuBatch * perY), [cpuBatch, g.outHeight, g.outWidth, g.outChannels]);
  const cpuReps = quick ? 1 : 3;
  const cpuFwd = time(() => locallyConnected2d(xc, wc, bc, { strides: l.stride }), cpuReps, 1) * scale;
  const cpuWgrad = time(() => tf.engine().runKernel(LocallyConnected2DBackpropFilter, { x: xc, dy: dyc }, attrs) as tf.Tensor, cpuReps, 1) * scale;
  tf.dispose([xc, wc, bc, dyc]);

  const gflops = (ms: number) => (2 * macs) / (ms * 1e6);
  const gbps = (ms: number) => weightBytes / (ms * 1e6);
  const cpuNote = scale > 1 ? ` (cpu timed at batch ${cpuBatch}, ×${scale})` : '';
  for (const [pass, ours, compMs, cpuMs] of [
    ['forward', oursFwd, compFwd, cpuFwd],
    ['wgrad', oursWgrad, compWgrad, cpuWgrad],
  ] as const) {
    pushRow([
      `${l.name} b${batch} ${pass}`, fmt(ours), fmt(gflops(ours)), fmt(gbps(ours)),
      fmt(compMs), fmt(compMs / ours, 1) + '×', fmt(cpuMs, 0), fmt(cpuMs / ours, 0) + '×' + cpuNote,
    ]);
    const key = `lc_${l.name.toLowerCase()}_${pass === 'forward' ? '' : 'wgrad_'}b${batch}`;
    json[`${key}_ms`] = +fmt(ours, 3);
    json[`${key}_gflops`] = +fmt(gflops(ours));
    json[`${key}_weight_gbps`] = +fmt(gbps(ours));
    json[`${key}_speedup_vs_tfjs_wasm`] = +fmt(compMs / ours);
    json[`${key}_speedup_vs_cpu`] = +fmt(cpuMs / ours, 1);
  }
}

async function benchConvWgrad(): Promise<void> {
  await initBackend('wasm');
  const batch = 32;
  const xShape: [number, number, number, number] = [batch, 152, 152, 3];
  const filterShape: [number, number, number, number] = [11, 11, 3, 32];
  const out = 142;
  const macs = batch * out * out * 11 * 11 * 3 * 32;
  const x = tf.randomNormal(xShape) as tf.Tensor4D;
  const dy = tf.randomNormal([batch, out, out, 32]) as tf.Tensor4D;
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
  const ours = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor, quick ? 2 : 5);
  if (oursOnly) {
    console.log(`C1 conv wgrad b32: ${fmt(ours)} ms ${fmt((2 * macs) / (ours * 1e6))} GFLOP/s`);
    tf.dispose([x, dy]);
    return;
  }

  // Fallback 1 on wasm: per image, im2col with gather, then patchesᵀ · dy with matMul.
  const g = geometryFromShapes([1, 152, 152, 3], [11, 11], [1, 1], 32);
  const idx = patchIndices(g, 0, out * out);
  const im2col = () =>
    tf.tidy(() => {
      let acc = tf.zeros([363, 32]) as tf.Tensor2D;
      for (let i = 0; i < batch; i++) {
        const xi = x.slice([i, 0, 0, 0], [1, -1, -1, -1]).reshape([-1]);
        const patches = tf.gather(xi, idx).reshape([out * out, 363]) as tf.Tensor2D;
        const dyi = dy.slice([i, 0, 0, 0], [1, -1, -1, -1]).reshape([out * out, 32]) as tf.Tensor2D;
        acc = tf.keep(tf.add(acc, tf.matMul(patches, dyi, true, false)));
      }
      return acc.reshape(filterShape);
    });
  const check = tf.tidy(() => tf.max(tf.abs(tf.sub(im2col(), tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor))).dataSync()[0]!);
  if (!(check < 1e-1)) throw new Error(`bench: im2col fallback disagrees with ours on C1 (max diff ${check})`);
  const im2colMs = time(im2col, quick ? 1 : 3);
  tf.dispose(idx);
  const xv = x.dataSync();
  const dyv = dy.dataSync();
  tf.dispose([x, dy]);

  // Fallback 2: the cpu backend's own Conv2DBackpropFilter (generic element accessors in
  // JS, so very slow) on 1 image, scaled to 32; skipped with --quick.
  let cpuMs = Number.NaN;
  const cpuBatch = 1;
  if (!quick) {
    await initBackend('cpu');
    const xc = tf.tensor4d(xv.subarray(0, cpuBatch * 152 * 152 * 3), [cpuBatch, 152, 152, 3]);
    const dyc = tf.tensor4d(dyv.subarray(0, cpuBatch * out * out * 32), [cpuBatch, out, out, 32]);
    cpuMs = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: xc, dy: dyc }, attrs as never) as tf.Tensor, 1, 0) * (batch / cpuBatch);
    tf.dispose([xc, dyc]);
  }

  const best = Number.isNaN(cpuMs) ? im2colMs : Math.min(im2colMs, cpuMs);
  const gflops = (2 * macs) / (ours * 1e6);
  pushRow([
    'C1 b32 conv wgrad', fmt(ours), fmt(gflops), '-', fmt(im2colMs), fmt(im2colMs / ours, 1) + '×',
    quick ? '-' : fmt(cpuMs, 0), quick ? 'skipped (--quick)' : fmt(cpuMs / ours, 0) + `× (cpu timed at batch ${cpuBatch}, ×${batch / cpuBatch})`,
  ]);
  json.conv_wgrad_c1_b32_ms = +fmt(ours, 3);
  json.conv_wgrad_c1_b32_gflops = +fmt(gflops);
  json.conv_wgrad_c1_fallback_im2col_wasm_ms = +fmt(im2colMs, 1);
  if (!quick) json.conv_wgrad_c1_fallback_cpu_ms = +fmt(cpuMs, 0);
  json.conv_wgrad_c1_speedup_vs_fallback = +fmt(best / ours);
}

/**
 * GFLOP/s of a register-only SIMD loop (12 chains of mul → add) on this thread right now,
 * median of 5 short runs: a load indicator on a shared machine, not a hard ceiling (the
 * chains are partly latency-bound, so well-blocked kernels can exceed it).
 */
async function calibratePeak(): Promise<number> {
  await initBackend('wasm');
  const kernels = kernelModule(tf.backend() as BackendWasm, 'calibrate_peak');
  const iterations = 2e7;
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    kernels.calibrate_peak(iterations);
    if (i > 0) runs.push((iterations * 96) / ((performance.now() - t0) * 1e6));
  }
  return median(runs);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const peakBefore = await calibratePeak();
  console.error(`[bench] register-only SIMD reference loop on this thread now: ${fmt(peakBefore)} GFLOP/s`);
  const progress = createProgress({ label: 'bench', total: LAYERS.length * 2 + 1, unit: 'case', logIntervalMs: 0 });
  for (const l of LAYERS) {
    for (const batch of [1, 32]) {
      await benchLayer(l, batch);
      progress.tick(1, `${l.name} b${batch}`);
    }
  }
  await benchConvWgrad();
  progress.tick(1, 'C1');
  progress.done();
  const peakAfter = await calibratePeak();
  json.simd_reference_loop_gflops_before = +fmt(peakBefore);
  json.simd_reference_loop_gflops_after = +fmt(peakAfter);
  console.error(`[bench] register-only SIMD reference loop on this thread now: ${fmt(peakAfter)} GFLOP/s`);
  if (oursOnly) return;
  const header = HEADER;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`@deepface-ts/kernels bench${quick ? ' (--quick)' : ''}: single thread, median of ${REPS} runs after 1 warm-up (composition: fewer)`);
  console.log(`register-only SIMD reference loop (load indicator): ${fmt(peakBefore)} GFLOP/s before, ${fmt(peakAfter)} after`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  json.mode = quick ? 'quick' : 'full';
  json.node = process.version;
  json.total_s = +fmt((performance.now() - t0) / 1000, 1);
  // Keep the documented headline keys first.
  const head = ['lc_l4_b1_ms', 'lc_l4_b1_weight_gbps', 'lc_l4_b32_gflops', 'lc_l4_b32_speedup_vs_tfjs_wasm', 'lc_l4_wgrad_b32_gflops', 'conv_wgrad_c1_b32_gflops', 'conv_wgrad_c1_speedup_vs_fallback'];
  const ordered: Record<string, number | string> = {};
  for (const k of head) ordered[k] = json[k]!;
  console.log(JSON.stringify({ ...ordered, ...json }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

