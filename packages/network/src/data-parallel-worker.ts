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
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf, type BackendName } from '@deepface-ts/kernels';
import type { NetworkConfig } from './config';
import { weightedGradientSum } from './data-parallel';
import { DeepFaceModel, type InitScheme } from './model';
import { applyOptimizerStep, batchGradients } from './train';

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
}

export type ToWorker =
  | { type: 'grad'; id: number; version: number; x: Float32Array; labels: Int32Array; dropoutSeed: number }
  | { type: 'update'; id: number; coefficients: number[]; learningRate: number; t: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; loss: number; correct: number }
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

  let model: DeepFaceModel;
  if (init.init) {
    model = DeepFaceModel.create(init.config, { seed: init.init.seed, init: init.init.scheme });
    if (init.index === 0) for (const slot of init.layout) copyOut(model.param(slot.name), weights, slot.offset);
    publish();
  } else {
    // Copies: the cpu backend would keep (alias) the shared array it is given.
    const tensors = new Map(init.layout.map((s) => [s.name, weights.slice(s.offset, s.offset + s.size)]));
    model = DeepFaceModel.fromWeights({ config: init.config, tensors, metadata: {} });
  }
  const trainable = init.layout.filter((s) => s.trainable);
  const trainableVars = trainable.map((s) => model.param(s.name));
  let loadedVersion = 0;

  // The owned slice's master weights and optimizer buffers, made at the first update (by
  // then worker 0 has written the initial weights: the main thread waits for every worker).
  let slice: { piece: OptimizerPiece; w: tf.Variable; m: tf.Variable; v?: tf.Variable; avg: Float32Array }[] | undefined;
  const makeSlice = () =>
    init.pieces.map((piece) => ({
      piece,
      w: tf.variable(tensorFrom(weights.subarray(piece.offset, piece.offset + piece.length), [piece.length]), false),
      m: tf.variable(tf.zeros([piece.length]), false),
      v: init.optimizer === 'adam' ? tf.variable(tf.zeros([piece.length]), false) : undefined,
      avg: new Float32Array(piece.length),
    }));

  const onGrad = (msg: Extract<ToWorker, { type: 'grad' }>): FromWorker => {
    acquire();
    if (msg.version !== loadedVersion) {
      tf.tidy(() => {
        for (const [i, s] of trainable.entries()) trainableVars[i]!.assign(tensorFrom(weights.subarray(s.offset, s.offset + s.size), s.shape));
      });
      loadedVersion = msg.version;
    }
    if (msg.labels.length === 0) return { type: 'done', id: msg.id, loss: 0, correct: 0 };
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

  port.on('message', (msg: ToWorker) => {
    let reply: FromWorker;
    try {
      reply = msg.type === 'grad' ? onGrad(msg) : onUpdate(msg);
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
