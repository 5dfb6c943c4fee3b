/**
 * Distillation epochs over a teacher cache (`teacher-cache.ts`), on data-parallel workers
 * (`@deepface-ts/network`'s createDataParallelTrainer in distill mode): each epoch takes one
 * of every training image's K views at random, shuffles, and steps on mini-batches of
 * (student crop, teacher descriptor, identity). The rate follows a cosine from `learningRate`
 * to `minLearningRate` over the planned epochs, after a linear warm-up over the first
 * `warmupSteps`. After every epoch the held-out images' view 0 is scored (mean cosine between
 * the student's projected descriptor and the teacher's; identity accuracy when the identity
 * term is on), and a checkpoint is written: weights with the projection, the optimizer's
 * moments and the loop's state, so `resume` continues exactly where it stopped.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '@deepface-ts/kernels';
import {
  createDataParallelTrainer,
  cropToInput,
  decodeWeightsFile,
  DeepFaceModel,
  DistillProjection,
  encodeWeightsFile,
  readWeightsFileBytes,
  type DistillWeights,
  type NetworkConfig,
  representationSize,
  type RegressionKind,
  type WeightsContent,
} from '@deepface-ts/network';
import { writeFileAtomic } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import { mixSeed, mulberry32, shuffleInPlace } from '@deepface-ts/random';
import { entryPixels, entryTarget, type TeacherCache } from './teacher-cache';

export interface DistillSample {
  /** Entries (indices into the cache) of one image's views. */
  views: number[];
  /** Class index, or −1 when unknown. */
  label: number;
}

export interface DistillTrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  minLearningRate: number;
  warmupSteps: number;
  weightDecay: number;
  loss: Partial<DistillWeights>;
  kind: RegressionKind;
  workers: number;
  seed: number;
  /** Flip the student crop left–right with probability ½ (the teacher's descriptor is nearly flip-invariant). */
  flip: boolean;
  checkpointDir: string;
  resume: boolean;
  /**
   * Stop after this epoch (checkpoint written) although `epochs` are planned: the rate schedule
   * stays the plan's, so a later `resume` ends exactly where an uninterrupted run would.
   */
  stopAfter?: number;
  /** Projection output bias (default true). */
  projectionBias?: boolean;
  progress?: boolean;
  onEpoch?: (s: DistillEpochStats) => void;
}

export interface DistillEpochStats {
  epoch: number;
  learningRate: number;
  loss: number;
  regression: number;
  pairwise: number;
  identity: number;
  /** Held-out view 0: mean cos(student projection, teacher). */
  valCosine: number;
  /** Held-out identity accuracy (NaN when the identity term is off). */
  valAccuracy: number;
  imagesPerSecond: number;
  seconds: number;
}

interface LoopState {
  epoch: number;
  steps: number;
  history: DistillEpochStats[];
  seed: number;
  epochs: number;
}

export class DistillTrainError extends Error {
  override readonly name = 'DistillTrainError';
}

/** The rate at a step: linear warm-up, then a cosine from `lr` to `min` over `total` steps. */
export function cosineRate(step: number, total: number, lr: number, min: number, warmup: number): number {
  if (warmup > 0 && step < warmup) return (lr * (step + 1)) / warmup;
  const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
}

/** Packs the student crops of `entries` as network input (optionally flipped per row) and their teacher descriptors. */
export function packBatch(cache: TeacherCache, config: NetworkConfig, entries: readonly number[], flips?: readonly boolean[]): { x: Float32Array; teacher: Float32Array } {
  const size = config.inputSize;
  if (cache.size !== size) throw new DistillTrainError(`the teacher cache holds ${cache.size}×${cache.size} crops, ${config.name} takes ${size}×${size}`);
  const per = size * size * 3;
  const x = new Float32Array(entries.length * per);
  const teacher = new Float32Array(entries.length * cache.teacherDim);
  const flipped = new Uint8Array(per);
  entries.forEach((e, i) => {
    let data = entryPixels(cache, e);
    if (flips?.[i]) {
      for (let y = 0; y < size; y++) {
        for (let xx = 0; xx < size; xx++) {
          const s = (y * size + xx) * 3;
          const d = (y * size + size - 1 - xx) * 3;
          flipped[d] = data[s]!;
          flipped[d + 1] = data[s + 1]!;
          flipped[d + 2] = data[s + 2]!;
        }
      }
      data = flipped;
    }
    cropToInput({ width: size, height: size, channels: 3, data }, size, config.inputMode, x, i * per, cache.entries[e]!.path);
    teacher.set(entryTarget(cache, e), i * cache.teacherDim);
  });
  return { x, teacher };
}

/** Held-out scores: view 0 of each sample, in batches, with the current weights. */
export async function scoreHeldOut(content: WeightsContent, cache: TeacherCache, samples: readonly DistillSample[], batchSize: number, identity: boolean): Promise<{ cosine: number; accuracy: number }> {
  if (samples.length === 0) return { cosine: NaN, accuracy: NaN };
  const model = DeepFaceModel.fromWeights(content);
  const projection = DistillProjection.fromWeights(content.projection);
  let cosSum = 0;
  let correct = 0;
  try {
    for (let start = 0; start < samples.length; start += batchSize) {
      const batch = samples.slice(start, start + batchSize);
      const entries = batch.map((s) => s.views.find((e) => cache.entries[e]!.view === 0) ?? s.views[0]!);
      const { x, teacher } = packBatch(cache, model.config, entries);
      const size = model.config.inputSize;
      const [cos, predicted] = tf.tidy(() => {
        const { f7, logits } = model.forward(tf.tensor4d(x, [batch.length, size, size, 3]), { training: false });
        const s = projection.embed(f7 as tf.Tensor2D);
        const t = tf.tensor2d(teacher, [batch.length, cache.teacherDim]);
        return [tf.sum(tf.mul(s, t), 1).dataSync() as Float32Array, logits ? (tf.argMax(logits, 1).dataSync() as Int32Array) : undefined];
      });
      batch.forEach((s, i) => {
        cosSum += cos[i]!;
        if (predicted && predicted[i] === s.label) correct++;
      });
    }
  } finally {
    model.dispose();
    projection.dispose();
  }
  return { cosine: cosSum / samples.length, accuracy: identity ? correct / samples.length : NaN };
}

const STATE = 'state.json';
const WEIGHTS = 'weights.safetensors';
const MOMENTS = 'moments.bin';

/** Reads a checkpoint; every field is checked, and a bad one is an error naming the file. */
async function readCheckpoint(dir: string): Promise<{ state: LoopState; weights: WeightsContent; moments: { steps: number; first: Float32Array; second?: Float32Array } }> {
  const statePath = join(dir, STATE);
  let state: LoopState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as LoopState;
  } catch (e) {
    throw new DistillTrainError(`${statePath}: unreadable checkpoint state (${(e as Error).message})`);
  }
  for (const key of ['epoch', 'steps', 'seed', 'epochs'] as const) {
    if (!Number.isInteger(state[key]) || state[key] < 0) throw new DistillTrainError(`${statePath}: "${key}" must be a whole number ≥ 0, got ${JSON.stringify(state[key])}`);
  }
  if (!Array.isArray(state.history) || state.history.length !== state.epoch) throw new DistillTrainError(`${statePath}: "history" must list ${state.epoch} epochs`);
  const weights = decodeWeightsFile(await readWeightsFileBytes(join(dir, WEIGHTS)), join(dir, WEIGHTS));
  const raw = readFileSync(join(dir, MOMENTS));
  const n = raw.readUInt32LE(0);
  const hasSecond = raw.readUInt32LE(4) === 1;
  if (raw.length !== 8 + n * 4 * (hasSecond ? 2 : 1)) throw new DistillTrainError(`${join(dir, MOMENTS)}: ${raw.length} bytes, expected ${8 + n * 4 * (hasSecond ? 2 : 1)} for ${n} moments`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset + 8, raw.byteOffset + raw.length));
  return { state, weights, moments: { steps: state.steps, first: all.subarray(0, n), second: hasSecond ? all.subarray(n) : undefined } };
}

async function writeCheckpoint(dir: string, state: LoopState, weights: WeightsContent, moments: { first: Float32Array; second?: Float32Array }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // Weights and moments first, the state last: a state file always names files that are complete.
  await writeFileAtomic(join(dir, WEIGHTS), encodeWeightsFile(weights, 'float32'));
  const head = Buffer.alloc(8);
  head.writeUInt32LE(moments.first.length, 0);
  head.writeUInt32LE(moments.second ? 1 : 0, 4);
  const body = [head, Buffer.from(moments.first.buffer, moments.first.byteOffset, moments.first.byteLength)];
  if (moments.second) body.push(Buffer.from(moments.second.buffer, moments.second.byteOffset, moments.second.byteLength));
  await writeFileAtomic(join(dir, MOMENTS), Buffer.concat(body));
  await writeFileAtomic(join(dir, STATE), JSON.stringify(state, null, 1));
}

/**
 * Trains `config` by distillation. Returns the final weights (with the projection) and the
 * per-epoch history. Resuming needs the same samples, seed and batch size.
 */
export async function trainDistilled(config: NetworkConfig, cache: TeacherCache, train: readonly DistillSample[], val: readonly DistillSample[], options: DistillTrainOptions): Promise<{ weights: WeightsContent; history: DistillEpochStats[] }> {
  const { epochs, batchSize, seed, checkpointDir } = options;
  if (train.length < batchSize) throw new DistillTrainError(`${train.length} training images, fewer than one batch of ${batchSize}`);
  let state: LoopState = { epoch: 0, steps: 0, history: [], seed, epochs };
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new DistillTrainError(`epochs must be a whole number ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new DistillTrainError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  let initial: WeightsContent | undefined;
  let optimizerState: { steps: number; first: Float32Array; second?: Float32Array } | undefined;
  if (options.resume && existsSync(join(checkpointDir, STATE))) {
    const c = await readCheckpoint(checkpointDir);
    if (c.state.seed !== seed) throw new DistillTrainError(`${join(checkpointDir, STATE)}: the checkpoint was trained with seed ${c.state.seed}, not ${seed}`);
    state = { ...c.state, epochs };
    initial = c.weights;
    optimizerState = c.moments;
  }
  const representation = representationSize(config);
  const projection = initial?.projection ?? (() => {
    const p = DistillProjection.create(representation, { outputSize: cache.teacherDim, bias: options.projectionBias ?? true, seed });
    const w = p.toWeights();
    p.dispose();
    return w;
  })();
  const trainer = await createDataParallelTrainer(config, {
    workers: options.workers,
    weights: initial,
    seed,
    optimizer: 'adam',
    learningRate: options.learningRate,
    weightDecay: options.weightDecay,
    distill: { projection, weights: options.loss, kind: options.kind },
    optimizerState,
  });
  const stepsPerEpoch = Math.floor(train.length / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const identity = (options.loss.identity ?? 0) > 0;
  try {
    const last = Math.min(epochs, options.stopAfter ?? epochs);
    for (let epoch = state.epoch; epoch < last; epoch++) {
      const rng = mulberry32(mixSeed(seed, epoch, 0x5eed));
      const order = shuffleInPlace(Int32Array.from({ length: train.length }, (_, i) => i), rng);
      const bar = createProgress({ label: `epoch ${epoch + 1}/${epochs}`, total: stepsPerEpoch * batchSize, unit: 'img', silent: options.progress === false });
      const sums = { loss: 0, regression: 0, pairwise: 0, identity: 0 };
      const started = performance.now();
      let lr = options.learningRate;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const rows = Array.from(order.subarray(s * batchSize, (s + 1) * batchSize));
        const entries = rows.map((r) => train[r]!.views[rng.int(train[r]!.views.length)]!);
        const flips = rows.map(() => options.flip && rng.next() < 0.5);
        const { x, teacher } = packBatch(cache, config, entries, flips);
        const labels = Int32Array.from(rows, (r) => train[r]!.label);
        lr = cosineRate(state.steps, totalSteps, options.learningRate, options.minLearningRate, options.warmupSteps);
        const r = await trainer.step({ x, labels, teacher }, { learningRate: lr });
        state.steps++;
        sums.loss += r.loss;
        sums.regression += r.terms?.regression ?? 0;
        sums.pairwise += r.terms?.pairwise ?? 0;
        sums.identity += r.terms?.identity ?? 0;
        bar.tick(batchSize, `loss ${(sums.loss / (s + 1)).toFixed(4)} (reg ${(sums.regression / (s + 1)).toFixed(4)}${identity ? `, id ${(sums.identity / (s + 1)).toFixed(3)}` : ''}) lr ${lr.toPrecision(3)}`);
      }
      const seconds = (performance.now() - started) / 1000;
      bar.done();
      const weights = await trainer.weights();
      const scores = await scoreHeldOut(weights, cache, val, 64, identity);
      const stats: DistillEpochStats = {
        epoch: epoch + 1,
        learningRate: lr,
        loss: sums.loss / stepsPerEpoch,
        regression: sums.regression / stepsPerEpoch,
        pairwise: sums.pairwise / stepsPerEpoch,
        identity: sums.identity / stepsPerEpoch,
        valCosine: scores.cosine,
        valAccuracy: scores.accuracy,
        imagesPerSecond: (stepsPerEpoch * batchSize) / seconds,
        seconds,
      };
      state = { ...state, epoch: epoch + 1, history: [...state.history, stats] };
      await writeCheckpoint(checkpointDir, state, weights, await trainer.optimizerState());
      options.onEpoch?.(stats);
    }
    return { weights: await trainer.weights(), history: state.history };
  } finally {
    await trainer.close();
  }
}
