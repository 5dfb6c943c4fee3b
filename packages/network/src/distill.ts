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
 * over the trainable variables, Adam with bias correction and decoupled weight decay);
 * `distillGradients` is its gradient part alone (what the data-parallel trainer's workers run).
 *
 * The projection is stored in the model's weights file as two optional tensors,
 * `distill.projection.weight` [F7, 128] and `distill.projection.bias` [128], after the
 * network's tensors and covered by the same CRC: the weights file owns them
 * (`WeightsContent.projection`, written by `encodeWeightsFile` / `saveWeightsFile`, read and
 * checked against the config by `decodeWeightsFile` / `loadWeightsFile`);
 * `DistillProjection.toWeights()` / `.fromWeights(content.projection)` convert.
 */
import { tf } from '@deepface-ts/kernels';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import type { DeepFaceModel } from './model';
import { PROJECTION_BIAS, PROJECTION_WEIGHT, type ProjectionWeights } from './weights_file';

/** dlib's ResNet descriptor width: the default teacher. */
export const TEACHER_DESCRIPTOR_SIZE = 128;

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

  /** From stored values: `DistillProjection.fromWeights(content.projection)` of a decoded weights file. */
  static fromWeights(p: ProjectionWeights | undefined): DistillProjection {
    if (!p) throw new DistillError(`DistillProjection.fromWeights: no projection (the weights file has no ${PROJECTION_WEIGHT})`);
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

export interface DistillGradientOptions {
  weights?: Partial<DistillWeights>;
  kind?: RegressionKind;
  /** F7 dropout (default true, as in `train()`). The distillation terms see F7 before dropout, F8 after. */
  training?: boolean;
  /** Seed of the dropout mask. */
  dropoutSeed: number;
}

/** The loss terms of a batch (as tf scalars) and the gradient of `total`. */
export interface DistillGradients extends DistillLossTerms {
  /**
   * d total / d v for each of the given variables, keyed by tf variable name (as
   * `tf.variableGrads` returns them). A variable off the loss's path (F8 when the identity
   * term has weight 0) has no entry.
   */
  grads: tf.NamedTensorMap;
}

/** The batch's row count, after the checks every distillation step makes (errors name `where`). */
function checkDistillBatch(model: DeepFaceModel, projection: DistillProjection, batch: DistillBatch, where: string): number {
  const size = model.config.inputSize;
  const per = size * size * 3;
  const d = projection.outputSize;
  const n = batch.x instanceof Float32Array ? batch.x.length / per : batch.x.shape[0];
  if (!Number.isInteger(n) || n < 1) throw new DistillError(`${where}: ${(batch.x as Float32Array).length} input values are not a whole number of ${size}×${size}×3 images`);
  const teacherValues = batch.teacher instanceof Float32Array ? batch.teacher.length : batch.teacher.size;
  if (teacherValues !== n * d) throw new DistillError(`${where}: teacher has ${teacherValues} values, expected [${n}, ${d}] for a batch of ${n}`);
  if (batch.labels && batch.labels.length !== n) throw new DistillError(`${where}: ${batch.labels.length} labels for a batch of ${n}`);
  if (projection.inputSize !== model.representationSize) {
    throw new DistillError(`${where}: the projection takes ${projection.inputSize} inputs, ${model.config.name}'s F7 has ${model.representationSize}`);
  }
  return n;
}

/** `distillGradients` after the checks (n the batch's rows, weights resolved). */
function distillGradientsChecked(
  model: DeepFaceModel,
  projection: DistillProjection,
  variables: readonly tf.Variable[],
  batch: DistillBatch,
  n: number,
  weights: DistillWeights,
  kind: RegressionKind,
  training: boolean,
  dropoutSeed: number,
): DistillGradients {
  const size = model.config.inputSize;
  const d = projection.outputSize;
  return tf.tidy(() => {
    const x = batch.x instanceof Float32Array ? tf.tensor4d(batch.x, [n, size, size, 3]) : batch.x;
    const teacher = batch.teacher instanceof Float32Array ? tf.tensor2d(batch.teacher, [n, d]) : (tf.reshape(batch.teacher, [n, d]) as tf.Tensor2D);
    let terms: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const { f7, logits } = model.forward(x, { training, dropoutSeed });
      const r = distillationLoss({ f7, logits, teacher, labels: batch.labels }, { projection, weights, kind });
      // variableGrads disposes everything but the loss: keep the terms for logging.
      terms = [tf.keep(r.regression), tf.keep(r.pairwise), tf.keep(r.identity)];
      return r.total;
    }, [...variables]);
    // Kept tensors would outlive every enclosing tidy: hand back clones (same data) that the
    // caller's scope tracks, and drop the kept ones.
    const [regression, pairwise, identity] = terms.map((t) => tf.clone(t) as tf.Scalar);
    for (const t of terms) t.dispose();
    return { total: value, regression: regression!, pairwise: pairwise!, identity: identity!, grads };
  });
}

/**
 * The forward pass (with F7 dropout unless `training: false`), the combined loss and its
 * gradient with respect to `variables` on one batch, without an update: the gradient part of
 * `distillStep` (which calls it), for trainers that apply the step themselves (data-parallel
 * training). The same checks as `distillStep`. The returned tensors are the caller's: call it
 * inside `tf.tidy` or dispose them.
 */
export function distillGradients(
  model: DeepFaceModel,
  projection: DistillProjection,
  variables: readonly tf.Variable[],
  batch: DistillBatch,
  options: DistillGradientOptions,
): DistillGradients {
  const { training = true, kind = 'cosine', dropoutSeed } = options;
  const weights = resolveWeights(options.weights);
  const n = checkDistillBatch(model, projection, batch, 'distillGradients');
  return distillGradientsChecked(model, projection, variables, batch, n, weights, kind, training, dropoutSeed);
}

/**
 * One distillation step on a batch: forward (with F7 dropout unless `training: false`), the
 * combined loss, `tf.variableGrads` over the optimizer's variables (`distillGradients`), one
 * Adam update. Returns the batch's losses before the update. A non-finite loss throws before
 * anything is updated.
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
  const n = checkDistillBatch(model, projection, batch, 'distillStep');
  const values = tf.tidy(() => {
    const r = distillGradientsChecked(model, projection, [...optimizer.variables.values()], batch, n, weights, kind, training, dropoutSeed);
    const [regression, pairwise, identity] = [r.regression, r.pairwise, r.identity].map((t) => t.dataSync()[0]!);
    const total = r.total.dataSync()[0]!;
    if (!Number.isFinite(total)) {
      throw new DistillError(`distillStep: loss became ${total} at step ${optimizer.step + 1} (regression ${regression}, pairwise ${pairwise}, identity ${identity}): lower the learning rate (now ${optimizer.learningRate})`);
    }
    optimizer.applyGradients(r.grads);
    return { total, regression: regression!, pairwise: pairwise!, identity: identity! };
  });
  return values;
}
