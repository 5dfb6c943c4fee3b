/**
 * The DeepFace network on tfjs-core + our LocallyConnected2D: parameters as tf.Variables
 * named like the weights file (`C1.weight`, …, `F8.bias`), a forward pass that returns the
 * F7 representation and the F8 logits, and conversions to and from `WeightsContent`.
 */
import { locallyConnected2d, tf } from '@deepface-ts/kernels';
import { layerShapes, parameterSpecs, representationSize, type LayerShape, type NetworkConfig } from './config';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import type { WeightsContent } from './weights_file';

export type InitScheme =
  /** The paper: weights from N(0, 0.01²), biases 0.5. Trains only with care on small data. */
  | 'paper'
  /** He-normal weights (std √(2 / fan-in)), biases 0.1 (keeps ReLUs alive in small nets): trains reliably from scratch on small data. */
  | 'he';

export interface ForwardOptions {
  /** Applies F7 dropout (training only). */
  training?: boolean;
  /** Seed for the dropout mask (reproducible training). */
  dropoutSeed?: number;
}

export interface ForwardResult {
  /** F7 after ReLU: the representation, [batch, f7]. */
  f7: tf.Tensor2D;
  /** F8 logits, [batch, K]. */
  logits: tf.Tensor2D;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

export class DeepFaceModel {
  readonly shapes: readonly LayerShape[];
  readonly representationSize: number;
  readonly numClasses: number;

  private constructor(
    readonly config: NetworkConfig,
    /** Trainable parameters by weights-file name. */
    readonly params: Map<string, tf.Variable>,
    /** Per-component F7 maxima for normalisation (set after training). */
    public representationMax?: Float32Array,
  ) {
    this.shapes = layerShapes(config);
    this.representationSize = representationSize(config);
    const last = config.layers[config.layers.length - 1]!;
    this.numClasses = last.kind === 'logits' ? last.units : 0;
  }

  /** A freshly initialised network (deterministic for a given seed on every backend). */
  static create(config: NetworkConfig, options: { seed?: number; init?: InitScheme } = {}): DeepFaceModel {
    const { seed = 1, init = 'he' } = options;
    const rng = mulberry32(seed);
    const params = new Map<string, tf.Variable>();
    for (const spec of parameterSpecs(config)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      if (spec.name.endsWith('.bias')) {
        values.fill(init === 'paper' ? 0.5 : 0.1);
      } else {
        // fan-in: every dim but the last for conv ([kh, kw, inC, outC]) and dense ([in, out]);
        // for locally connected ([oh, ow, K, outC]) it is K.
        const fanIn = spec.shape.length === 4 && spec.name.startsWith('L') ? spec.shape[2]! : size / spec.shape[spec.shape.length - 1]!;
        const std = init === 'paper' ? 0.01 : Math.sqrt(2 / fanIn);
        for (let i = 0; i < size; i++) values[i] = gaussian(rng) * std;
      }
      params.set(spec.name, tf.variable(tf.tensor(values, [...spec.shape], 'float32'), true));
    }
    return new DeepFaceModel(config, params);
  }

  /**
   * Builds a model from a decoded weights file (see `loadWeightsFile`). A distillation
   * projection in it (`content.projection`) is not part of the model: `DistillProjection.fromWeights`.
   */
  static fromWeights(content: WeightsContent): DeepFaceModel {
    const params = new Map<string, tf.Variable>();
    for (const spec of parameterSpecs(content.config)) {
      const data = content.tensors.get(spec.name);
      if (!data) throw new ModelError(`weights lack tensor ${spec.name}`);
      params.set(spec.name, tf.variable(tf.tensor(data, [...spec.shape], 'float32'), true));
    }
    return new DeepFaceModel(content.config, params, content.tensors.get('representation.max'));
  }

  /** Current parameter values (and normalisation maxima) as a `WeightsContent`, without a projection (add `projection: head.toWeights()`). */
  toWeights(metadata: Record<string, string> = {}): WeightsContent {
    const tensors = new Map<string, Float32Array>();
    for (const [name, v] of this.params) tensors.set(name, v.dataSync() as Float32Array);
    if (this.representationMax) tensors.set('representation.max', this.representationMax);
    return { config: this.config, tensors, metadata };
  }

  param(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new ModelError(`${this.config.name} has no parameter ${name}`);
    return v;
  }

  /**
   * Forward pass on an NHWC batch [B, size, size, 3] (see `cropsToBatch`). Call inside
   * `tf.tidy` or dispose the results.
   */
  forward(x: tf.Tensor4D, options: ForwardOptions = {}): ForwardResult {
    const { training = false, dropoutSeed } = options;
    const size = this.config.inputSize;
    if (x.rank !== 4 || x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== 3) {
      throw new ModelError(`${this.config.name}: input must be [batch, ${size}, ${size}, 3], got [${x.shape.join(', ')}]`);
    }
    let h: tf.Tensor = x;
    let f7: tf.Tensor2D | undefined;
    for (const s of this.shapes) {
      const l = s.layer;
      switch (l.kind) {
        case 'conv': {
          const y = tf.conv2d(h as tf.Tensor4D, this.param(`${l.name}.weight`) as tf.Tensor4D, l.stride, 'valid');
          h = tf.relu(tf.add(y, this.param(`${l.name}.bias`)));
          break;
        }
        case 'maxpool':
          h = tf.maxPool(h as tf.Tensor4D, l.size, l.stride, 'same');
          break;
        case 'local': {
          const y = locallyConnected2d(h as tf.Tensor4D, this.param(`${l.name}.weight`) as tf.Tensor4D, this.param(`${l.name}.bias`) as tf.Tensor3D, {
            strides: l.stride,
            kernelSize: l.kernel,
          });
          h = tf.relu(y);
          break;
        }
        case 'dense': {
          const flat = h.rank === 2 ? (h as tf.Tensor2D) : tf.reshape(h, [h.shape[0]!, -1]);
          const y = tf.relu(tf.add(tf.matMul(flat as tf.Tensor2D, this.param(`${l.name}.weight`) as tf.Tensor2D), this.param(`${l.name}.bias`))) as tf.Tensor2D;
          f7 = y;
          h = training && l.dropout > 0 ? tf.dropout(y, l.dropout, undefined, dropoutSeed) : y;
          break;
        }
        case 'logits': {
          const flat = h.rank === 2 ? (h as tf.Tensor2D) : tf.reshape(h, [h.shape[0]!, -1]);
          h = tf.add(tf.matMul(flat as tf.Tensor2D, this.param(`${l.name}.weight`) as tf.Tensor2D), this.param(`${l.name}.bias`));
          break;
        }
      }
    }
    if (!f7) throw new ModelError(`${this.config.name}: no dense representation layer`);
    return { f7, logits: h as tf.Tensor2D };
  }

  /** F7 rows for a batch, as a Float32Array [B × f7] (no dropout). */
  async representation(x: tf.Tensor4D): Promise<Float32Array> {
    const f7 = tf.tidy(() => this.forward(x).f7);
    try {
      return (await f7.data()) as Float32Array;
    } finally {
      f7.dispose();
    }
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
