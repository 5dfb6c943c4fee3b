/**
 * The worker entry of `createDataParallelTrainer` (built beside the bundle as
 * dist/data-parallel-worker.{js,cjs}): one replica of the DeepFace network on its own tfjs
 * backend (wasm, with our LocallyConnected2D kernels), in its own thread.
 *
 * Per step it does two things, each on a message from the main thread:
 * - `grad`: reload the weights from the shared weights buffer if they changed since it last
 *   did, compute its shard's mean loss and gradients (`batchGradients`, the code `train`
 *   uses) and write the gradients into its own shared gradient buffer;
 * - `update`: average every worker's gradients (weighted by shard size) over the slice of
 *   the parameters it owns, apply the optimizer step to that slice (`applyOptimizerStep`,
 *   the code `train` uses; it keeps that slice's momentum / Adam moments) and write the new
 *   weights of the slice into the shared weights buffer.
 * Every replica therefore loads the same weights at the next step: they stay bit-identical.
 *
 * In distill mode the replica has a distillation projection too (its parameters at the end of
 * the flat layout, reloaded like the network's) and `grad` runs `distillGradients`. A
 * `moments` message copies the owned slice's optimizer moments into shared buffers (for
 * `optimizerState()`); `WorkerInit.moments` seeds them when resuming.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf, type BackendName } from '@deepface-ts/kernels';
import type { NetworkConfig } from './config';
import { weightedGradientSum } from './data-parallel';
import { distillGradients, DistillProjection, type DistillWeights, type RegressionKind } from './distill';
import { DeepFaceModel, type InitScheme } from './model';
import { applyOptimizerStep, batchGradients } from './train';
import { PROJECTION_BIAS, PROJECTION_WEIGHT } from './weights_file';

/** One parameter's place in the flat shared buffers (float offsets). */
export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  trainable: boolean;
}

/** A contiguous run of one parameter owned by one worker for the optimizer step. */
export interface OptimizerPiece {
  name: string;
  /** Offset in the flat buffers (floats). */
  offset: number;
  length: number;
}

export interface WorkerInit {
  index: number;
  count: number;
  config: NetworkConfig;
  layout: ParamSlot[];
  /** All parameters, flat, in `layout` order. */
  weights: SharedArrayBuffer;
  /** One flat gradient buffer per worker (same layout; frozen parameters unused). */
  grads: SharedArrayBuffer[];
  /** One Int32: written with Atomics after each phase's writes and read before the next phase's reads (a fence). */
  fence: SharedArrayBuffer;
  /** The slice of the trainable parameters whose optimizer step this worker applies. */
  pieces: OptimizerPiece[];
  optimizer: 'momentum' | 'adam';
  momentum: number;
  weightDecay: number;
  /** Build the replica from this seed (worker 0 then writes it to `weights`); absent: `weights` already holds it. */
  init?: { seed: number; scheme: InitScheme };
  backend: BackendName;
  /** Distill mode: the terms' weights (resolved) and the regression's form; the projection's slots are in `layout` (and its values in `weights`). */
  distill?: { weights: DistillWeights; kind: RegressionKind };
  /** Resume: every parameter's optimizer moments, flat in `layout` order; each worker seeds its slice from them. */
  moments?: { first: SharedArrayBuffer; second?: SharedArrayBuffer };
}

export type ToWorker =
  | {
      type: 'grad';
      id: number;
      version: number;
      x: Float32Array;
      labels: Int32Array;
      dropoutSeed: number;
      /** Distill mode: the shard's teacher descriptors [n, D] and the factor on its identity weight. */
      teacher?: Float32Array;
      identityScale?: number;
    }
  | { type: 'update'; id: number; coefficients: number[]; learningRate: number; t: number }
  /** Copy the owned slice's moments (velocity / Adam's first, Adam's second) into these flat buffers. */
  | { type: 'moments'; id: number; first: SharedArrayBuffer; second?: SharedArrayBuffer };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; loss: number; correct: number; terms?: { regression: number; pairwise: number; identity: number } }
  | { type: 'error'; id: number; message: string; stack?: string };

// The wasm backend keeps every tensor in its heap: copy straight between the heap and the
// shared buffers (one memcpy) rather than through dataSync (an extra copy and allocation).
interface WasmInternals {
  wasm?: { HEAPF32?: Float32Array };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

function heapView(t: tf.Tensor): Float32Array | undefined {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return undefined;
  const b = tf.backend() as unknown as WasmInternals;
  const offset = b.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = b.wasm?.HEAPF32;
  if (heap === undefined || typeof offset !== 'number' || offset % 4 !== 0) return undefined;
  return heap.subarray(offset / 4, offset / 4 + t.size);
}

/** Copies a tensor's values into `dst` at `offset`. */
function copyOut(t: tf.Tensor, dst: Float32Array, offset: number): void {
  dst.set(heapView(t) ?? (t.dataSync() as Float32Array), offset);
}

/** A tensor holding a copy of `src` (never aliasing the shared buffer: the cpu backend keeps the array it is given). */
function tensorFrom(src: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? src : src.slice(), shape, 'float32');
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('data-parallel-worker: not started as a worker thread');
  const init = workerData as WorkerInit;
  await initBackend(init.backend);
  const weights = new Float32Array(init.weights);
  const grads = init.grads.map((b) => new Float32Array(b));
  const myGrads = grads[init.index]!;
  // Messages order the phases; the Atomics calls make the shared writes of one phase
  // visible to the reads of the next under the JS memory model.
  const fence = new Int32Array(init.fence);
  const publish = () => void Atomics.add(fence, 0, 1);
  const acquire = () => void Atomics.load(fence, 0);

  const isProjection = (name: string) => name === PROJECTION_WEIGHT || name === PROJECTION_BIAS;
  const networkSlots = init.layout.filter((s) => !isProjection(s.name));
  let model: DeepFaceModel;
  if (init.init) {
    model = DeepFaceModel.create(init.config, { seed: init.init.seed, init: init.init.scheme });
    if (init.index === 0) for (const slot of networkSlots) copyOut(model.param(slot.name), weights, slot.offset);
    publish();
  } else {
    // Copies: the cpu backend would keep (alias) the shared array it is given.
    const tensors = new Map(networkSlots.map((s) => [s.name, weights.slice(s.offset, s.offset + s.size)]));
    model = DeepFaceModel.fromWeights({ config: init.config, tensors, metadata: {} });
  }
  // Distill mode: the projection replica, from the values the main thread wrote into `weights`.
  let projection: DistillProjection | undefined;
  if (init.distill) {
    const w = init.layout.find((s) => s.name === PROJECTION_WEIGHT);
    const b = init.layout.find((s) => s.name === PROJECTION_BIAS);
    if (!w) throw new Error(`data-parallel-worker: distill mode without ${PROJECTION_WEIGHT} in the layout`);
    projection = DistillProjection.fromWeights({
      inputSize: w.shape[0]!,
      outputSize: w.shape[1]!,
      weight: weights.slice(w.offset, w.offset + w.size),
      bias: b ? weights.slice(b.offset, b.offset + b.size) : undefined,
    });
  }
  const projectionVars = projection?.variables() ?? new Map<string, tf.Variable>();
  const paramOf = (name: string) => projectionVars.get(name) ?? model.param(name);
  const trainable = init.layout.filter((s) => s.trainable);
  const trainableVars = trainable.map((s) => paramOf(s.name));
  let loadedVersion = 0;

  // The owned slice's master weights and optimizer buffers, made at the first update (by
  // then worker 0 has written the initial weights: the main thread waits for every worker).
  // Resumed moments seed the slice; the shared copies are dropped once read.
  let slice: { piece: OptimizerPiece; w: tf.Variable; m: tf.Variable; v?: tf.Variable; avg: Float32Array }[] | undefined;
  const makeSlice = () => {
    const first = init.moments ? new Float32Array(init.moments.first) : undefined;
    const second = init.moments?.second ? new Float32Array(init.moments.second) : undefined;
    const moment = (src: Float32Array | undefined, piece: OptimizerPiece) =>
      tf.variable(src ? tensorFrom(src.subarray(piece.offset, piece.offset + piece.length), [piece.length]) : tf.zeros([piece.length]), false);
    const out = init.pieces.map((piece) => ({
      piece,
      w: tf.variable(tensorFrom(weights.subarray(piece.offset, piece.offset + piece.length), [piece.length]), false),
      m: moment(first, piece),
      v: init.optimizer === 'adam' ? moment(second, piece) : undefined,
      avg: new Float32Array(piece.length),
    }));
    init.moments = undefined;
    return out;
  };

  const onGrad = (msg: Extract<ToWorker, { type: 'grad' }>): FromWorker => {
    acquire();
    if (msg.version !== loadedVersion) {
      tf.tidy(() => {
        for (const [i, s] of trainable.entries()) trainableVars[i]!.assign(tensorFrom(weights.subarray(s.offset, s.offset + s.size), s.shape));
      });
      loadedVersion = msg.version;
    }
    if (msg.labels.length === 0) return { type: 'done', id: msg.id, loss: 0, correct: 0 };
    if (projection && init.distill) {
      const { weights: w, kind } = init.distill;
      if (!msg.teacher) throw new Error('data-parallel-worker: distill mode needs the shard\'s teacher descriptors');
      const values = tf.tidy(() => {
        const r = distillGradients(
          model,
          projection,
          trainableVars,
          { x: msg.x, teacher: msg.teacher!, labels: msg.labels },
          { weights: { ...w, identity: w.identity * (msg.identityScale ?? 1) }, kind, training: true, dropoutSeed: msg.dropoutSeed },
        );
        for (const [i, s] of trainable.entries()) {
          const g = r.grads[trainableVars[i]!.name];
          if (g) copyOut(g, myGrads, s.offset);
          else myGrads.fill(0, s.offset, s.offset + s.size); // off the loss's path: no gradient
        }
        return [r.total, r.regression, r.pairwise, r.identity].map((t) => t.dataSync()[0]!);
      });
      publish();
      const [total, regression, pairwise, identity] = values as [number, number, number, number];
      return { type: 'done', id: msg.id, loss: total, correct: 0, terms: { regression, pairwise, identity } };
    }
    const [loss, correct] = tf.tidy(() => {
      const r = batchGradients(model, trainableVars, msg.x, msg.labels, msg.dropoutSeed);
      for (const [i, s] of trainable.entries()) copyOut(r.grads[trainableVars[i]!.name]!, myGrads, s.offset);
      return [r.loss.dataSync()[0]!, r.correct.dataSync()[0]!];
    });
    publish();
    return { type: 'done', id: msg.id, loss, correct };
  };

  const onUpdate = (msg: Extract<ToWorker, { type: 'update' }>): FromWorker => {
    acquire();
    slice ??= makeSlice();
    const step = { optimizer: init.optimizer, learningRate: msg.learningRate, t: msg.t, momentum: init.momentum, weightDecay: init.weightDecay };
    tf.tidy(() => {
      for (const { piece, w, m, v, avg } of slice!) {
        weightedGradientSum(avg, grads, msg.coefficients, piece.offset);
        applyOptimizerStep(piece.name, w, tensorFrom(avg, [piece.length]), m, v, step);
        copyOut(w, weights, piece.offset);
      }
    });
    publish();
    return { type: 'done', id: msg.id, loss: 0, correct: 0 };
  };

  const onMoments = (msg: Extract<ToWorker, { type: 'moments' }>): FromWorker => {
    acquire();
    slice ??= makeSlice();
    const first = new Float32Array(msg.first);
    const second = msg.second ? new Float32Array(msg.second) : undefined;
    for (const { piece, m, v } of slice) {
      copyOut(m, first, piece.offset);
      if (v && second) copyOut(v, second, piece.offset);
    }
    publish();
    return { type: 'done', id: msg.id, loss: 0, correct: 0 };
  };

  port.on('message', (msg: ToWorker) => {
    let reply: FromWorker;
    try {
      reply = msg.type === 'grad' ? onGrad(msg) : msg.type === 'update' ? onUpdate(msg) : onMoments(msg);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { type: 'error', id: msg.id, message: err.message, stack: err.stack };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

main().catch((e: unknown) => {
  // Start-up failed (backend, weights): report it; the main thread rejects and terminates.
  const err = e instanceof Error ? e : new Error(String(e));
  parentPort?.postMessage({ type: 'error', id: -1, message: err.message, stack: err.stack } satisfies FromWorker);
});
