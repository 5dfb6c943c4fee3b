/**
 * PIPER's fusion core (Zhang, Paluri, Taigman, Fergus, Bourdev, CVPR 2015, §4.2–4.3), on typed arrays.
 *
 * Every matrix is n instances × K identities, Float32Array, row-major.
 * A part i gives P̂ᵢ(y|X) over the identities Fᵢ it was trained on (zero outside Fᵢ), and fires on some
 * instances only. Sparsity filling (equations 2–3) turns it into a distribution over all K identities using
 * the global model P0 (which fires on every instance):
 *   Pᵢ(y|X) = P0(y|X)                                     if part i does not fire on X
 *   Pᵢ(y|X) = P(y∈Fᵢ)·P̂ᵢ(y|X) + P(y∉Fᵢ)·P0(y|X)          otherwise,
 *   P(y∈Fᵢ) = Σ_{y'∈Fᵢ} P0(y'|X),  P(y∉Fᵢ) = 1 − P(y∈Fᵢ).
 * Both terms are distributions over all K identities, so Pᵢ(·|X) is one too (it sums to 1).
 * Fusion: s(X, y) = Σᵢ wᵢ Pᵢ(y|X) over i = 0..m (0 = global), prediction argmax_y s(X, y).
 */

export class PiperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PiperError';
  }
}

/** One part's predictions on n instances. */
export interface PartPrediction {
  /** Name for tables and errors, e.g. 'face'. */
  name: string;
  /** n×K P̂ᵢ(y|X); only entries of firing instances and trained identities are read. */
  probs: Float32Array;
  /** n entries: 1 where the part fires on the instance. */
  fires: Uint8Array;
  /** K entries: 1 where identity y ∈ Fᵢ (the part was trained on examples of y). */
  trained: Uint8Array;
}

/** How non-global parts become Pᵢ. */
export type FillingMode =
  /** PIPER: equations 2–3. */
  | 'filling'
  /** Ablation "PIPER w/out sparsity filling": P̂ᵢ directly, all zeros where the part does not fire. */
  | 'none';

export interface FusionInput {
  /** Global model P0: fires on every instance. Its `fires` is ignored. */
  global: PartPrediction;
  /** The other parts (may be empty). */
  parts: PartPrediction[];
  n: number;
  K: number;
}

export interface FillOptions {
  mode?: FillingMode;
  /** Ablation "no global model": replace P0 by the uniform 1/K (PIPER's Table 4 rows without the global model). */
  uniformP0?: boolean;
}

function checkPart(p: PartPrediction, n: number, K: number): void {
  if (p.probs.length !== n * K) {
    throw new PiperError(`part '${p.name}': probs has ${p.probs.length} values, expected n×K = ${n}×${K} = ${n * K}`);
  }
  if (p.fires.length !== n) throw new PiperError(`part '${p.name}': fires has ${p.fires.length} entries, expected n = ${n}`);
  if (p.trained.length !== K) throw new PiperError(`part '${p.name}': trained has ${p.trained.length} entries, expected K = ${K}`);
}

export function checkFusionInput(input: FusionInput): void {
  const { n, K } = input;
  if (!Number.isInteger(n) || n < 0) throw new PiperError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(K) || K < 1) throw new PiperError(`K must be a positive integer, got ${K}`);
  checkPart(input.global, n, K);
  for (const p of input.parts) checkPart(p, n, K);
}

/** P0 as used by the fusion: the global model's probabilities restricted to its trained identities, or uniform. */
export function globalDistribution(input: FusionInput, uniformP0 = false): Float32Array {
  const { n, K, global } = input;
  if (uniformP0) return new Float32Array(n * K).fill(1 / K);
  const out = new Float32Array(n * K);
  for (let j = 0; j < n; j++) {
    const o = j * K;
    for (let y = 0; y < K; y++) out[o + y] = global.trained[y] ? global.probs[o + y] : 0;
  }
  return out;
}

/**
 * Pᵢ for one part (equations 2–3, or the ablation), given P0 (n×K).
 * Writes into `out` (n×K) when given, so fusing many parts allocates nothing per part.
 */
export function fillPart(p0: Float32Array, part: PartPrediction, n: number, K: number, mode: FillingMode = 'filling', out = new Float32Array(n * K)): Float32Array {
  checkPart(part, n, K);
  if (p0.length !== n * K) throw new PiperError(`P0 has ${p0.length} values, expected n×K = ${n * K}`);
  const { probs, fires, trained } = part;
  for (let j = 0; j < n; j++) {
    const o = j * K;
    if (!fires[j]) {
      if (mode === 'filling') for (let y = 0; y < K; y++) out[o + y] = p0[o + y];
      else for (let y = 0; y < K; y++) out[o + y] = 0;
      continue;
    }
    if (mode === 'none') {
      for (let y = 0; y < K; y++) out[o + y] = trained[y] ? probs[o + y] : 0;
      continue;
    }
    let pIn = 0; // P(y ∈ Fᵢ) = Σ_{y'∈Fᵢ} P0(y'|X)
    for (let y = 0; y < K; y++) if (trained[y]) pIn += p0[o + y];
    const pOut = 1 - pIn;
    for (let y = 0; y < K; y++) out[o + y] = (trained[y] ? pIn * probs[o + y] : 0) + pOut * p0[o + y];
  }
  return out;
}

/** [P0, P1, …, Pm] as m+1 matrices of n×K (P0 first). */
export function filledParts(input: FusionInput, opts: FillOptions = {}): Float32Array[] {
  checkFusionInput(input);
  const p0 = globalDistribution(input, opts.uniformP0);
  const out = [p0];
  for (const part of input.parts) out.push(fillPart(p0, part, input.n, input.K, opts.mode ?? 'filling'));
  return out;
}

/** s(X, y) = Σᵢ wᵢ Pᵢ(y|X): n×K scores from the filled matrices and m+1 weights. */
export function fuseScores(filled: Float32Array[], weights: ArrayLike<number>, n: number, K: number): Float32Array {
  if (weights.length !== filled.length) {
    throw new PiperError(`got ${weights.length} weights for ${filled.length} part matrices (global + parts)`);
  }
  const s = new Float32Array(n * K);
  for (let i = 0; i < filled.length; i++) {
    const P = filled[i];
    if (P.length !== n * K) throw new PiperError(`part matrix ${i} has ${P.length} values, expected n×K = ${n * K}`);
    const w = weights[i];
    if (w === 0) continue;
    for (let t = 0; t < s.length; t++) s[t] += w * P[t];
  }
  return s;
}

/** One-call fusion: fills the parts and returns the n×K scores s(X, y). */
export function fuse(input: FusionInput, weights: ArrayLike<number>, opts: FillOptions = {}): Float32Array {
  checkFusionInput(input);
  const { n, K } = input;
  if (weights.length !== input.parts.length + 1) {
    throw new PiperError(`got ${weights.length} weights for ${input.parts.length + 1} parts (global + ${input.parts.length})`);
  }
  const mode = opts.mode ?? 'filling';
  const p0 = globalDistribution(input, opts.uniformP0);
  const s = new Float32Array(n * K);
  const w0 = weights[0];
  for (let t = 0; t < s.length; t++) s[t] = w0 * p0[t];
  // Fused per part in place: no n×K temporary per part (1,000 × 500 × 10 parts stays one pass per part).
  for (let i = 0; i < input.parts.length; i++) {
    const { probs, fires, trained, name } = input.parts[i];
    const w = weights[i + 1];
    if (w === 0) continue;
    if (!Number.isFinite(w)) throw new PiperError(`weight of part '${name}' is ${w}`);
    for (let j = 0; j < n; j++) {
      const o = j * K;
      if (!fires[j]) {
        if (mode === 'filling') for (let y = 0; y < K; y++) s[o + y] += w * p0[o + y];
        continue;
      }
      if (mode === 'none') {
        for (let y = 0; y < K; y++) if (trained[y]) s[o + y] += w * probs[o + y];
        continue;
      }
      let pIn = 0;
      for (let y = 0; y < K; y++) if (trained[y]) pIn += p0[o + y];
      const a = w * pIn;
      const c = w * (1 - pIn);
      for (let y = 0; y < K; y++) s[o + y] += (trained[y] ? a * probs[o + y] : 0) + c * p0[o + y];
    }
  }
  return s;
}

/** argmax over each row of an n×K matrix (first index wins ties). */
export function argmaxRows(scores: Float32Array, K: number): Int32Array {
  if (scores.length % K !== 0) throw new PiperError(`scores has ${scores.length} values, not a multiple of K = ${K}`);
  const n = scores.length / K;
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const o = j * K;
    let best = 0;
    let bv = scores[o];
    for (let y = 1; y < K; y++) {
      if (scores[o + y] > bv) {
        bv = scores[o + y];
        best = y;
      }
    }
    out[j] = best;
  }
  return out;
}

/** Fraction of rows whose argmax is the true label. */
export function accuracy(scores: Float32Array, labels: Int32Array, K: number): number {
  const pred = argmaxRows(scores, K);
  if (pred.length !== labels.length) throw new PiperError(`scores have ${pred.length} rows but there are ${labels.length} labels`);
  if (pred.length === 0) return 0;
  let ok = 0;
  for (let j = 0; j < pred.length; j++) if (pred[j] === labels[j]) ok++;
  return ok / pred.length;
}
