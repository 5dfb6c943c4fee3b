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
 *
 * With `distill`, the trainer trains by embedding distillation instead (`distillGradients`,
 * the gradient part of `distillStep`): the distillation projection F7 → D is appended to the
 * flat layout and trained with the network, and every batch carries its teacher descriptors.
 * `optimizerState()` / the `optimizerState` option export and restore the optimizer's moments
 * and step count, so a run can checkpoint and resume exactly.
 */
import type { Worker } from 'node:worker_threads';
import type { BackendName } from '@deepface-ts/kernels';
import { parameterSpecs, representationSize, type NetworkConfig } from './config';
import type { FromWorker, OptimizerPiece, ParamSlot, ToWorker, WorkerInit } from './data-parallel-worker';
import { DEFAULT_DISTILL_WEIGHTS, type DistillWeights, type RegressionKind } from './distill';
import type { InitScheme } from './model';
import { PROJECTION_BIAS, PROJECTION_WEIGHT, type ProjectionWeights, type WeightsContent } from './weights_file';

/**
 * Embedding distillation (see `distill.ts`): the loss is `distillationLoss` on the student's
 * F7 through the projection, the teacher's descriptors coming with every batch.
 */
export interface DataParallelDistillOptions {
  /**
   * The initial projection F7 → D (e.g. `DistillProjection.forModel(model).toWeights()`, or a
   * checkpoint's `content.projection`), trained with the network; `inputSize` must be the
   * config's F7 width (`representationSize(config)`).
   */
  projection: ProjectionWeights;
  /** Weights of the terms (default `DEFAULT_DISTILL_WEIGHTS`: regression only). */
  weights?: Partial<DistillWeights>;
  /** The regression term's form (default 'cosine'). */
  kind?: RegressionKind;
}

/**
 * The optimizer's state, flat in the trainer's layout order: one value per parameter (the
 * network's parameters in `parameterSpecs` order, then, with `distill`, the projection's
 * weight and bias), 0 for parameters it does not train (frozen layers; F8 in distill mode
 * when the identity term has weight 0).
 */
export interface DataParallelOptimizerState {
  /** Steps applied so far: the next step's Adam bias correction uses `steps + 1`. */
  steps: number;
  /** Momentum SGD's velocity or Adam's first moment. */
  first: Float32Array;
  /** Adam's second moment (absent with momentum SGD). */
  second?: Float32Array;
}

/** The distillation terms of a batch (before the step). */
export interface DataParallelDistillTerms {
  regression: number;
  /** The mean of the shards' pairwise terms, weighted by shard size (see `DataParallelBatch.teacher`). */
  pairwise: number;
  /** Over the labelled rows of the whole batch (0 when none is labelled). */
  identity: number;
}

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
  /**
   * Train by embedding distillation instead of softmax cross-entropy (every batch then needs
   * `teacher`). The projection is trained with the network; when the identity term has weight
   * 0, F8 is off the loss's path and stays as it is (as `distillStep` leaves it).
   */
  distill?: DataParallelDistillOptions;
  /**
   * Resume: the optimizer's moments and step count from `optimizerState()` of a trainer with
   * the same config, optimizer and `distill` projection shape (any worker count). With
   * `weights` from the same moment, the next steps are the ones the old trainer would take.
   */
  optimizerState?: DataParallelOptimizerState;
}

export interface DataParallelBatch {
  /** Network input rows [n, size, size, 3] (see `cropsToBatch`). */
  x: Float32Array;
  /** Labels 0..K−1, one per row; in distill mode −1 where the identity is unknown. */
  labels: Int32Array;
  /**
   * Distill mode (required there): the teacher's descriptors, [n, D] row-major (D the
   * projection's `outputSize`), cut into shards by rows like `x`. The pairwise term is computed
   * within each shard: with N > 1 workers it is the mean of the shards' pairwise terms
   * (weighted by shard size) and compares only pairs inside a shard, not the full batch's
   * pairwise term. The regression and identity terms (means over rows, the identity term's
   * over labelled rows) and their gradients are the full batch's.
   */
  teacher?: Float32Array;
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
  /**
   * Mean softmax cross-entropy over the batch (before the step), as `train` reports it; in
   * distill mode the weighted total of the distillation terms.
   */
  loss: number;
  /** Rows predicted correctly (before the step); 0 in distill mode. */
  correct: number;
  /** Distill mode: the terms of `loss` (unweighted). */
  terms?: DataParallelDistillTerms;
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
  terms?: DataParallelDistillTerms;
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
   * or `encodeWeightsFile`; still available after `close()`. In distill mode `tensors` holds the
   * network's and `projection` the trained projection.
   */
  weights(metadata?: Record<string, string>): Promise<WeightsContent>;
  /**
   * A copy of the optimizer's state (after the queued steps), gathered from the workers' slices:
   * with `weights()`, what the `weights` and `optimizerState` options need to resume exactly.
   */
  optimizerState(): Promise<DataParallelOptimizerState>;
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
    distill,
    optimizerState: resumeState,
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
  const distillWeights = distill ? checkDistillOptions(config, distill) : undefined;

  // Flat layout of every parameter (the network's, then the projection's); the trainable ones
  // are split into N equal runs for the optimizer.
  const logitsLayer = config.layers.find((l) => l.kind === 'logits')?.name;
  const offPath = distillWeights && distillWeights.identity === 0 ? logitsLayer : undefined;
  let total = 0;
  const layout: ParamSlot[] = parameterSpecs(config).map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const layer = spec.name.split('.')[0]!;
    const slot = { name: spec.name, shape: [...spec.shape], offset: total, size, trainable: !frozen.has(layer) && layer !== offPath };
    total += size;
    return slot;
  });
  const networkSlots = layout.slice();
  const projectionSlots: ParamSlot[] = [];
  if (distill) {
    const { inputSize, outputSize, bias } = distill.projection;
    projectionSlots.push({ name: PROJECTION_WEIGHT, shape: [inputSize, outputSize], offset: total, size: inputSize * outputSize, trainable: true });
    total += inputSize * outputSize;
    if (bias) {
      projectionSlots.push({ name: PROJECTION_BIAS, shape: [outputSize], offset: total, size: outputSize, trainable: true });
      total += outputSize;
    }
    layout.push(...projectionSlots);
  }
  const pieces = partitionPieces(layout, count);
  const weightsBuffer = new SharedArrayBuffer(total * 4);
  const weightsView = new Float32Array(weightsBuffer);
  if (initial) {
    for (const slot of networkSlots) {
      const t = initial.tensors.get(slot.name);
      if (!t || t.length !== slot.size) throw new RangeError(`createDataParallelTrainer: the weights lack ${slot.name} or it has the wrong size`);
      weightsView.set(t, slot.offset);
    }
  }
  if (distill) {
    // The projection always comes from `distill.projection` (in both start modes).
    weightsView.set(distill.projection.weight, projectionSlots[0]!.offset);
    if (distill.projection.bias) weightsView.set(distill.projection.bias, projectionSlots[1]!.offset);
  }
  // Resume: the moments go to the workers in shared buffers; each seeds its own slice from them.
  let moments: WorkerInit['moments'];
  if (resumeState) {
    const { steps: s0, first, second } = resumeState;
    if (!(Number.isInteger(s0) && s0 >= 0)) throw new RangeError(`createDataParallelTrainer: optimizerState.steps must be an integer ≥ 0, got ${s0}`);
    const check = (what: string, a: unknown) => {
      if (!(a instanceof Float32Array) || a.length !== total) {
        const got = a instanceof Float32Array ? `${a.length} values` : a === undefined ? 'none' : `a ${(a as object)?.constructor?.name ?? typeof a}`;
        throw new RangeError(`createDataParallelTrainer: optimizerState.${what} must be a Float32Array of ${total} values (every parameter in layout order${distill ? ', the projection last' : ''}), got ${got}`);
      }
    };
    check('first', first);
    if (optimizer === 'adam') check('second', second);
    else if (second !== undefined) throw new RangeError("createDataParallelTrainer: optimizerState.second is Adam's second moment; this trainer uses momentum SGD");
    const firstBuffer = new SharedArrayBuffer(total * 4);
    new Float32Array(firstBuffer).set(first);
    let secondBuffer: SharedArrayBuffer | undefined;
    if (second) {
      secondBuffer = new SharedArrayBuffer(total * 4);
      new Float32Array(secondBuffer).set(second);
    }
    moments = { first: firstBuffer, second: secondBuffer };
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
      distill: distill && distillWeights ? { weights: distillWeights, kind: distill.kind ?? 'cosine' } : undefined,
      moments,
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
            if (!msg) return;
            const transfer = msg.type === 'grad' ? [msg.x.buffer as ArrayBuffer, msg.labels.buffer as ArrayBuffer, ...(msg.teacher ? [msg.teacher.buffer as ArrayBuffer] : [])] : [];
            worker.postMessage(msg, transfer);
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

  let steps = resumeState?.steps ?? 0;
  let version = 0; // weight versions: bumped by every update
  let queue: Promise<unknown> = Promise.resolve();
  const size = config.inputSize;
  const per = size * size * 3;

  const numClasses = (() => {
    const last = config.layers[config.layers.length - 1]!;
    return last.kind === 'logits' ? last.units : 0;
  })();
  const teacherSize = distill?.projection.outputSize ?? 0;

  /** Phase 1: every worker computes its shard's gradients into its shared buffer. */
  const gradientPhase = async (what: string, batch: DataParallelBatch, dropoutSeed: number | undefined) => {
    if (closed) throw new DataParallelError('data-parallel trainer is closed');
    if (broken) throw broken;
    const { x, labels, teacher } = batch;
    if (!(x instanceof Float32Array) || !(labels instanceof Int32Array)) throw new TypeError('DataParallelTrainer: batch.x must be a Float32Array and batch.labels an Int32Array');
    const n = labels.length;
    if (n < 1) throw new RangeError('DataParallelTrainer: the batch is empty');
    for (let i = 0; i < n; i++) {
      const y = labels[i]!;
      if (distill ? y === -1 || (y >= 0 && y < numClasses) : y >= 0 && y < numClasses) continue;
      throw new RangeError(`DataParallelTrainer: label ${y} at batch row ${i} is outside ${distill ? '−1 (unknown), ' : ''}0..${numClasses - 1}`);
    }
    if (distill) {
      if (!(teacher instanceof Float32Array) || teacher.length !== n * teacherSize) {
        const got = teacher === undefined ? 'none' : teacher instanceof Float32Array ? `${teacher.length} values` : `a ${(teacher as object)?.constructor?.name ?? typeof teacher}`;
        throw new RangeError(`DataParallelTrainer: batch.teacher must be a Float32Array of shape [${n}, ${teacherSize}] (${n * teacherSize} values, row-major) for ${n} rows, got ${got}`);
      }
      if (x.length !== n * per) throw new RangeError(`DataParallelTrainer: batch shape: ${x.length} input values for ${n} labels; expected ${n} × ${size}×${size}×3 = ${n * per}`);
    } else if (teacher !== undefined) {
      throw new RangeError('DataParallelTrainer: batch.teacher is given, but the trainer was not created with `distill`');
    }
    const base = dropoutSeed ?? seed * 1_000_003 + steps;
    // Contiguous shards, sizes differing by at most one; x is cut by rows and the last shard
    // takes whatever is left, so a batch of the wrong shape fails in the worker's check.
    const bounds = shardBounds(n, count);
    // Distill mode: the identity term is a mean over a shard's labelled rows, so shard u's
    // identity weight is scaled by (L_u / L) / (n_u / n) (1 for a single shard, and for a shard
    // with no labelled rows, whose term and gradient are 0): the size-weighted average of the
    // shards' gradients is then the full batch's gradient of its identity term too.
    const labelled = (a: number, b: number) => {
      let c = 0;
      for (let i = a; i < b; i++) if (labels[i]! >= 0) c++;
      return c;
    };
    const labelledTotal = distill ? labelled(0, n) : 0;
    const labelledIn = bounds.map(([a, b]) => (distill ? labelled(a, b) : 0));
    const messages: ToWorker[] = bounds.map(([a, b], u) => ({
      type: 'grad',
      id: steps,
      version,
      x: u === count - 1 ? x.slice(a * per) : x.slice(a * per, b * per),
      labels: labels.slice(a, b),
      dropoutSeed: base + u * SHARD_SEED_STRIDE,
      ...(distill
        ? {
            teacher: teacher!.slice(a * teacherSize, b * teacherSize),
            identityScale: labelledTotal > 0 && labelledIn[u]! > 0 ? (labelledIn[u]! * n) / (labelledTotal * (b - a)) : 1,
          }
        : {}),
    }));
    const replies = await roundTrip(what, messages);
    const coefficients = bounds.map(([a, b]) => (b - a) / n);
    let loss = 0;
    let correct = 0;
    const terms: DataParallelDistillTerms | undefined = distill ? { regression: 0, pairwise: 0, identity: 0 } : undefined;
    replies.forEach((r, u) => {
      if (r.type !== 'done' || coefficients[u] === 0) return;
      loss += coefficients[u]! * r.loss;
      correct += r.correct;
      if (terms && r.terms) {
        terms.regression += coefficients[u]! * r.terms.regression;
        terms.pairwise += coefficients[u]! * r.terms.pairwise;
        if (labelledTotal > 0) terms.identity += (labelledIn[u]! / labelledTotal) * r.terms.identity;
      }
    });
    return { loss, correct, count: n, coefficients, terms };
  };

  const runStep = async (batch: DataParallelBatch, stepOptions: DataParallelStepOptions): Promise<DataParallelStepResult> => {
    const lr = stepOptions.learningRate ?? learningRate;
    if (!(lr >= 0)) throw new RangeError(`DataParallelTrainer.step: learningRate must be ≥ 0, got ${lr}`);
    const t0 = performance.now();
    const { loss, correct, count: n, coefficients, terms } = await gradientPhase(`step ${steps + 1} (gradients)`, batch, stepOptions.dropoutSeed);
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
    return { loss, correct, count: n, ...(terms ? { terms } : {}), gradientMs: t1 - t0, updateMs: performance.now() - t1 };
  };

  const runGradients = async (batch: DataParallelBatch, dropoutSeed: number | undefined): Promise<DataParallelGradients> => {
    const { loss, correct, count: n, coefficients, terms } = await gradientPhase('gradients', batch, dropoutSeed);
    Atomics.load(new Int32Array(fence), 0);
    const sources = gradBuffers.map((b) => new Float32Array(b));
    const grads = new Map<string, Float32Array>();
    for (const s of layout) {
      if (!s.trainable) continue;
      const g = new Float32Array(s.size);
      weightedGradientSum(g, sources, coefficients, s.offset);
      grads.set(s.name, g);
    }
    return { loss, correct, count: n, ...(terms ? { terms } : {}), grads };
  };

  const runOptimizerState = async (): Promise<DataParallelOptimizerState> => {
    if (inconsistent) throw inconsistent;
    if (closed) throw new DataParallelError('data-parallel trainer is closed');
    if (broken) throw broken;
    const first = new SharedArrayBuffer(total * 4);
    const second = optimizer === 'adam' ? new SharedArrayBuffer(total * 4) : undefined;
    await roundTrip('optimizerState', pool.map(() => ({ type: 'moments', id: steps, first, second })));
    Atomics.load(new Int32Array(fence), 0);
    // Plain copies (not views of shared memory), for any consumer.
    return { steps, first: new Float32Array(first).slice(), ...(second ? { second: new Float32Array(second).slice() } : {}) };
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
        const tensors = new Map(networkSlots.map((s) => [s.name, weightsView.slice(s.offset, s.offset + s.size)]));
        const content: WeightsContent = { config, tensors, metadata: { ...metadata } };
        if (distill) {
          const [w, b] = projectionSlots;
          content.projection = {
            inputSize: distill.projection.inputSize,
            outputSize: distill.projection.outputSize,
            weight: weightsView.slice(w!.offset, w!.offset + w!.size),
            ...(b ? { bias: weightsView.slice(b.offset, b.offset + b.size) } : {}),
          };
        }
        return content;
      }),
    optimizerState: () => enqueue(runOptimizerState),
    close: closeAll,
  };
}

/** Checks `distill` against the config; the term weights, resolved. */
function checkDistillOptions(config: NetworkConfig, distill: DataParallelDistillOptions): DistillWeights {
  const where = 'createDataParallelTrainer: distill';
  const p = distill.projection;
  if (!p) throw new RangeError(`${where}.projection is required`);
  const f7 = representationSize(config);
  if (p.inputSize !== f7) throw new RangeError(`${where}.projection takes ${p.inputSize} inputs, ${config.name}'s F7 has ${f7}`);
  if (!(Number.isInteger(p.outputSize) && p.outputSize >= 1)) throw new RangeError(`${where}.projection.outputSize must be a positive integer, got ${p.outputSize}`);
  if (!(p.weight instanceof Float32Array) || p.weight.length !== p.inputSize * p.outputSize) {
    throw new RangeError(`${where}.projection.weight must be a Float32Array of [${p.inputSize}, ${p.outputSize}] = ${p.inputSize * p.outputSize} values, got ${p.weight?.length}`);
  }
  if (p.bias !== undefined && (!(p.bias instanceof Float32Array) || p.bias.length !== p.outputSize)) {
    throw new RangeError(`${where}.projection.bias must be a Float32Array of [${p.outputSize}] values, got ${p.bias?.length}`);
  }
  if (distill.kind !== undefined && distill.kind !== 'cosine' && distill.kind !== 'mse') {
    throw new RangeError(`${where}.kind must be 'cosine' or 'mse', got ${JSON.stringify(distill.kind)}`);
  }
  const w: DistillWeights = { ...DEFAULT_DISTILL_WEIGHTS, ...(distill.weights ?? {}) };
  for (const [key, v] of Object.entries(w)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${where}.weights.${key} must be a finite number ≥ 0, got ${v}`);
  }
  if (w.regression + w.pairwise + w.identity === 0) throw new RangeError(`${where}.weights: every term has weight 0`);
  return w;
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

const WORKER_SOURCES = ['data-parallel-worker.ts', 'data-parallel.ts', 'train.ts', 'model.ts', 'config.ts', 'weights_file.ts', 'distill.ts'];
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
