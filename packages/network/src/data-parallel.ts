/**
 * Data-parallel training on worker threads (Node): the tfjs wasm backend runs one thread,
 * so a single process trains on one core. Here N workers each hold a replica of the
 * network; a step splits the mini-batch into N contiguous shards, every worker computes its
 * shard's gradients (`batchGradients`, the code `train` uses), the gradients are averaged
 * weighted by shard size (the loss is a mean over rows, so that is the full-batch
 * gradient), and the optimizer step (`applyOptimizerStep`) is applied once per parameter:
 * each worker owns 1/N of the parameters, averages and updates just those (with their
 * momentum / Adam moments) and writes them to a shared weights buffer, which every replica
 * loads before its next forward pass. Replicas are therefore bit-identical at every step,
 * and the optimizer's cost is split N ways too.
 *
 * Weights and gradients live in SharedArrayBuffers (no copies through messages, no JSON);
 * a step costs two message round trips per worker. Node only: `node:worker_threads` is
 * loaded when a trainer is created, so the package still imports in a browser.
 */
import type { Worker } from 'node:worker_threads';
import type { BackendName } from '@deepface-ts/kernels';
import { parameterSpecs, type NetworkConfig } from './config';
import type { FromWorker, OptimizerPiece, ParamSlot, ToWorker, WorkerInit } from './data-parallel-worker';
import type { InitScheme } from './model';
import type { WeightsContent } from './weights_file';

export interface DataParallelOptions {
  /** Worker threads, each with a replica of the network (default 2). */
  workers?: number;
  /** Initial weights (e.g. a checkpoint); default: `DeepFaceModel.create(config, { seed, init })`. */
  weights?: WeightsContent;
  /** Seeds the initial weights (unless `weights` is given) and the dropout masks (default 1, as `train`). */
  seed?: number;
  init?: InitScheme;
  /** 'momentum' (default, the paper's SGD) or 'adam', as in `train`. */
  optimizer?: 'momentum' | 'adam';
  /** Default 0.01 (as `train`); `step(batch, { learningRate })` overrides it for one step. */
  learningRate?: number;
  momentum?: number;
  /** L2 (SGD) or decoupled (Adam) weight decay on `*.weight` parameters (default 0). */
  weightDecay?: number;
  /** Layers whose parameters stay fixed, e.g. ['C1', 'C3']. */
  freeze?: readonly string[];
  /** The tfjs backend in every worker (default 'wasm': our SIMD kernels). */
  backend?: BackendName;
}

export interface DataParallelBatch {
  /** Network input rows [n, size, size, 3] (see `cropsToBatch`). */
  x: Float32Array;
  /** Labels 0..K−1, one per row. */
  labels: Int32Array;
}

export interface DataParallelStepOptions {
  /** This step's learning rate (warm-up, plateau drops); default the trainer's. */
  learningRate?: number;
  /**
   * Seed of shard 0's F7 dropout mask (shard u uses seed + u · 1,000,000,007); default
   * `seed · 1,000,003 + step`, which is what `train` uses for the whole batch, so one worker
   * reproduces `train` exactly. With N > 1 workers each shard draws its own mask: the same
   * distribution as one mask over the whole batch, not the same numbers.
   */
  dropoutSeed?: number;
}

export interface DataParallelStepResult {
  /** Mean softmax cross-entropy over the batch (before the step), as `train` reports it. */
  loss: number;
  /** Rows predicted correctly (before the step). */
  correct: number;
  /** Rows in the batch. */
  count: number;
  /** Wall time of the gradient phase (the slowest shard) and of the averaging + optimizer phase, ms. */
  gradientMs: number;
  updateMs: number;
}

export interface DataParallelGradients {
  loss: number;
  correct: number;
  count: number;
  /** Per trainable parameter, by weights-file name. */
  grads: Map<string, Float32Array>;
}

export interface DataParallelTrainer {
  readonly workers: number;
  readonly config: NetworkConfig;
  /** Steps applied so far (Adam's bias-correction step is `steps + 1` for the next one). */
  readonly steps: number;
  /** One optimizer step on this mini-batch; steps queue if called before the last one finished. */
  step(batch: DataParallelBatch, options?: DataParallelStepOptions): Promise<DataParallelStepResult>;
  /**
   * The full-batch gradient (shard gradients weighted by shard size) of the mean loss at the
   * current weights, with F7 dropout as in a step, without taking the step: for checks and
   * gradient accumulation.
   */
  gradients(batch: DataParallelBatch, options?: Pick<DataParallelStepOptions, 'dropoutSeed'>): Promise<DataParallelGradients>;
  /**
   * A copy of the current weights (after the queued steps), e.g. for `DeepFaceModel.fromWeights`
   * or `encodeWeightsFile`; still available after `close()`.
   */
  weights(metadata?: Record<string, string>): Promise<WeightsContent>;
  /** Stops the workers (idempotent). A step still running is rejected. */
  close(): Promise<void>;
}

export class DataParallelError extends Error {
  override readonly name = 'DataParallelError';
}

const SHARD_SEED_STRIDE = 1_000_000_007;

/**
 * Starts `workers` threads, each with a replica of `config` on its own tfjs backend, and
 * resolves when all are ready. Close it when done: live workers keep the process running.
 */
export async function createDataParallelTrainer(config: NetworkConfig, options: DataParallelOptions = {}): Promise<DataParallelTrainer> {
  const {
    workers: count = 2,
    weights: initial,
    seed = 1,
    init: scheme = 'he',
    optimizer = 'momentum',
    learningRate = 0.01,
    momentum = 0.9,
    weightDecay = 0,
    freeze = [],
    backend = 'wasm',
  } = options;
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`createDataParallelTrainer: workers must be an integer ≥ 1, got ${count}`);
  if (optimizer !== 'momentum' && optimizer !== 'adam') throw new RangeError(`createDataParallelTrainer: optimizer must be 'momentum' or 'adam', got ${JSON.stringify(optimizer)}`);
  if (!(learningRate > 0)) throw new RangeError(`createDataParallelTrainer: learningRate must be > 0, got ${learningRate}`);
  const frozen = new Set(freeze);
  for (const name of frozen) {
    if (!config.layers.some((l) => l.name === name)) throw new RangeError(`createDataParallelTrainer: cannot freeze ${name}: ${config.name} has no such layer`);
  }
  if (initial && JSON.stringify(initial.config) !== JSON.stringify(config)) {
    throw new RangeError(`createDataParallelTrainer: the weights are for ${initial.config.name}, the config is ${config.name}`);
  }

  // Flat layout of every parameter; the trainable ones are split into N equal runs for the optimizer.
  let total = 0;
  const layout: ParamSlot[] = parameterSpecs(config).map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const slot = { name: spec.name, shape: [...spec.shape], offset: total, size, trainable: !frozen.has(spec.name.split('.')[0]!) };
    total += size;
    return slot;
  });
  const pieces = partitionPieces(layout, count);
  const weightsBuffer = new SharedArrayBuffer(total * 4);
  const weightsView = new Float32Array(weightsBuffer);
  if (initial) {
    for (const slot of layout) {
      const t = initial.tensors.get(slot.name);
      if (!t || t.length !== slot.size) throw new RangeError(`createDataParallelTrainer: the weights lack ${slot.name} or it has the wrong size`);
      weightsView.set(t, slot.offset);
    }
  }
  const gradBuffers = Array.from({ length: count }, () => new SharedArrayBuffer(total * 4));
  const fence = new SharedArrayBuffer(4);

  const { Worker } = await import('node:worker_threads');
  const file = await dataParallelWorkerFile();
  const pool: Worker[] = [];
  // Pending replies, per worker: the current message's resolve / reject.
  const pending: ({ resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined)[] = [];
  let broken: Error | undefined;
  /** Set when an update failed part-way: the shared weights may mix old and new slices. */
  let inconsistent: Error | undefined;
  let closed = false;

  const fail = (e: Error) => {
    broken ??= e;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      pending[i] = undefined;
      p?.reject(broken);
    }
  };

  for (let index = 0; index < count; index++) {
    const data: WorkerInit = {
      index,
      count,
      config,
      layout,
      weights: weightsBuffer,
      grads: gradBuffers,
      fence,
      pieces: pieces[index]!,
      optimizer,
      momentum,
      weightDecay,
      init: initial ? undefined : { seed, scheme },
      backend,
    };
    // execArgv: [] — the worker is plain built JS and needs no flags; the parent's (--input-type, loaders) can break it.
    const worker = new Worker(file, { workerData: data, execArgv: [] });
    worker.on('message', (msg: FromWorker) => {
      const p = pending[index];
      pending[index] = undefined;
      p?.resolve(msg);
    });
    worker.on('error', (e) => fail(new DataParallelError(`data-parallel worker ${index + 1} of ${count} crashed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (!closed) fail(new DataParallelError(`data-parallel worker ${index + 1} of ${count} exited (code ${code})`));
    });
    pool.push(worker);
  }

  /** Sends one message to every worker (or waits for `ready`) and collects the replies. */
  const roundTrip = (what: string, messages: (ToWorker | undefined)[]): Promise<FromWorker[]> =>
    Promise.all(
      pool.map(
        (worker, i) =>
          new Promise<FromWorker>((resolve, reject) => {
            if (broken) return reject(broken);
            pending[i] = { resolve, reject };
            const msg = messages[i];
            if (msg) worker.postMessage(msg, msg.type === 'grad' ? [msg.x.buffer as ArrayBuffer, msg.labels.buffer as ArrayBuffer] : []);
          }),
      ),
    ).then((replies) => {
      const errors = replies.flatMap((r, i) => (r.type === 'error' ? [`worker ${i + 1} of ${count}: ${r.message}`] : []));
      if (errors.length) throw new DataParallelError(`data-parallel ${what} failed: ${errors.join('; ')}`);
      return replies;
    });

  const closeAll = async () => {
    if (closed) return;
    closed = true;
    fail(new DataParallelError('data-parallel trainer closed'));
    await Promise.all(pool.map((w) => w.terminate()));
  };

  try {
    await roundTrip('start-up', []);
  } catch (e) {
    await closeAll();
    throw e;
  }

  let steps = 0;
  let version = 0; // weight versions: bumped by every update
  let queue: Promise<unknown> = Promise.resolve();
  const size = config.inputSize;
  const per = size * size * 3;

  const numClasses = (() => {
    const last = config.layers[config.layers.length - 1]!;
    return last.kind === 'logits' ? last.units : 0;
  })();

  /** Phase 1: every worker computes its shard's gradients into its shared buffer. */
  const gradientPhase = async (what: string, batch: DataParallelBatch, dropoutSeed: number | undefined) => {
    if (closed) throw new DataParallelError('data-parallel trainer is closed');
    if (broken) throw broken;
    const { x, labels } = batch;
    if (!(x instanceof Float32Array) || !(labels instanceof Int32Array)) throw new TypeError('DataParallelTrainer: batch.x must be a Float32Array and batch.labels an Int32Array');
    const n = labels.length;
    if (n < 1) throw new RangeError('DataParallelTrainer: the batch is empty');
    for (let i = 0; i < n; i++) {
      if (!(labels[i]! >= 0 && labels[i]! < numClasses)) throw new RangeError(`DataParallelTrainer: label ${labels[i]} at batch row ${i} is outside 0..${numClasses - 1}`);
    }
    const base = dropoutSeed ?? seed * 1_000_003 + steps;
    // Contiguous shards, sizes differing by at most one; x is cut by rows and the last shard
    // takes whatever is left, so a batch of the wrong shape fails in the worker's check.
    const bounds = shardBounds(n, count);
    const messages: ToWorker[] = bounds.map(([a, b], u) => ({
      type: 'grad',
      id: steps,
      version,
      x: u === count - 1 ? x.slice(a * per) : x.slice(a * per, b * per),
      labels: labels.slice(a, b),
      dropoutSeed: base + u * SHARD_SEED_STRIDE,
    }));
    const replies = await roundTrip(what, messages);
    const coefficients = bounds.map(([a, b]) => (b - a) / n);
    let loss = 0;
    let correct = 0;
    replies.forEach((r, u) => {
      if (r.type !== 'done' || coefficients[u] === 0) return;
      loss += coefficients[u]! * r.loss;
      correct += r.correct;
    });
    return { loss, correct, count: n, coefficients };
  };

  const runStep = async (batch: DataParallelBatch, stepOptions: DataParallelStepOptions): Promise<DataParallelStepResult> => {
    const lr = stepOptions.learningRate ?? learningRate;
    if (!(lr >= 0)) throw new RangeError(`DataParallelTrainer.step: learningRate must be ≥ 0, got ${lr}`);
    const t0 = performance.now();
    const { loss, correct, count: n, coefficients } = await gradientPhase(`step ${steps + 1} (gradients)`, batch, stepOptions.dropoutSeed);
    const t1 = performance.now();
    if (!Number.isFinite(loss)) {
      throw new DataParallelError(`data-parallel step ${steps + 1}: loss became ${loss}; the step was not applied: lower the learning rate (now ${lr})`);
    }
    try {
      await roundTrip(`step ${steps + 1} (update)`, pool.map(() => ({ type: 'update', id: steps, coefficients, learningRate: lr, t: steps + 1 })));
    } catch (e) {
      // Some slices may have been updated and others not: the replicas no longer agree.
      const err = e instanceof Error ? e : new Error(String(e));
      inconsistent = new DataParallelError(`data-parallel trainer is unusable: ${err.message}`);
      fail(inconsistent);
      throw err;
    }
    version++;
    steps++;
    return { loss, correct, count: n, gradientMs: t1 - t0, updateMs: performance.now() - t1 };
  };

  const runGradients = async (batch: DataParallelBatch, dropoutSeed: number | undefined): Promise<DataParallelGradients> => {
    const { loss, correct, count: n, coefficients } = await gradientPhase('gradients', batch, dropoutSeed);
    Atomics.load(new Int32Array(fence), 0);
    const sources = gradBuffers.map((b) => new Float32Array(b));
    const grads = new Map<string, Float32Array>();
    for (const s of layout) {
      if (!s.trainable) continue;
      const g = new Float32Array(s.size);
      weightedGradientSum(g, sources, coefficients, s.offset);
      grads.set(s.name, g);
    }
    return { loss, correct, count: n, grads };
  };

  const enqueue = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    workers: count,
    config,
    get steps() {
      return steps;
    },
    step: (batch, stepOptions = {}) => enqueue(() => runStep(batch, stepOptions)),
    gradients: (batch, gradOptions = {}) => enqueue(() => runGradients(batch, gradOptions.dropoutSeed)),
    weights: (metadata = {}) =>
      enqueue(async () => {
        if (inconsistent) throw inconsistent;
        Atomics.load(new Int32Array(fence), 0);
        const tensors = new Map(layout.map((s) => [s.name, weightsView.slice(s.offset, s.offset + s.size)]));
        return { config, tensors, metadata: { ...metadata } };
      }),
    close: closeAll,
  };
}

/**
 * dst[j] = Σᵤ cᵤ · gᵤ[offset + j] over the shards with cᵤ > 0, summed in shard order (the
 * same on every run and in every worker; exactly gᵤ for a single shard of weight 1).
 */
export function weightedGradientSum(dst: Float32Array, sources: readonly Float32Array[], coefficients: readonly number[], offset: number): void {
  const active = coefficients.flatMap((c, u) => (c > 0 ? [{ c, g: sources[u]! }] : []));
  const length = dst.length;
  const first = active[0];
  if (!first) throw new RangeError('weightedGradientSum: no shard has a positive weight');
  if (active.length === 1 && first.c === 1) {
    dst.set(first.g.subarray(offset, offset + length));
  } else if (active.length === 2) {
    const { c: ca, g: ga } = first;
    const { c: cb, g: gb } = active[1]!;
    for (let j = 0; j < length; j++) dst[j] = ca * ga[offset + j]! + cb * gb[offset + j]!;
  } else {
    for (let j = 0; j < length; j++) dst[j] = first.c * first.g[offset + j]!;
    for (let k = 1; k < active.length; k++) {
      const { c, g } = active[k]!;
      for (let j = 0; j < length; j++) dst[j] = dst[j]! + c * g[offset + j]!;
    }
  }
}

/** Row ranges [start, end) of `count` contiguous shards of `n` rows, sizes differing by at most one. */
export function shardBounds(n: number, count: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let u = 0; u < count; u++) {
    const len = Math.floor(n / count) + (u < n % count ? 1 : 0);
    out.push([start, start + len]);
    start += len;
  }
  return out;
}

/** Splits the trainable parameters (flattened in layout order) into `count` runs of equal length. */
function partitionPieces(layout: readonly ParamSlot[], count: number): OptimizerPiece[][] {
  const trainable = layout.filter((s) => s.trainable);
  const total = trainable.reduce((a, s) => a + s.size, 0);
  const out: OptimizerPiece[][] = Array.from({ length: count }, () => []);
  let flat = 0; // position in the concatenation of trainable parameters
  for (const s of trainable) {
    for (let u = 0; u < count; u++) {
      const lo = Math.max(flat, Math.floor((total * u) / count));
      const hi = Math.min(flat + s.size, Math.floor((total * (u + 1)) / count));
      if (hi > lo) out[u]!.push({ name: s.name, offset: s.offset + (lo - flat), length: hi - lo });
    }
    flat += s.size;
  }
  return out;
}

const WORKER_SOURCES = ['data-parallel-worker.ts', 'data-parallel.ts', 'train.ts', 'model.ts', 'config.ts', 'weights_file.ts'];
let staleWarned = false;

/**
 * The worker entry, built by tsup beside the bundle (dist/data-parallel-worker.{js,cjs}).
 * From the TS sources (vitest, tsx) it is the built dist file, since workers cannot load .ts
 * on Node 20: rebuild (`pnpm --filter @deepface-ts/network build`) after changing the
 * worker, the model or the training code.
 */
export async function dataParallelWorkerFile(): Promise<string> {
  const [{ fileURLToPath }, { dirname, join }, { existsSync, statSync }] = await Promise.all([import('node:url'), import('node:path'), import('node:fs')]);
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  const file = here.endsWith('.cjs')
    ? join(dir, 'data-parallel-worker.cjs')
    : here.endsWith('.js')
      ? join(dir, 'data-parallel-worker.js')
      : join(dir, '..', 'dist', 'data-parallel-worker.js');
  if (!existsSync(file)) {
    throw new DataParallelError(`data-parallel worker not found at ${file}: build the package first (pnpm --filter @deepface-ts/network build)`);
  }
  if (here.endsWith('.ts') && !staleWarned) {
    // From the sources, the workers run the last build: say so when a file they bundle is newer.
    const built = statSync(file).mtimeMs;
    const newer = WORKER_SOURCES.filter((f) => existsSync(join(dir, f)) && statSync(join(dir, f)).mtimeMs > built);
    if (newer.length) {
      staleWarned = true;
      process.emitWarning(`${file} is older than src/${newer.join(', src/')}: the workers run the last build (pnpm --filter @deepface-ts/network build)`);
    }
  }
  return file;
}
