/**
 * `pnpm --filter @deepface-ts/network bench`: forward speed of the paper's full network
 * (152×152, F7 4096, K 4030) at batch 1 and 32, per-layer times, and the default training
 * config's forward and training speed, on the tfjs wasm backend (one thread) with our
 * LocallyConnected2D. Prints a table, then one JSON line.
 *
 * Then data-parallel training (`createDataParallelTrainer`) of the default config at batch
 * 32 on 1 and on 2 worker threads (one tfjs wasm backend each), and their ratio.
 *
 * Flags: --quick (fewer repetitions), --backend cpu|wasm (default wasm), --optimizer
 * momentum|adam (the training figures; default momentum, `train`'s default).
 */
import { loadavg } from 'node:os';
import { initBackend, locallyConnected2d, tf } from '@deepface-ts/kernels';
import { countParameters, deepFaceConfig, type NetworkConfig } from './config';
import { createDataParallelTrainer } from './data-parallel';
import { DEFAULT_TRAINING_CONFIG } from './default_config';
import { DeepFaceModel } from './model';
import { inMemoryExamples, train } from './train';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backend = (args[args.indexOf('--backend') + 1] ?? 'wasm') === 'cpu' && args.includes('--backend') ? 'cpu' : 'wasm';
const optimizer = args.includes('--optimizer') && args[args.indexOf('--optimizer') + 1] === 'adam' ? 'adam' : 'momentum';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeForward(model: DeepFaceModel, batch: number, reps: number, warmup: number): Promise<number> {
  const size = model.config.inputSize;
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const times: number[] = [];
  for (let r = 0; r < warmup + reps; r++) {
    const t0 = performance.now();
    const out = tf.tidy(() => model.forward(x).logits);
    await out.data();
    out.dispose();
    if (r >= warmup) times.push(performance.now() - t0);
  }
  x.dispose();
  return median(times);
}

/** Per-layer forward time at batch 1 (each layer timed on its own input), to show where the time goes. */
async function layerProfile(model: DeepFaceModel, reps: number): Promise<{ layer: string; ms: number; macs: number }[]> {
  const rows: { layer: string; ms: number; macs: number }[] = [];
  let h = tf.randomUniform([1, model.config.inputSize, model.config.inputSize, 3], -1, 1, 'float32', 2) as tf.Tensor;
  for (const s of model.shapes) {
    const l = s.layer;
    const run = (input: tf.Tensor): tf.Tensor =>
      tf.tidy(() => {
        switch (l.kind) {
          case 'conv':
            return tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, model.param(`${l.name}.weight`) as tf.Tensor4D, l.stride, 'valid'), model.param(`${l.name}.bias`)));
          case 'maxpool':
            return tf.maxPool(input as tf.Tensor4D, l.size, l.stride, 'same');
          case 'local':
            return tf.relu(locallyConnected2d(input as tf.Tensor4D, model.param(`${l.name}.weight`) as tf.Tensor4D, model.param(`${l.name}.bias`) as tf.Tensor3D, { strides: l.stride, kernelSize: l.kernel }));
          default: {
            const flat = tf.reshape(input, [1, -1]) as tf.Tensor2D;
            const y = tf.add(tf.matMul(flat, model.param(`${l.name}.weight`) as tf.Tensor2D), model.param(`${l.name}.bias`));
            return l.kind === 'dense' ? tf.relu(y) : y;
          }
        }
      });
    const times: number[] = [];
    let out: tf.Tensor | undefined;
    for (let r = 0; r < reps + 1; r++) {
      out?.dispose();
      const t0 = performance.now();
      out = run(h);
      await out.data();
      if (r > 0) times.push(performance.now() - t0);
    }
    rows.push({ layer: l.name, ms: median(times), macs: s.macs });
    h.dispose();
    h = out!;
  }
  h.dispose();
  return rows;
}

function syntheticBatch(config: NetworkConfig, n: number): { x: Float32Array; labels: Int32Array } {
  const per = config.inputSize * config.inputSize * 3;
  const x = new Float32Array(n * per).map((_, i) => Math.sin(i * 0.37));
  const labels = Int32Array.from({ length: n }, (_, i) => i % (config.layers[config.layers.length - 1] as { units: number }).units);
  return { x, labels };
}

/**
 * Images per second of data-parallel training on `workers` threads: two warm-up steps (the
 * workers' wasm code tiers up in the background during the first ones), then `steps` timed
 * ones; the rate is taken from the median step, which a neighbour's burst of work on the
 * shared machine moves least.
 */
async function timeDataParallel(config: NetworkConfig, workers: number, batch: number, steps: number): Promise<{ rate: number; gradientMs: number; updateMs: number }> {
  const trainer = await createDataParallelTrainer(config, { workers, seed: 1, optimizer, backend });
  try {
    const b = syntheticBatch(config, batch);
    for (let s = 0; s < 2; s++) await trainer.step(b);
    const results: { ms: number; gradientMs: number; updateMs: number }[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      const r = await trainer.step(b);
      results.push({ ms: performance.now() - t0, gradientMs: r.gradientMs, updateMs: r.updateMs });
    }
    results.sort((a, c) => a.ms - c.ms);
    const mid = results[Math.floor(results.length / 2)]!;
    return { rate: (batch * 1000) / mid.ms, gradientMs: mid.gradientMs, updateMs: mid.updateMs };
  } finally {
    await trainer.close();
  }
}

async function timeTraining(config: NetworkConfig, batch: number, steps: number): Promise<number> {
  const model = DeepFaceModel.create(config, { seed: 1 });
  const per = config.inputSize * config.inputSize * 3;
  const n = batch * steps;
  const { x, labels } = syntheticBatch(config, n);
  // One warm-up epoch of one batch, then the timed epoch.
  await train(model, inMemoryExamples(x.subarray(0, batch * per), labels.subarray(0, batch), config.inputSize), undefined, { epochs: 1, batchSize: batch, optimizer, progress: false });
  const t0 = performance.now();
  await train(model, inMemoryExamples(x, labels, config.inputSize), undefined, { epochs: 1, batchSize: batch, optimizer, progress: false });
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return n / seconds;
}

async function main(): Promise<void> {
  await initBackend(backend);
  const reps = quick ? 3 : 7;
  const full = deepFaceConfig();
  const params = countParameters(full);
  console.error(`building ${full.name} (${(params.total / 1e6).toFixed(1)} M parameters)…`);
  const model = DeepFaceModel.create(full, { seed: 1 });
  const fullB1 = await timeForward(model, 1, reps, 2);
  const fullB32 = await timeForward(model, 32, quick ? 1 : 3, 1);
  const profile = await layerProfile(model, quick ? 2 : 5);
  model.dispose();

  const def = DEFAULT_TRAINING_CONFIG;
  const defModel = DeepFaceModel.create(def, { seed: 1 });
  const defB1 = await timeForward(defModel, 1, reps, 2);
  defModel.dispose();
  const trainRate = await timeTraining(def, 32, quick ? 2 : 4);
  const loadBefore = loadavg()[0]!;
  const dp1 = await timeDataParallel(def, 1, 32, quick ? 5 : 9);
  const dp2 = await timeDataParallel(def, 2, 32, quick ? 5 : 9);
  const loadAfter = loadavg()[0]!;

  const fmt = (v: number, d = 1) => v.toFixed(d).padStart(9);
  console.log(`backend: ${tf.getBackend()} (one thread)`);
  console.log(`\n${full.name}: ${params.total.toLocaleString('en-US')} parameters, ${(params.macs / 1e9).toFixed(2)} GMAC per image`);
  console.log(`  forward batch 1   ${fmt(fullB1)} ms`);
  console.log(`  forward batch 32  ${fmt(fullB32)} ms  (${(32000 / fullB32).toFixed(1)} img/s)`);
  console.log('\n  layer      ms    GFLOP/s   (batch 1)');
  for (const r of profile) console.log(`  ${r.layer.padEnd(5)} ${fmt(r.ms, 2)} ${r.macs ? fmt((2 * r.macs) / (r.ms * 1e6), 1) : '        –'}`);
  console.log(`\n${def.name} (default training config): forward batch 1 ${defB1.toFixed(2)} ms, training ${trainRate.toFixed(1)} img/s (batch 32, ${optimizer})`);
  console.log(`  data-parallel, batch 32: 1 worker ${dp1.rate.toFixed(1)} img/s, 2 workers ${dp2.rate.toFixed(1)} img/s (${(dp2.rate / dp1.rate).toFixed(2)}×)`);
  for (const [w, r] of [[1, dp1], [2, dp2]] as const) console.log(`    ${w} worker${w > 1 ? 's' : ' '}: gradients ${r.gradientMs.toFixed(0)} ms + average and ${optimizer} step ${r.updateMs.toFixed(0)} ms per batch (median step)`);
  console.log(`  load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after the data-parallel runs (2 cores)`);

  const result = {
    backend: tf.getBackend(),
    full_params: params.total,
    full_b1_ms: +fullB1.toFixed(2),
    full_b32_ms: +fullB32.toFixed(1),
    full_b32_img_per_s: +(32000 / fullB32).toFixed(2),
    full_profile_b1_ms: Object.fromEntries(profile.map((r) => [r.layer, +r.ms.toFixed(2)])),
    default_config: def.name,
    default_b1_ms: +defB1.toFixed(2),
    train_optimizer: optimizer,
    train_img_per_s: +trainRate.toFixed(1),
    train_img_per_s_1w: +dp1.rate.toFixed(1),
    train_img_per_s_2w: +dp2.rate.toFixed(1),
    train_2w_speedup: +(dp2.rate / dp1.rate).toFixed(2),
    load_avg_1m: +loadAfter.toFixed(2),
  };
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
