/**
 * From F7 activations to the DeepFace descriptor (SPEC §2):
 *   Ḡᵢ = Gᵢ / max(maxᵢ, ε)  with maxᵢ the largest value of component i over the training set,
 *   f = Ḡ / ‖Ḡ‖₂.
 * Dividing by the per-component maxima makes the features insensitive to illumination-like
 * scale changes per unit; ε = 0.05 keeps rarely-active units from being blown up.
 * Rows are row-major Float32Arrays of `dim` components.
 */

export const NORMALISATION_EPSILON = 0.05;

export class RepresentationError extends Error {
  override readonly name = 'RepresentationError';
}

function checkRows(rows: Float32Array, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new RepresentationError(`${what}: dim must be a positive integer, got ${dim}`);
  if (rows.length % dim !== 0) throw new RepresentationError(`${what}: ${rows.length} values are not a whole number of ${dim}-dim rows`);
  return rows.length / dim;
}

/** Accumulates per-component maxima over batches of training-set F7 rows. */
export class ComponentMaxima {
  readonly max: Float32Array;
  count = 0;
  constructor(readonly dim: number) {
    this.max = new Float32Array(dim).fill(-Infinity);
  }
  add(rows: Float32Array): this {
    const n = checkRows(rows, this.dim, 'ComponentMaxima.add');
    for (let r = 0; r < n; r++) {
      const o = r * this.dim;
      for (let i = 0; i < this.dim; i++) if (rows[o + i]! > this.max[i]!) this.max[i] = rows[o + i]!;
    }
    this.count += n;
    return this;
  }
  /** Maxima floored at ε (a component never seen active gets ε). */
  floored(epsilon = NORMALISATION_EPSILON): Float32Array {
    if (this.count === 0) throw new RepresentationError('ComponentMaxima: no rows were added');
    return this.max.map((m) => Math.max(m, epsilon));
  }
}

/** f = normalise(G): divide by the floored maxima, then L2-normalise each row. Zero rows stay zero. */
export function normaliseRepresentation(rows: Float32Array, maxima: Float32Array, epsilon = NORMALISATION_EPSILON): Float32Array {
  const dim = maxima.length;
  const n = checkRows(rows, dim, 'normaliseRepresentation');
  const inv = new Float32Array(dim);
  for (let i = 0; i < dim; i++) inv[i] = 1 / Math.max(maxima[i]!, epsilon);
  const out = new Float32Array(rows.length);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let ss = 0;
    for (let i = 0; i < dim; i++) {
      const v = rows[o + i]! * inv[i]!;
      out[o + i] = v;
      ss += v * v;
    }
    if (ss > 0) {
      const s = 1 / Math.sqrt(ss);
      for (let i = 0; i < dim; i++) out[o + i]! *= s;
    }
  }
  return out;
}

/** The binarised representation: 1 where F7 > 0, else 0 (the paper loses ≤ 1 % on LFW with it). */
export function binariseRepresentation(rows: Float32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i]! > 0 ? 1 : 0;
  return out;
}

/** ‖F7‖₂ per row: low norms go with low confidence (web-scale §4). */
export function representationNorms(rows: Float32Array, dim: number): Float32Array {
  const n = checkRows(rows, dim, 'representationNorms');
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let ss = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) ss += rows[i]! * rows[i]!;
    out[r] = Math.sqrt(ss);
  }
  return out;
}

/** Entropy (nats) of softmax(logits) per row, computed stably. */
export function softmaxEntropy(logits: Float32Array, classes: number): Float32Array {
  const n = checkRows(logits, classes, 'softmaxEntropy');
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let m = -Infinity;
    for (let k = 0; k < classes; k++) m = Math.max(m, logits[o + k]!);
    let z = 0;
    let s = 0; // Σ e^(l−m)·(l−m)
    for (let k = 0; k < classes; k++) {
      const d = logits[o + k]! - m;
      const e = Math.exp(d);
      z += e;
      s += e * d;
    }
    // H = log Z − (Σ e^d d) / Z with d = l − m
    out[r] = Math.log(z) - s / z;
  }
  return out;
}

/** Fraction of exactly-zero components (the paper: about 75 % of F7 after ReLU). */
export function zeroFraction(rows: Float32Array): number {
  if (rows.length === 0) throw new RepresentationError('zeroFraction: empty input');
  let zeros = 0;
  for (let i = 0; i < rows.length; i++) if (rows[i] === 0) zeros++;
  return zeros / rows.length;
}

/** Pearson correlation, e.g. between representation norms and softmax entropies (paper: below −0.65). */
export function pearson(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length < 2) throw new RepresentationError(`pearson: need two equal-length series of ≥ 2 values, got ${a.length} and ${b.length}`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) throw new RepresentationError('pearson: a series is constant');
  return sab / Math.sqrt(saa * sbb);
}
