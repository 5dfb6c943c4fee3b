import { MetricsError } from './errors';

/**
 * The Siamese head of DeepFace §4.3 on top of fixed features: the weighted distance
 * d = Σᵢ αᵢ |f1ᵢ − f2ᵢ| fed to one logistic unit, P(same) = σ(d + b). Trained by
 * cross-entropy. (The paper also fine-tunes the top two layers of the net; here the features
 * are given, so only α and b are learned.) The gradient is written by hand — for a logistic
 * unit it is closed-form — and tested against finite differences.
 */
export interface SiameseHead {
  alpha: Float32Array;
  bias: number;
}

export interface SiameseTrainOptions {
  /** Passes over the pairs (default 60). */
  epochs?: number;
  /** Pairs per Adam step (default 128). */
  batchSize?: number;
  /** Adam step size (default 0.01). */
  learningRate?: number;
  /** L2 penalty on α (default 1e-4). */
  l2?: number;
  /** Shuffle seed (default 1). */
  seed?: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Logit σ⁻¹(P(same)) for each row of |Δ| (n×d row-major); higher = more likely the same. */
export function siameseLogits(head: SiameseHead, absDiff: Float32Array, d: number): Float32Array {
  if (head.alpha.length !== d) throw new MetricsError(`siameseLogits: head has ${head.alpha.length} weights, rows have d = ${d}`);
  const n = absDiff.length / d;
  if (!Number.isInteger(n)) throw new MetricsError(`siameseLogits: ${absDiff.length} values is not a multiple of d = ${d}`);
  const out = new Float32Array(n);
  const a = head.alpha;
  for (let r = 0; r < n; r++) {
    let z = head.bias;
    const o = r * d;
    for (let i = 0; i < d; i++) z += a[i]! * absDiff[o + i]!;
    out[r] = z;
  }
  return out;
}

/**
 * Mean cross-entropy of `rows` (indices into the n×d |Δ| table) plus (l2/2)‖α‖², and its
 * gradient with respect to α and b: ∂/∂αᵢ = mean((p − y)·|Δᵢ|) + l2·αᵢ, ∂/∂b = mean(p − y).
 */
export function siameseLossAndGradient(
  head: SiameseHead,
  absDiff: Float32Array,
  d: number,
  labels: Uint8Array,
  rows: ArrayLike<number>,
  l2: number,
  gradAlpha: Float64Array = new Float64Array(d),
): { loss: number; gradAlpha: Float64Array; gradBias: number } {
  gradAlpha.fill(0);
  const a = head.alpha;
  let loss = 0;
  let gradBias = 0;
  const m = rows.length;
  for (let k = 0; k < m; k++) {
    const r = rows[k]!;
    const o = r * d;
    let z = head.bias;
    for (let i = 0; i < d; i++) z += a[i]! * absDiff[o + i]!;
    const y = labels[r]!;
    // −log σ(z) = softplus(−z); −log(1 − σ(z)) = softplus(z)
    loss += y ? softplus(-z) : softplus(z);
    const g = sigmoid(z) - y;
    gradBias += g;
    for (let i = 0; i < d; i++) gradAlpha[i] += g * absDiff[o + i]!;
  }
  let reg = 0;
  for (let i = 0; i < d; i++) {
    gradAlpha[i] = gradAlpha[i]! / m + l2 * a[i]!;
    reg += a[i]! * a[i]!;
  }
  return { loss: loss / m + 0.5 * l2 * reg, gradAlpha, gradBias: gradBias / m };
}

/** Trains the head with Adam on mini-batches; `absDiff` is n×d row-major, label 1/true = same. */
export function trainSiameseHead(
  absDiff: Float32Array,
  d: number,
  labels: ArrayLike<boolean | number>,
  options: SiameseTrainOptions = {},
): SiameseHead & { losses: number[] } {
  const { epochs = 60, batchSize = 128, learningRate = 0.01, l2 = 1e-4, seed = 1 } = options;
  const n = absDiff.length / d;
  if (!Number.isInteger(n) || n === 0) throw new MetricsError(`trainSiameseHead: ${absDiff.length} values is not a non-empty multiple of d = ${d}`);
  if (labels.length !== n) throw new MetricsError(`trainSiameseHead: ${n} rows but ${labels.length} labels`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = labels[i] === true || labels[i] === 1 ? 1 : 0;
  const head: SiameseHead = { alpha: new Float32Array(d), bias: 0 };
  // Start from a plain negative L1 distance scaled to the data, so the first steps are sensible.
  let meanAbs = 0;
  for (let i = 0; i < absDiff.length; i++) meanAbs += absDiff[i]!;
  meanAbs /= absDiff.length || 1;
  head.alpha.fill(meanAbs > 0 ? -1 / (meanAbs * d) : 0);
  head.bias = 1;
  const mA = new Float64Array(d);
  const vA = new Float64Array(d);
  let mB = 0;
  let vB = 0;
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  const grad = new Float64Array(d);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const losses: number[] = [];
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    let epochLoss = 0;
    for (let start = 0; start < n; start += batchSize) {
      const rows = order.subarray(start, Math.min(n, start + batchSize));
      const { loss, gradBias } = siameseLossAndGradient(head, absDiff, d, y, rows, l2, grad);
      epochLoss += loss * rows.length;
      t++;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let i = 0; i < d; i++) {
        mA[i] = b1 * mA[i]! + (1 - b1) * grad[i]!;
        vA[i] = b2 * vA[i]! + (1 - b2) * grad[i]! * grad[i]!;
        head.alpha[i] = head.alpha[i]! - (learningRate * (mA[i]! / c1)) / (Math.sqrt(vA[i]! / c2) + eps);
      }
      mB = b1 * mB + (1 - b1) * gradBias;
      vB = b2 * vB + (1 - b2) * gradBias * gradBias;
      head.bias -= (learningRate * (mB / c1)) / (Math.sqrt(vB / c2) + eps);
    }
    losses.push(epochLoss / n);
  }
  return { ...head, losses };
}
