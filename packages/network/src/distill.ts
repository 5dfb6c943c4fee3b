/**
 * Embedding distillation: a teacher's descriptors (dlib's ResNet, 128-D, unit norm) taught to
 * the DeepFace network (the student) through a learnable projection of its F7 representation.
 *
 *   s = P·f7 (+ b)        the student's descriptor, P: F7 → 128, part of the student's weights
 *   ŝ = s / ‖s‖, t̂ = t / ‖t‖
 *
 * Losses on a batch (tf ops, differentiable):
 *   regression 'cosine' (default)   mean_i (1 − ŝᵢ·t̂ᵢ)
 *   regression 'mse'                mean_i ‖ŝᵢ − t̂ᵢ‖²           (= 2 × the cosine form)
 *   pairwise                        mean_{i<j} (ŝᵢ·ŝⱼ − t̂ᵢ·t̂ⱼ)²  (the teacher's similarities)
 *   identity                        F8 softmax cross-entropy over rows with a label ≥ 0
 *
 * `distillStep` is one Adam step on a batch, in the style of `train()` (`tf.variableGrads`
 * over the trainable variables, Adam with bias correction and decoupled weight decay).
 *
 * The projection is stored in the model's weights file as two optional tensors,
 * `distill.projection.weight` [F7, 128] and `distill.projection.bias` [128], after the
 * network's tensors and covered by the same CRC; `encodeDistilledWeightsFile` /
 * `decodeDistilledWeightsFile` write and read them (and check their shapes against the
 * config), everything else is `encodeWeightsFile` / `decodeWeightsFile`'s validation.
 */
import { tf } from '@deepface-ts/kernels';
import { crc32 } from '@deepface-ts/crc32';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import { representationSize, type NetworkConfig } from './config';
import { decodeFloat16, encodeFloat16 } from './float16';
import type { DeepFaceModel } from './model';
import { decodeWeightsFile, encodeWeightsFile, WeightsFileError, type WeightsContent, type WeightsDtype } from './weights_file';

/** dlib's ResNet descriptor width: the default teacher. */
export const TEACHER_DESCRIPTOR_SIZE = 128;
/** Weights-file name of the projection matrix, [F7, outputSize]. */
export const PROJECTION_WEIGHT = 'distill.projection.weight';
/** Weights-file name of the projection bias, [outputSize] (optional). */
export const PROJECTION_BIAS = 'distill.projection.bias';

/** Guards ‖v‖ = 0 in the normalisations: v / √(‖v‖² + ε). */
export const NORMALISE_EPSILON = 1e-12;

export class DistillError extends Error {
  override readonly name = 'DistillError';
}

// ---------------------------------------------------------------------------------------
// The projection head
// ---------------------------------------------------------------------------------------

/** The projection's tensors (what `project` and the losses need). */
export interface ProjectionParams {
  /** [F7, outputSize]: s = f7 · weight (+ bias), the layout of the dense layers. */
  readonly weight: tf.Tensor;
  readonly bias?: tf.Tensor;
}

/** The projection as plain arrays (what the weights file stores). */
export interface ProjectionWeights {
  inputSize: number;
  outputSize: number;
  /** Row-major [inputSize, outputSize]. */
  weight: Float32Array;
  bias?: Float32Array;
}

export interface ProjectionOptions {
  /** Output width (default 128, dlib's descriptor). */
  outputSize?: number;
  /** With a bias (default true; initialised to 0). */
  bias?: boolean;
  /** Seed of the weight initialisation (default 1). */
  seed?: number;
}

/** s = f7 · weight (+ bias): [B, F7] → [B, outputSize]. */
export function project(f7: tf.Tensor2D, projection: ProjectionParams): tf.Tensor2D {
  const { weight, bias } = projection;
  if (f7.rank !== 2 || weight.rank !== 2 || f7.shape[1] !== weight.shape[0]) {
    throw new DistillError(`project: F7 [${f7.shape.join(', ')}] does not fit the projection [${weight.shape.join(', ')}]`);
  }
  const s = tf.matMul(f7, weight as tf.Tensor2D);
  return (bias ? tf.add(s, bias) : s) as tf.Tensor2D;
}

/** Rows divided by their L2 norm (√(‖v‖² + ε), so a zero row stays finite). */
export function normaliseRows(v: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(v, tf.rsqrt(tf.add(tf.sum(tf.square(v), 1, true), NORMALISE_EPSILON))) as tf.Tensor2D;
}

/**
 * The learnable linear map P: F7 → `outputSize` (with an optional bias), as tf.Variables.
 * Weights N(0, 1/F7) from `@deepface-ts/random` (deterministic for a seed), bias 0.
 */
export class DistillProjection implements ProjectionParams {
  private constructor(
    readonly weight: tf.Variable,
    readonly bias: tf.Variable | undefined,
  ) {}

  get inputSize(): number {
    return this.weight.shape[0]!;
  }

  get outputSize(): number {
    return this.weight.shape[1]!;
  }

  /** A fresh projection from `inputSize` (the student's F7 width) to `outputSize`. */
  static create(inputSize: number, options: ProjectionOptions = {}): DistillProjection {
    const { outputSize = TEACHER_DESCRIPTOR_SIZE, bias = true, seed = 1 } = options;
    for (const [key, v] of Object.entries({ inputSize, outputSize })) {
      if (!Number.isInteger(v) || v <= 0) throw new DistillError(`DistillProjection.create: ${key} must be a positive integer, got ${v}`);
    }
    const rng = mulberry32(seed);
    const std = 1 / Math.sqrt(inputSize);
    const weight = new Float32Array(inputSize * outputSize);
    for (let i = 0; i < weight.length; i++) weight[i] = gaussian(rng) * std;
    return DistillProjection.fromWeights({ inputSize, outputSize, weight, bias: bias ? new Float32Array(outputSize) : undefined });
  }

  /** A fresh projection for `model`'s F7 (`representationSize`). */
  static forModel(model: DeepFaceModel, options: ProjectionOptions = {}): DistillProjection {
    return DistillProjection.create(model.representationSize, options);
  }

  /** From stored values (see `decodeDistilledWeightsFile`). */
  static fromWeights(p: ProjectionWeights): DistillProjection {
    checkProjectionWeights(p, 'DistillProjection.fromWeights');
    const weight = tf.variable(tf.tensor2d(p.weight, [p.inputSize, p.outputSize], 'float32'), true);
    const bias = p.bias ? tf.variable(tf.tensor1d(p.bias, 'float32'), true) : undefined;
    return new DistillProjection(weight, bias);
  }

  /** The student's descriptors before normalisation, s = P·f7 (+ b). */
  apply(f7: tf.Tensor2D): tf.Tensor2D {
    return project(f7, this);
  }

  /** The student's unit-norm descriptors ŝ, comparable with the teacher's. */
  embed(f7: tf.Tensor2D): tf.Tensor2D {
    return normaliseRows(project(f7, this));
  }

  /** The variables by weights-file name. */
  variables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>([[PROJECTION_WEIGHT, this.weight]]);
    if (this.bias) out.set(PROJECTION_BIAS, this.bias);
    return out;
  }

  toWeights(): ProjectionWeights {
    return {
      inputSize: this.inputSize,
      outputSize: this.outputSize,
      weight: this.weight.dataSync() as Float32Array,
      bias: this.bias ? (this.bias.dataSync() as Float32Array) : undefined,
    };
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}

function checkProjectionWeights(p: ProjectionWeights, where: string): void {
  if (!Number.isInteger(p.inputSize) || p.inputSize <= 0 || !Number.isInteger(p.outputSize) || p.outputSize <= 0) {
    throw new DistillError(`${where}: inputSize and outputSize must be positive integers, got ${p.inputSize} and ${p.outputSize}`);
  }
  if (p.weight.length !== p.inputSize * p.outputSize) {
    throw new DistillError(`${where}: ${PROJECTION_WEIGHT} has ${p.weight.length} values, expected [${p.inputSize}, ${p.outputSize}] = ${p.inputSize * p.outputSize}`);
  }
  if (p.bias && p.bias.length !== p.outputSize) {
    throw new DistillError(`${where}: ${PROJECTION_BIAS} has ${p.bias.length} values, expected [${p.outputSize}]`);
  }
}

// ---------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------

/** How the regression term compares ŝ with t̂. */
export type RegressionKind = 'cosine' | 'mse';

export interface DistillWeights {
  regression: number;
  pairwise: number;
  identity: number;
}

/** Plain embedding regression; the pairwise and identity terms are opt-in. */
export const DEFAULT_DISTILL_WEIGHTS: Readonly<DistillWeights> = Object.freeze({ regression: 1, pairwise: 0, identity: 0 });

function checkPair(student: tf.Tensor2D, teacher: tf.Tensor2D, where: string): void {
  if (student.rank !== 2 || teacher.rank !== 2 || student.shape[0] !== teacher.shape[0] || student.shape[1] !== teacher.shape[1]) {
    throw new DistillError(`${where}: student [${student.shape.join(', ')}] and teacher [${teacher.shape.join(', ')}] must both be [batch, ${teacher.shape[1] ?? 'D'}]`);
  }
}

/**
 * Regression of the student's descriptors s (before normalisation, [B, D]) on the teacher's t:
 * 'cosine' mean_i (1 − cos(sᵢ, tᵢ)) in [0, 2]; 'mse' mean_i ‖ŝᵢ − t̂ᵢ‖² in [0, 4].
 */
export function regressionLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, kind: RegressionKind = 'cosine'): tf.Scalar {
  checkPair(student, teacher, 'regressionLoss');
  if (kind !== 'cosine' && kind !== 'mse') throw new DistillError(`regressionLoss: kind must be 'cosine' or 'mse', got ${JSON.stringify(kind)}`);
  return tf.tidy(() => {
    const s = normaliseRows(student);
    const t = normaliseRows(teacher);
    if (kind === 'mse') return tf.mean(tf.sum(tf.square(tf.sub(s, t)), 1)) as tf.Scalar;
    return tf.mean(tf.sub(1, tf.sum(tf.mul(s, t), 1))) as tf.Scalar;
  });
}

/** The strict upper triangle of a [n, n] matrix as a constant 0/1 mask. */
function upperTriangle(n: number): tf.Tensor2D {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = 1;
  return tf.tensor2d(m, [n, n]);
}

/**
 * Keeps the teacher's similarity structure within the batch:
 * mean over pairs i < j of (cos(sᵢ, sⱼ) − cos(tᵢ, tⱼ))²; 0 for a batch of one.
 */
export function pairwiseLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  checkPair(student, teacher, 'pairwiseLoss');
  const n = student.shape[0];
  return tf.tidy(() => {
    if (n < 2) return tf.mul(tf.sum(student), 0) as tf.Scalar; // no pairs (still connected to the graph)
    const s = normaliseRows(student);
    const t = normaliseRows(teacher);
    const diff = tf.sub(tf.matMul(s, s, false, true), tf.matMul(t, t, false, true));
    return tf.div(tf.sum(tf.mul(tf.square(diff), upperTriangle(n))), (n * (n - 1)) / 2) as tf.Scalar;
  });
}

/**
 * Softmax cross-entropy over F8 (the loss `train()` uses), averaged over the rows with a
 * label ≥ 0; rows labelled −1 (no identity known) contribute nothing; 0 when none is labelled.
 */
export function identityLoss(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
  const [n, k] = logits.shape;
  if (logits.rank !== 2 || labels.length !== n) throw new DistillError(`identityLoss: ${labels.length} labels for logits [${logits.shape.join(', ')}]`);
  const oneHot = new Float32Array(n * k);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y === -1) continue;
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new DistillError(`identityLoss: label ${y} at batch row ${i} is outside −1 (none), 0..${k - 1}`);
    oneHot[i * k + y] = 1;
    labelled++;
  }
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(oneHot, [n, k])));
    return tf.div(tf.sub(0, picked), Math.max(labelled, 1)) as tf.Scalar; // 0 − x: +0 when nothing is labelled
  });
}

export interface DistillInputs {
  /** The student's F7, [B, F7]. */
  f7: tf.Tensor2D;
  /** The student's F8 logits, [B, K] (needed for the identity term). */
  logits?: tf.Tensor2D;
  /** The teacher's descriptors, [B, D] (normalised here; dlib's already are). */
  teacher: tf.Tensor2D;
  /** Identity labels 0..K−1, −1 where unknown (needed for the identity term). */
  labels?: ArrayLike<number>;
}

export interface DistillLossOptions {
  /** P (and b): the student's F7 → D head. */
  projection: ProjectionParams;
  /** Weights of the terms in the total (default `DEFAULT_DISTILL_WEIGHTS`). */
  weights?: Partial<DistillWeights>;
  /** The regression term's form (default 'cosine'). */
  kind?: RegressionKind;
}

/** The total and every term, as tf scalars (for gradients and for logging). */
export interface DistillLossTerms {
  total: tf.Scalar;
  regression: tf.Scalar;
  pairwise: tf.Scalar;
  /** 0 when no labels are given. */
  identity: tf.Scalar;
}

function resolveWeights(weights: Partial<DistillWeights> | undefined): DistillWeights {
  const w = { ...DEFAULT_DISTILL_WEIGHTS, ...(weights ?? {}) };
  for (const [key, v] of Object.entries(w)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new DistillError(`distillationLoss: weights.${key} must be a finite number ≥ 0, got ${v}`);
  }
  if (w.regression + w.pairwise + w.identity === 0) throw new DistillError('distillationLoss: every term has weight 0');
  return w;
}

/**
 * total = w_r · regression + w_p · pairwise + w_i · identity, with s = P·f7 (+ b). Terms of
 * weight 0 are still returned (for logging) but kept out of the total, so they add no
 * gradient. The identity term needs `logits` and `labels` when its weight is > 0.
 */
export function distillationLoss(inputs: DistillInputs, options: DistillLossOptions): DistillLossTerms {
  const weights = resolveWeights(options.weights);
  const { f7, logits, teacher, labels } = inputs;
  if (f7.rank !== 2 || teacher.rank !== 2 || f7.shape[0] !== teacher.shape[0]) {
    throw new DistillError(`distillationLoss: F7 [${f7.shape.join(', ')}] and teacher [${teacher.shape.join(', ')}] must have the same batch`);
  }
  if (weights.identity > 0 && (!logits || !labels)) throw new DistillError('distillationLoss: the identity term (weight > 0) needs logits and labels');
  if (logits && logits.shape[0] !== f7.shape[0]) throw new DistillError(`distillationLoss: logits [${logits.shape.join(', ')}] and F7 [${f7.shape.join(', ')}] must have the same batch`);
  return tf.tidy(() => {
    const s = project(f7, options.projection);
    const regression = regressionLoss(s, teacher, options.kind ?? 'cosine');
    const pairwise = pairwiseLoss(s, teacher);
    const identity = logits && labels ? identityLoss(logits, labels) : (tf.scalar(0) as tf.Scalar);
    const parts: tf.Tensor[] = [];
    if (weights.regression > 0) parts.push(tf.mul(regression, weights.regression));
    if (weights.pairwise > 0) parts.push(tf.mul(pairwise, weights.pairwise));
    if (weights.identity > 0) parts.push(tf.mul(identity, weights.identity));
    const total = (parts.length === 1 ? parts[0]! : tf.addN(parts)) as tf.Scalar;
    return { total, regression, pairwise, identity };
  });
}

// ---------------------------------------------------------------------------------------
// The training step
// ---------------------------------------------------------------------------------------

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

export interface DistillOptimizerOptions {
  /** Adam's rate (default 3e-4, the rate that trained the default model). */
  learningRate?: number;
  /** Decoupled (AdamW) weight decay on every `.weight` tensor, the projection's included (default 0). */
  weightDecay?: number;
  /** Layers of the model kept fixed, e.g. ['C1', 'C3'], or ['F8'] when the identity term is off. */
  freeze?: readonly string[];
  /** Keep the projection fixed too (default false). */
  freezeProjection?: boolean;
}

/**
 * Adam (β 0.9 / 0.999, bias-corrected, decoupled weight decay: the update `train()` makes with
 * `optimizer: 'adam'`) over the model's trainable parameters and the projection.
 */
export interface DistillOptimizer {
  /** The variables it updates, by weights-file name. */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Adam's rate; the trainer may change it between steps (plateau drops, warm-up). */
  learningRate: number;
  readonly weightDecay: number;
  /** Steps taken so far (Adam's bias correction uses step + 1 for the next one). */
  readonly step: number;
  /**
   * One update from gradients keyed by tf variable name (what `tf.variableGrads` returns).
   * A variable without a gradient (not on the loss's path) is left alone, moments included.
   */
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

export function createDistillOptimizer(model: DeepFaceModel, projection: DistillProjection, options: DistillOptimizerOptions = {}): DistillOptimizer {
  const { learningRate = 3e-4, weightDecay = 0, freeze = [], freezeProjection = false } = options;
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new DistillError(`createDistillOptimizer: learningRate must be > 0, got ${learningRate}`);
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new DistillError(`createDistillOptimizer: weightDecay must be ≥ 0, got ${weightDecay}`);
  const frozen = new Set(freeze);
  for (const name of frozen) {
    if (!model.config.layers.some((l) => l.name === name)) throw new DistillError(`createDistillOptimizer: cannot freeze ${name}: ${model.config.name} has no such layer`);
  }
  if (projection.inputSize !== model.representationSize) {
    throw new DistillError(`createDistillOptimizer: the projection takes ${projection.inputSize} inputs, ${model.config.name}'s F7 has ${model.representationSize}`);
  }
  const variables = new Map<string, tf.Variable>();
  for (const [name, v] of model.params) if (!frozen.has(name.split('.')[0]!)) variables.set(name, v);
  if (!freezeProjection) for (const [name, v] of projection.variables()) variables.set(name, v);
  if (variables.size === 0) throw new DistillError('createDistillOptimizer: nothing left to train');
  const first = new Map<string, tf.Variable>();
  const second = new Map<string, tf.Variable>();
  for (const [name, v] of variables) {
    first.set(name, tf.variable(tf.zerosLike(v), false));
    second.set(name, tf.variable(tf.zerosLike(v), false));
  }
  let step = 0;
  const optimizer: DistillOptimizer = {
    variables,
    learningRate,
    weightDecay,
    get step() {
      return step;
    },
    applyGradients(grads) {
      const t = step + 1;
      const lr = optimizer.learningRate;
      const stepSize = (lr * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t);
      tf.tidy(() => {
        for (const [name, w] of variables) {
          const g = grads[w.name];
          if (!g) continue;
          const m = first.get(name)!;
          const s2 = second.get(name)!;
          m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
          s2.assign(tf.add(tf.mul(s2, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
          let update = tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(s2), ADAM_EPSILON));
          if (weightDecay > 0 && name.endsWith('.weight')) update = tf.add(update, tf.mul(w, lr * weightDecay));
          w.assign(tf.sub(w, update));
        }
      });
      step = t;
    },
    dispose() {
      for (const v of first.values()) v.dispose();
      for (const v of second.values()) v.dispose();
      first.clear();
      second.clear();
    },
  };
  return optimizer;
}

export interface DistillBatch {
  /** Network inputs [B, size, size, 3] (see `cropsToBatch`), packed or as a tensor. */
  x: Float32Array | tf.Tensor4D;
  /** Teacher descriptors [B, D], packed row-major or as a tensor. */
  teacher: Float32Array | tf.Tensor2D;
  /** Identity labels 0..K−1, −1 where unknown (for the identity term). */
  labels?: ArrayLike<number>;
}

export interface DistillStepOptions {
  weights?: Partial<DistillWeights>;
  kind?: RegressionKind;
  /** F7 dropout (default true, as in `train()`). The distillation terms see F7 before dropout, F8 after. */
  training?: boolean;
  /** Seed of the dropout mask (default derived from `seed` and the optimizer's step, as `train()` does). */
  dropoutSeed?: number;
  /** Run seed for the default dropout seed (default 1). */
  seed?: number;
}

/** The losses of one step (before its update), as numbers. */
export interface DistillLossValues {
  total: number;
  regression: number;
  pairwise: number;
  identity: number;
}

/**
 * One distillation step on a batch: forward (with F7 dropout unless `training: false`), the
 * combined loss, `tf.variableGrads` over the optimizer's variables, one Adam update. Returns
 * the batch's losses before the update. A non-finite loss throws before anything is updated.
 */
export function distillStep(
  model: DeepFaceModel,
  projection: DistillProjection,
  optimizer: DistillOptimizer,
  batch: DistillBatch,
  options: DistillStepOptions = {},
): DistillLossValues {
  const { training = true, seed = 1, kind = 'cosine' } = options;
  const weights = resolveWeights(options.weights);
  const dropoutSeed = options.dropoutSeed ?? seed * 1_000_003 + optimizer.step;
  const size = model.config.inputSize;
  const per = size * size * 3;
  const d = projection.outputSize;
  const n = batch.x instanceof Float32Array ? batch.x.length / per : batch.x.shape[0];
  if (!Number.isInteger(n) || n < 1) throw new DistillError(`distillStep: ${(batch.x as Float32Array).length} input values are not a whole number of ${size}×${size}×3 images`);
  const teacherValues = batch.teacher instanceof Float32Array ? batch.teacher.length : batch.teacher.size;
  if (teacherValues !== n * d) throw new DistillError(`distillStep: teacher has ${teacherValues} values, expected [${n}, ${d}] for a batch of ${n}`);
  if (batch.labels && batch.labels.length !== n) throw new DistillError(`distillStep: ${batch.labels.length} labels for a batch of ${n}`);
  if (projection.inputSize !== model.representationSize) {
    throw new DistillError(`distillStep: the projection takes ${projection.inputSize} inputs, ${model.config.name}'s F7 has ${model.representationSize}`);
  }
  const values = tf.tidy(() => {
    const x = batch.x instanceof Float32Array ? tf.tensor4d(batch.x, [n, size, size, 3]) : batch.x;
    const teacher = batch.teacher instanceof Float32Array ? tf.tensor2d(batch.teacher, [n, d]) : (tf.reshape(batch.teacher, [n, d]) as tf.Tensor2D);
    let terms: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const { f7, logits } = model.forward(x, { training, dropoutSeed });
      const r = distillationLoss({ f7, logits, teacher, labels: batch.labels }, { projection, weights, kind });
      // variableGrads disposes everything but the loss: keep the terms for logging.
      terms = [tf.keep(r.regression), tf.keep(r.pairwise), tf.keep(r.identity)];
      return r.total;
    }, [...optimizer.variables.values()]);
    const [regression, pairwise, identity] = terms.map((t) => t.dataSync()[0]!);
    for (const t of terms) t.dispose();
    const total = value.dataSync()[0]!;
    if (!Number.isFinite(total)) {
      throw new DistillError(`distillStep: loss became ${total} at step ${optimizer.step + 1} (regression ${regression}, pairwise ${pairwise}, identity ${identity}): lower the learning rate (now ${optimizer.learningRate})`);
    }
    optimizer.applyGradients(grads);
    return { total, regression: regression!, pairwise: pairwise!, identity: identity! };
  });
  return values;
}

// ---------------------------------------------------------------------------------------
// The projection in the weights file
// ---------------------------------------------------------------------------------------

/** A weights file's content with the optional distillation projection. */
export interface DistilledWeightsContent extends WeightsContent {
  projection?: ProjectionWeights;
}

interface HeaderEntry {
  dtype: 'F32' | 'F16';
  shape: number[];
  data_offsets: [number, number];
}

/** Splits a safetensors file into its JSON header and data section; undefined if it is not one. */
function splitFile(bytes: Uint8Array): { header: Record<string, unknown>; body: Uint8Array } | undefined {
  if (bytes.length < 8) return undefined;
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (length <= 1 || 8 + length > bytes.length) return undefined;
  try {
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length))) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header)) return undefined;
    return { header: header as Record<string, unknown>, body: bytes.subarray(8 + length) };
  } catch {
    return undefined;
  }
}

/** The inverse of `splitFile`: the header space-padded to a multiple of 8 bytes, as safetensors writes it. */
function joinFile(header: Record<string, unknown>, body: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(body, 8 + headerBytes.length);
  return out;
}

const DISTILL_TENSORS = [PROJECTION_WEIGHT, PROJECTION_BIAS];
const isDistillTensor = (name: string) => name.startsWith('distill.');

/**
 * `encodeWeightsFile` plus, when `content.projection` is set, the tensors
 * `distill.projection.weight` [F7, D] and `distill.projection.bias` [D] after the network's
 * (same dtype, inside the CRC). The projection's input must be the config's F7 width.
 */
export function encodeDistilledWeightsFile(
  content: { config: NetworkConfig; tensors: Map<string, Float32Array> | Record<string, Float32Array>; metadata?: Record<string, string>; projection?: ProjectionWeights },
  dtype: WeightsDtype = 'float32',
): Uint8Array {
  const bytes = encodeWeightsFile(content, dtype);
  const p = content.projection;
  if (!p) return bytes;
  checkProjectionWeights(p, 'encodeDistilledWeightsFile');
  const f7 = representationSize(content.config);
  if (p.inputSize !== f7) {
    throw new WeightsFileError(`encodeDistilledWeightsFile: ${PROJECTION_WEIGHT} has shape [${p.inputSize}, ${p.outputSize}], config ${content.config.name} (F7 ${f7}) needs [${f7}, ${p.outputSize}]`);
  }
  const { header, body } = splitFile(bytes)!;
  const width = dtype === 'float16' ? 2 : 4;
  const extra: { name: string; shape: number[]; data: Float32Array }[] = [{ name: PROJECTION_WEIGHT, shape: [p.inputSize, p.outputSize], data: p.weight }];
  if (p.bias) extra.push({ name: PROJECTION_BIAS, shape: [p.outputSize], data: p.bias });
  const added = extra.reduce((sum, t) => sum + t.data.length * width, 0);
  const out = new Uint8Array(body.length + added);
  out.set(body, 0);
  let at = body.length;
  for (const t of extra) {
    const raw = dtype === 'float16' ? encodeFloat16(t.data) : t.data;
    header[t.name] = { dtype: dtype === 'float16' ? 'F16' : 'F32', shape: t.shape, data_offsets: [at, at + raw.byteLength] } satisfies HeaderEntry;
    out.set(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), at);
    at += raw.byteLength;
  }
  const metadata = header.__metadata__ as Record<string, string>;
  metadata.crc32 = crc32(out).toString(16).padStart(8, '0');
  return joinFile(header, out);
}

export interface DecodeDistilledOptions {
  /** The projection's expected output width (default 128, dlib's descriptor). */
  outputSize?: number;
}

/**
 * `decodeWeightsFile` (every check it makes, the CRC over the whole data section included)
 * plus the optional projection: its tensors must be exactly `distill.projection.weight`
 * [F7 of the config, outputSize] and optionally `distill.projection.bias` [outputSize],
 * F32 or F16, finite; any other shape raises a `WeightsFileError` naming the tensor, its
 * shape and the expected one. A file without a projection decodes as `decodeWeightsFile` does.
 */
export function decodeDistilledWeightsFile(input: Uint8Array, source = 'weights file', options: DecodeDistilledOptions = {}): DistilledWeightsContent {
  const { outputSize = TEACHER_DESCRIPTOR_SIZE } = options;
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const parts = splitFile(bytes);
  const names = parts ? Object.keys(parts.header).filter(isDistillTensor) : [];
  if (!parts || names.length === 0) return decodeWeightsFile(bytes, source);
  const fail = (what: string): never => {
    throw new WeightsFileError(`${source}: ${what}`);
  };
  const { header, body } = parts;
  for (const name of names) if (!DISTILL_TENSORS.includes(name)) fail(`unexpected tensor ${name}: the distillation tensors are ${DISTILL_TENSORS.join(' and ')}`);
  // The network part: the same header without the distillation entries, the same data
  // section (so the CRC still covers the projection's bytes), through the full validation.
  const entries = new Map<string, HeaderEntry>();
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(header)) {
    if (isDistillTensor(name)) entries.set(name, value as HeaderEntry);
    else rest[name] = value;
  }
  const content = decodeWeightsFile(joinFile(rest, body), source);

  const f7 = representationSize(content.config);
  const expected = new Map<string, number[]>([
    [PROJECTION_WEIGHT, [f7, outputSize]],
    [PROJECTION_BIAS, [outputSize]],
  ]);
  const values = new Map<string, Float32Array>();
  for (const [name, e] of entries) {
    if (!e || (e.dtype !== 'F32' && e.dtype !== 'F16')) fail(`tensor ${name}: dtype ${JSON.stringify(e?.dtype)} is not supported (F32 or F16)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: bad shape ${JSON.stringify(e.shape)}`);
    const want = expected.get(name)!;
    if (e.shape.length !== want.length || e.shape.some((d, i) => d !== want[i])) {
      fail(`tensor ${name} has shape [${e.shape.join(', ')}], expected [${want.join(', ')}] (config ${content.config.name}: F7 ${f7} → the ${outputSize}-D teacher descriptor)`);
    }
    const [begin, end] = Array.isArray(e.data_offsets) ? e.data_offsets : [NaN, NaN];
    const size = e.shape.reduce((a, b) => a * b, 1);
    const width = e.dtype === 'F16' ? 2 : 4;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end - begin !== size * width) {
      fail(`tensor ${name}: data_offsets ${JSON.stringify(e.data_offsets)} do not hold [${e.shape.join(', ')}] of ${e.dtype}`);
    }
    if (end > body.length) fail(`truncated: tensor ${name} ends at byte ${end} of the data section, which has only ${body.length} bytes`);
    const raw = body.slice(begin, end); // aligned copy
    const v = e.dtype === 'F16' ? decodeFloat16(new Uint16Array(raw.buffer, 0, size)) : new Float32Array(raw.buffer, 0, size);
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) fail(`${name}[${i}] is ${v[i]}`);
    values.set(name, v);
  }
  const weight = values.get(PROJECTION_WEIGHT);
  if (!weight) fail(`tensor ${PROJECTION_BIAS} without ${PROJECTION_WEIGHT}`);
  return { ...content, projection: { inputSize: f7, outputSize, weight: weight!, bias: values.get(PROJECTION_BIAS) } };
}

/** Writes a weights file with the projection atomically (temp file + rename). Node only. */
export async function saveDistilledWeightsFile(path: string, content: Parameters<typeof encodeDistilledWeightsFile>[0], dtype: WeightsDtype = 'float32'): Promise<number> {
  const { writeFile, rename, unlink } = await import('node:fs/promises');
  const bytes = encodeDistilledWeightsFile(content, dtype);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return bytes.length;
}

/** Reads a weights file with its optional projection from a path (Node) or a URL (fetch). */
export async function loadDistilledWeightsFile(location: string | URL, options: DecodeDistilledOptions = {}): Promise<DistilledWeightsContent> {
  const source = String(location);
  let bytes: Uint8Array;
  if (typeof location === 'string' && !/^(https?|blob|data):/.test(location)) {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(location);
  } else {
    const response = await fetch(location);
    if (!response.ok) throw new WeightsFileError(`${source}: HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  return decodeDistilledWeightsFile(bytes, source, options);
}
