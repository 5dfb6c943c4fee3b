/**
 * Training the DeepFace network (DeepFace §3): softmax cross-entropy, SGD with momentum
 * 0.9, the learning rate divided by 10 when the validation error stops improving (down to
 * a floor), dropout on F7, mini-batches, seeded and reproducible, checkpoints that a crash
 * cannot tear, and resume.
 *
 * Momentum SGD is written here with tf ops rather than `tf.train.momentum` so that layers can
 * be frozen (web-scale transfer: C1/C3 pre-loaded and fixed), the learning rate can change
 * on a plateau, and the momentum buffers go into checkpoints.
 */
import { tf } from '@deepface-ts/kernels';
import { createProgress } from '@deepface-ts/progress';
import type { DeepFaceModel } from './model';
import { mulberry32, shuffleInPlace } from '@deepface-ts/random';
import { decodeWeightsFile, encodeWeightsFile } from './weights_file';

// Checkpoints need a file system: load it lazily so the package still imports in a browser.
const fs = () => import('node:fs/promises');
const join = (dir: string, file: string) => `${dir.replace(/[\\/]+$/, '')}/${file}`;

/** Where training examples come from: an in-memory batch or a crop cache on disk. */
export interface ExampleSource {
  readonly count: number;
  /** Network input rows [n, size, size, 3] (see `cropsToBatch`) and labels 0..K−1. */
  load(indices: Int32Array): Promise<{ x: Float32Array; labels: Int32Array }> | { x: Float32Array; labels: Int32Array };
}

/** Examples already in memory (a packed batch and its labels). */
export function inMemoryExamples(x: Float32Array, labels: Int32Array, inputSize: number): ExampleSource {
  const per = inputSize * inputSize * 3;
  if (x.length !== labels.length * per) {
    throw new RangeError(`inMemoryExamples: ${x.length} input values for ${labels.length} labels; expected ${labels.length} × ${inputSize}×${inputSize}×3`);
  }
  return {
    count: labels.length,
    load(indices) {
      const out = new Float32Array(indices.length * per);
      const lab = new Int32Array(indices.length);
      indices.forEach((idx, i) => {
        out.set(x.subarray(idx * per, (idx + 1) * per), i * per);
        lab[i] = labels[idx]!;
      });
      return { x: out, labels: lab };
    },
  };
}

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  momentum?: number;
  /** L2 weight decay added to every weight gradient (not biases). */
  weightDecay?: number;
  /** The rate is divided by 10 when validation accuracy has not improved for `patience` epochs… */
  patience?: number;
  /** …but never below this floor (the paper: 1e-4). */
  minLearningRate?: number;
  seed?: number;
  /**
   * 'momentum' (default): the paper's SGD with momentum. 'adam': Adam (β 0.9 / 0.999) with
   * decoupled weight decay. Adam scales each weight's step by its own gradient history, which
   * matters for locally connected layers: every position has its own weights and sees 1/(oh·ow)
   * of the gradient a shared conv filter would, so one SGD rate is too small for L4–L6 or too
   * large for C1/F8 (see the package README for the measured difference).
   */
  optimizer?: 'momentum' | 'adam';
  /** Ramp the learning rate linearly from 0 over this many epochs' steps (default 0). */
  warmupEpochs?: number;
  /** Training-time augmentation: random horizontal flips and shifts of up to ±`shift` pixels (edge-replicated). */
  augment?: { flip?: boolean; shift?: number };
  /** Layers whose parameters stay fixed, e.g. ['C1', 'C3'] for web-scale transfer. */
  freeze?: readonly string[];
  /** A folder for checkpoints (one per epoch, written atomically). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
  /** Show a progress bar on stderr (default true). */
  progress?: boolean;
  onEpoch?: (stats: EpochStats) => void;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  learningRate: number;
  imagesPerSecond: number;
  seconds: number;
}

interface TrainState {
  epoch: number;
  /** Adam's second moments (absent for momentum SGD). */
  secondMomentFile?: string;
  learningRate: number;
  bestValAccuracy: number;
  epochsSinceBest: number;
  history: EpochStats[];
  weightsFile: string;
  momentumFile: string;
}

function labelsOneHot(labels: Int32Array, classes: number): tf.Tensor2D {
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i]! >= 0 && labels[i]! < classes)) throw new RangeError(`label ${labels[i]} at batch row ${i} is outside 0..${classes - 1}`);
  }
  return tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
}

/** Mean loss and accuracy over a source, without dropout. */
export async function evaluate(model: DeepFaceModel, source: ExampleSource, batchSize = 32): Promise<{ loss: number; accuracy: number }> {
  let loss = 0;
  let correct = 0;
  const size = model.config.inputSize;
  for (let start = 0; start < source.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, source.count - start) }, (_, i) => start + i);
    const { x, labels } = await source.load(idx);
    const [l, c] = tf.tidy(() => {
      const input = tf.tensor4d(x, [idx.length, size, size, 3]);
      const { logits } = model.forward(input);
      const y = labelsOneHot(labels, model.numClasses);
      const lossSum = tf.mul(tf.losses.softmaxCrossEntropy(y, logits), idx.length);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32'));
      return [lossSum.dataSync()[0]!, hits.dataSync()[0]!];
    });
    loss += l;
    correct += c;
  }
  return { loss: loss / source.count, accuracy: correct / source.count };
}

async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const { writeFile, rename } = await fs();
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/**
 * Trains `model` in place. Returns the per-epoch history. With `checkpointDir`, every epoch
 * writes `weights-eN.safetensors`, `momentum-eN.safetensors`, then `state.json` (the commit
 * point, written last, atomically), then removes the previous epoch's files: a crash at any
 * moment leaves a complete earlier checkpoint.
 */
export async function train(model: DeepFaceModel, trainSet: ExampleSource, valSet: ExampleSource | undefined, options: TrainOptions): Promise<EpochStats[]> {
  const {
    epochs,
    batchSize = 32,
    momentum = 0.9,
    weightDecay = 0,
    patience = 1,
    minLearningRate = 1e-4,
    seed = 1,
    freeze = [],
    optimizer = 'momentum',
    warmupEpochs = 0,
    augment,
    checkpointDir,
    resume = false,
    progress = true,
    onEpoch,
  } = options;
  if (!(epochs >= 1)) throw new RangeError(`train: epochs must be ≥ 1, got ${epochs}`);
  if (trainSet.count < 1) throw new RangeError('train: the training set is empty');
  const frozen = new Set(freeze);
  for (const name of frozen) {
    if (!model.config.layers.some((l) => l.name === name)) throw new RangeError(`train: cannot freeze ${name}: ${model.config.name} has no such layer`);
  }
  const trainable = [...model.params.entries()].filter(([name]) => !frozen.has(name.split('.')[0]!));
  const trainableVars = trainable.map(([, v]) => v);
  if (optimizer !== 'momentum' && optimizer !== 'adam') throw new RangeError(`train: optimizer must be 'momentum' or 'adam', got ${JSON.stringify(optimizer)}`);
  if (!(warmupEpochs >= 0)) throw new RangeError(`train: warmupEpochs must be ≥ 0, got ${warmupEpochs}`);
  const shift = augment?.shift ?? 0;
  if (!(Number.isInteger(shift) && shift >= 0)) throw new RangeError(`train: augment.shift must be an integer ≥ 0, got ${shift}`);
  // Momentum SGD: velocity. Adam: first moments here, second moments in `secondMoment`.
  const velocity = new Map<string, tf.Variable>(trainable.map(([name, v]) => [name, tf.variable(tf.zerosLike(v), false)]));
  const secondMoment = new Map<string, tf.Variable>(optimizer === 'adam' ? trainable.map(([name, v]) => [name, tf.variable(tf.zerosLike(v), false)]) : []);

  let state: TrainState = {
    epoch: 0,
    learningRate: options.learningRate ?? 0.01,
    bestValAccuracy: -Infinity,
    epochsSinceBest: 0,
    history: [],
    weightsFile: '',
    momentumFile: '',
  };
  if (checkpointDir && resume) {
    const restored = await readCheckpoint(checkpointDir);
    if (restored) {
      const { readFile } = await fs();
      const weights = decodeWeightsFile(await readFile(join(checkpointDir, restored.weightsFile)), restored.weightsFile);
      const moments = decodeWeightsFile(await readFile(join(checkpointDir, restored.momentumFile)), restored.momentumFile);
      if (JSON.stringify(weights.config) !== JSON.stringify(model.config)) {
        throw new Error(`${checkpointDir}: checkpoint is for ${weights.config.name}, the model is ${model.config.name}`);
      }
      for (const [name, v] of model.params) v.assign(tf.tensor(weights.tensors.get(name)!, v.shape));
      for (const [name, v] of velocity) v.assign(tf.tensor(moments.tensors.get(name)!, v.shape));
      if (optimizer === 'adam') {
        if (!restored.secondMomentFile) throw new Error(`${checkpointDir}: checkpoint was written by momentum SGD, cannot resume it with Adam`);
        const second = decodeWeightsFile(await readFile(join(checkpointDir, restored.secondMomentFile)), restored.secondMomentFile);
        for (const [name, v] of secondMoment) v.assign(tf.tensor(second.tensors.get(name)!, v.shape));
      } else if (restored.secondMomentFile) {
        throw new Error(`${checkpointDir}: checkpoint was written by Adam, cannot resume it with momentum SGD`);
      }
      state = restored;
    }
  }
  if (checkpointDir) await (await fs()).mkdir(checkpointDir, { recursive: true });

  const size = model.config.inputSize;
  const stepsPerEpoch = Math.ceil(trainSet.count / batchSize);
  let step = state.epoch * stepsPerEpoch;
  for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
    const order = Int32Array.from({ length: trainSet.count }, (_, i) => i);
    shuffleInPlace(order, mulberry32(seed * 7919 + epoch)); // per-epoch seed: resume reproduces the same order
    const bar = createProgress({ label: `epoch ${epoch}/${epochs}`, total: trainSet.count, unit: 'img', silent: !progress });
    const started = performance.now();
    let lossSum = 0;
    let hits = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.subarray(start, Math.min(start + batchSize, order.length));
      const { x, labels } = await trainSet.load(idx);
      if (augment && (augment.flip || shift > 0)) augmentBatch(x, idx.length, size, augment.flip ?? false, shift, mulberry32(seed * 2_000_003 + step));
      const warm = warmupEpochs > 0 ? Math.min(1, (step + 1) / (warmupEpochs * stepsPerEpoch)) : 1;
      const lr = state.learningRate * warm;
      const t = step + 1; // Adam's bias-correction step
      const dropoutSeed = seed * 1_000_003 + step++;
      const [loss, correct] = tf.tidy(() => {
        const { loss: value, correct: c, grads } = batchGradients(model, trainableVars, x, labels, dropoutSeed);
        const step: OptimizerStep = { optimizer, learningRate: lr, t, momentum, weightDecay };
        for (const [name, w] of trainable) applyOptimizerStep(name, w, grads[w.name]!, velocity.get(name)!, secondMoment.get(name), step);
        return [value.dataSync()[0]!, c.dataSync()[0]!];
      });
      if (!Number.isFinite(loss)) throw new Error(`train: loss became ${loss} at epoch ${epoch}, step ${step}: lower the learning rate (now ${lr})`);
      lossSum += loss * idx.length;
      hits += correct;
      bar.tick(idx.length, `loss ${(lossSum / (start + idx.length)).toFixed(3)} acc ${(hits / (start + idx.length)).toFixed(3)} lr ${Number(lr.toPrecision(3))}`);
    }
    const seconds = (performance.now() - started) / 1000;
    bar.done();
    const stats: EpochStats = {
      epoch,
      trainLoss: lossSum / trainSet.count,
      trainAccuracy: hits / trainSet.count,
      learningRate: state.learningRate,
      imagesPerSecond: trainSet.count / seconds,
      seconds,
    };
    if (valSet && valSet.count > 0) {
      const v = await evaluate(model, valSet, batchSize);
      stats.valLoss = v.loss;
      stats.valAccuracy = v.accuracy;
      if (v.accuracy > state.bestValAccuracy) {
        state.bestValAccuracy = v.accuracy;
        state.epochsSinceBest = 0;
      } else if (++state.epochsSinceBest >= patience && state.learningRate / 10 >= minLearningRate * 0.999) {
        state.learningRate /= 10; // plateau: divide by 10 (DeepFace §3)
        state.epochsSinceBest = 0;
      }
    }
    state.history.push(stats);
    state.epoch = epoch;
    if (checkpointDir) state = await writeCheckpoint(checkpointDir, model, velocity, optimizer === 'adam' ? secondMoment : undefined, state);
    onEpoch?.(stats);
  }
  for (const v of velocity.values()) v.dispose();
  for (const v of secondMoment.values()) v.dispose();
  return state.history;
}

async function readCheckpoint(dir: string): Promise<TrainState | undefined> {
  const { readFile } = await fs();
  let text: string;
  try {
    text = await readFile(join(dir, 'state.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as TrainState;
  } catch (e) {
    throw new Error(`${join(dir, 'state.json')}: not valid JSON (${(e as Error).message})`);
  }
}

async function writeCheckpoint(
  dir: string,
  model: DeepFaceModel,
  velocity: Map<string, tf.Variable>,
  secondMoment: Map<string, tf.Variable> | undefined,
  state: TrainState,
): Promise<TrainState> {
  const previous = [state.weightsFile, state.momentumFile, state.secondMomentFile].filter((f): f is string => !!f);
  const weightsFile = `weights-e${state.epoch}.safetensors`;
  const momentumFile = `momentum-e${state.epoch}.safetensors`;
  const secondMomentFile = secondMoment ? `moment2-e${state.epoch}.safetensors` : undefined;
  const stateTensors = (buffers: Map<string, tf.Variable>) => {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of model.params) out.set(name, buffers.has(name) ? (buffers.get(name)!.dataSync() as Float32Array) : new Float32Array(v.size));
    return encodeWeightsFile({ config: model.config, tensors: out });
  };
  await writeAtomic(join(dir, weightsFile), encodeWeightsFile(model.toWeights({ epoch: String(state.epoch) })));
  await writeAtomic(join(dir, momentumFile), stateTensors(velocity));
  if (secondMoment && secondMomentFile) await writeAtomic(join(dir, secondMomentFile), stateTensors(secondMoment));
  const next: TrainState = { ...state, weightsFile, momentumFile, secondMomentFile };
  await writeAtomic(join(dir, 'state.json'), JSON.stringify(next, null, 2));
  const { rm } = await fs();
  const current = new Set([weightsFile, momentumFile, secondMomentFile]);
  for (const f of previous) if (!current.has(f)) await rm(join(dir, f), { force: true });
  return next;
}

/**
 * The mean softmax cross-entropy of one batch (or one shard of it) under F7 dropout, the
 * number of rows the network gets right, and the loss's gradients with respect to `params`
 * (keyed by variable name, `grads[v.name]`). `x` holds the rows [labels.length, size, size, 3].
 * The loss is a mean over rows, so shard gradients weighted by shard size sum to the
 * full-batch gradient (what `createDataParallelTrainer` relies on). Call inside `tf.tidy`.
 */
export function batchGradients(
  model: DeepFaceModel,
  params: readonly tf.Variable[],
  x: Float32Array,
  labels: Int32Array,
  dropoutSeed: number,
): { loss: tf.Scalar; correct: tf.Scalar; grads: tf.NamedTensorMap } {
  const size = model.config.inputSize;
  const n = labels.length;
  if (x.length !== n * size * size * 3) {
    throw new RangeError(`batch shape: ${x.length} input values for ${n} labels; expected ${n} × ${size}×${size}×3 = ${n * size * size * 3}`);
  }
  const input = tf.tensor4d(x, [n, size, size, 3]);
  const y = labelsOneHot(labels, model.numClasses);
  let predicted: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = model.forward(input, { training: true, dropoutSeed });
    // variableGrads disposes everything but the loss: keep the predictions for accuracy.
    predicted = tf.keep(tf.argMax(logits, 1));
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  }, [...params]);
  const correct = tf.sum(tf.cast(tf.equal(predicted!, tf.tensor1d(labels, 'int32')), 'float32')) as tf.Scalar;
  predicted!.dispose();
  return { loss: value, correct, grads };
}

/** The hyper-parameters of one optimizer step (see `applyOptimizerStep`). */
export interface OptimizerStep {
  optimizer: 'momentum' | 'adam';
  learningRate: number;
  /** The 1-based step count (Adam's bias correction). */
  t: number;
  /** Momentum SGD's momentum (ignored by Adam). */
  momentum: number;
  /** L2 (SGD) or decoupled (Adam) weight decay, applied to `*.weight` parameters only. */
  weightDecay: number;
}

/**
 * One optimizer step on one parameter `w` (named like the weights file) with gradient `g`:
 * momentum SGD updates `velocity` then `w`; Adam its first (`velocity`) and second
 * (`secondMoment`) moments then `w`. Purely element-wise, so it gives the same values on a
 * slice of a parameter as on the whole (data-parallel training shards the step this way).
 * Call inside `tf.tidy`.
 */
export function applyOptimizerStep(name: string, w: tf.Variable, g: tf.Tensor, velocity: tf.Variable, secondMoment: tf.Variable | undefined, step: OptimizerStep): void {
  const { optimizer, learningRate: lr, t, momentum, weightDecay } = step;
  const decays = weightDecay > 0 && name.endsWith('.weight');
  if (optimizer === 'adam') {
    if (!secondMoment) throw new Error(`applyOptimizerStep: Adam needs a second-moment buffer for ${name}`);
    const m = velocity;
    const s2 = secondMoment;
    m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
    s2.assign(tf.add(tf.mul(s2, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
    const stepSize = (lr * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t);
    let update = tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(s2), ADAM_EPSILON));
    if (decays) update = tf.add(update, tf.mul(w, lr * weightDecay)); // decoupled (AdamW)
    w.assign(tf.sub(w, update));
  } else {
    if (decays) g = tf.add(g, tf.mul(w, weightDecay));
    const v = velocity;
    v.assign(tf.sub(tf.mul(v, momentum), tf.mul(g, lr)));
    w.assign(tf.add(w, v));
  }
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/**
 * In-place augmentation of an NHWC batch: each image is flipped left–right with probability
 * ½ (a frontalized face is nearly symmetric, so a flip is a new plausible view) and shifted by
 * a random integer offset in [−shift, shift]² with edge replication (alignment jitter).
 */
export function augmentBatch(x: Float32Array, count: number, size: number, flip: boolean, shift: number, rng: { next(): number }): void {
  const per = size * size * 3;
  if (x.length < count * per) throw new RangeError(`augmentBatch: ${x.length} values cannot hold ${count} images of ${size}×${size}×3`);
  const src = new Float32Array(per);
  for (let b = 0; b < count; b++) {
    const mirror = flip && rng.next() < 0.5;
    const dx = shift > 0 ? Math.floor(rng.next() * (2 * shift + 1)) - shift : 0;
    const dy = shift > 0 ? Math.floor(rng.next() * (2 * shift + 1)) - shift : 0;
    if (!mirror && dx === 0 && dy === 0) continue;
    const img = x.subarray(b * per, (b + 1) * per);
    src.set(img);
    for (let y = 0; y < size; y++) {
      const sy = Math.min(size - 1, Math.max(0, y - dy));
      for (let xx = 0; xx < size; xx++) {
        let sx = Math.min(size - 1, Math.max(0, xx - dx));
        if (mirror) sx = size - 1 - sx;
        const o = (y * size + xx) * 3;
        const i = (sy * size + sx) * 3;
        img[o] = src[i]!;
        img[o + 1] = src[i + 1]!;
        img[o + 2] = src[i + 2]!;
      }
    }
  }
}
