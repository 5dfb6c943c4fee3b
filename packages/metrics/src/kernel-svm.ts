import { createRequire } from 'node:module';
import { MetricsError } from './errors';

/** The parts of libsvm-js's SVM class this module uses (the package ships no types). */
interface LibsvmInstance {
  train(samples: number[][], labels: number[]): void;
  predictOne(sample: number[]): number;
  getSVIndices(): number[];
  getLabels(): number[];
  serializeModel(): string;
  free(): void;
}
export interface LibsvmClass {
  new (options: Record<string, unknown>): LibsvmInstance;
  KERNEL_TYPES: { LINEAR: string; POLYNOMIAL: string; RBF: string; SIGMOID: string; PRECOMPUTED: string };
  SVM_TYPES: { C_SVC: string };
}

let libsvmPromise: Promise<LibsvmClass> | undefined;

/**
 * Loads libsvm-js (LIBSVM 3.22 compiled to WebAssembly) once. It is a CommonJS module whose
 * export (`module.exports`) is a promise of the class. A dynamic `import()` cannot be used:
 * the promise's own `then` leaks into the module namespace and breaks `await`. So it is
 * `require`d (tsup's `shims` provide `import.meta.url` in the CJS build).
 */
export function loadLibsvm(): Promise<LibsvmClass> {
  if (!libsvmPromise) {
    const require = createRequire(import.meta.url);
    // Its Emscripten loader tries `WebAssembly.instantiateStreaming(fetch(path))`, which fails on
    // a file path in Node and prints a warning before falling back to reading the file. Hiding
    // the streaming API for the synchronous part of the load makes it take the file path directly.
    const wasm = WebAssembly as { instantiateStreaming?: unknown };
    const streaming = wasm.instantiateStreaming;
    wasm.instantiateStreaming = undefined;
    try {
      libsvmPromise = Promise.resolve(require('libsvm-js') as Promise<LibsvmClass>);
    } finally {
      wasm.instantiateStreaming = streaming;
    }
  }
  return libsvmPromise;
}

/**
 * A representation of each pair: n×d row-major (e.g. the χ² terms or |f1−f2| of the pair's
 * two descriptors under one network), with its power β for K(x, y) = −‖x − y‖₂^β.
 */
export interface PairRepresentation {
  rows: Float32Array;
  d: number;
  /** Power of the CPD kernel, 0 < β ≤ 2 (default 1). */
  beta?: number;
}

/**
 * The DeepFace ensemble kernel K = Σ_r −‖x_r − y_r‖^β_r between the rows of `a` and `b`
 * (one matrix per representation, same order), as an |a|×|b| row-major Float64Array.
 */
export function powerCpdKernel(a: readonly PairRepresentation[], b: readonly PairRepresentation[]): Float64Array {
  if (a.length === 0 || a.length !== b.length) throw new MetricsError(`powerCpdKernel: need the same non-zero number of representations on both sides (got ${a.length} and ${b.length})`);
  const na = a[0]!.rows.length / a[0]!.d;
  const nb = b[0]!.rows.length / b[0]!.d;
  const K = new Float64Array(na * nb);
  for (let r = 0; r < a.length; r++) {
    const A = a[r]!;
    const B = b[r]!;
    const d = A.d;
    const beta = A.beta ?? 1;
    if (B.d !== d) throw new MetricsError(`powerCpdKernel: representation ${r} has d = ${d} on one side and ${B.d} on the other`);
    if (!(beta > 0 && beta <= 2)) throw new MetricsError(`powerCpdKernel: representation ${r} has β = ${beta}; −‖x−y‖^β is conditionally positive definite only for 0 < β ≤ 2`);
    if (A.rows.length !== na * d || B.rows.length !== nb * d) {
      throw new MetricsError(`powerCpdKernel: representation ${r} has ${A.rows.length / d} and ${B.rows.length / d} rows, expected ${na} and ${nb}`);
    }
    // ‖x−y‖² = ‖x‖² + ‖y‖² − 2⟨x,y⟩ loses precision for near-equal rows, so differences are
    // summed directly; when both sides are the same matrix only the upper triangle is computed.
    const Ar = A.rows;
    const Br = B.rows;
    const symmetric = Ar === Br;
    const half = beta / 2;
    for (let i = 0; i < na; i++) {
      const oi = i * d;
      for (let j = symmetric ? i : 0; j < nb; j++) {
        const oj = j * d;
        let s = 0;
        for (let k = 0; k < d; k++) {
          const t = Ar[oi + k]! - Br[oj + k]!;
          s += t * t;
        }
        const v = beta === 2 ? s : beta === 1 ? Math.sqrt(s) : Math.pow(s, half);
        K[i * nb + j] -= v;
        if (symmetric && j !== i) K[j * nb + i] -= v;
      }
    }
  }
  return K;
}

/** A trained precomputed-kernel SVM in a form that scores new rows without libsvm. */
export interface KernelSvmModel {
  /** Indices (0-based) of the support vectors among the training rows. */
  supportIndices: Int32Array;
  /** Their coefficients yᵢαᵢ, signed so that a positive decision value means "same". */
  coefficients: Float64Array;
  /** Decision value = Σ coef·K(x, sv) + bias. */
  bias: number;
  trainSize: number;
}

/**
 * Trains a C-SVC (C = 1 by default) on a precomputed n×n kernel with libsvm-js. LIBSVM's
 * precomputed format needs every row to start with the sample's 1-based index (column 0)
 * followed by K(i, 1..n); without it the results are silently wrong. Labels: 1/true = same.
 * The decision function is read back from the serialised model (coefficients, ρ, label order)
 * so scores are real-valued, not just ±1 predictions.
 */
export async function trainPrecomputedSvm(
  K: Float64Array,
  n: number,
  labels: ArrayLike<boolean | number>,
  options: { C?: number; tolerance?: number; cacheSizeMb?: number } = {},
): Promise<KernelSvmModel> {
  if (K.length !== n * n) throw new MetricsError(`trainPrecomputedSvm: kernel has ${K.length} values, expected ${n}×${n}`);
  if (labels.length !== n) throw new MetricsError(`trainPrecomputedSvm: ${n} kernel rows but ${labels.length} labels`);
  const y: number[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const same = labels[i] === true || labels[i] === 1;
    y.push(same ? 1 : -1);
    if (same) pos++;
  }
  if (pos === 0 || pos === n) throw new MetricsError(`trainPrecomputedSvm: need both same and different pairs (got ${pos} same of ${n})`);
  const SVM = await loadLibsvm();
  const svm = new SVM({
    type: SVM.SVM_TYPES.C_SVC,
    kernel: SVM.KERNEL_TYPES.PRECOMPUTED,
    cost: options.C ?? 1,
    tolerance: options.tolerance ?? 0.001,
    cacheSize: options.cacheSizeMb ?? 200,
    quiet: true,
  });
  const samples: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(n + 1);
    row[0] = i + 1;
    for (let j = 0; j < n; j++) row[j + 1] = K[i * n + j]!;
    samples[i] = row;
  }
  try {
    svm.train(samples, y);
    return parseModel(svm.serializeModel(), n);
  } finally {
    svm.free();
  }
}

/**
 * Reads LIBSVM's text model: `rho`, `label` and the `SV` section whose lines are
 * `coef 0:index` for a precomputed kernel. Decision f(x) = Σ coefᵢ K(x, svᵢ) − ρ is positive
 * for the first label; it is flipped when that label is −1 so positive always means "same".
 */
export function parseModel(text: string, trainSize: number): KernelSvmModel {
  const lines = text.split('\n');
  let rho = NaN;
  let labels: number[] = [];
  let kernel = '';
  const sv: number[] = [];
  const coef: number[] = [];
  let inSv = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (inSv) {
      const parts = line.split(/\s+/);
      const c = Number(parts[0]);
      const m = /^0:(\d+(?:\.\d*)?)/.exec(parts[1] ?? '');
      if (!m || !Number.isFinite(c)) throw new MetricsError(`parseModel: unexpected support-vector line "${line}"`);
      coef.push(c);
      sv.push(Math.round(Number(m[1])) - 1);
      continue;
    }
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'SV') inSv = true;
    else if (key === 'rho') rho = Number(rest[0]);
    else if (key === 'label') labels = rest.map(Number);
    else if (key === 'kernel_type') kernel = rest[0] ?? '';
  }
  if (kernel !== 'precomputed') throw new MetricsError(`parseModel: expected a precomputed-kernel model, got kernel_type "${kernel}"`);
  if (labels.length !== 2 || !Number.isFinite(rho)) throw new MetricsError('parseModel: model lacks a two-class label line or rho');
  const sign = labels[0] === 1 ? 1 : -1;
  return {
    supportIndices: Int32Array.from(sv),
    coefficients: Float64Array.from(coef, (c) => sign * c),
    bias: -sign * rho,
    trainSize,
  };
}

/** Decision values for test rows given their kernel against the training rows (m×n row-major). */
export function kernelSvmScores(model: KernelSvmModel, Ktest: Float64Array): Float64Array {
  const n = model.trainSize;
  const m = Ktest.length / n;
  if (!Number.isInteger(m)) throw new MetricsError(`kernelSvmScores: test kernel has ${Ktest.length} values, not a multiple of the ${n} training rows`);
  const out = new Float64Array(m);
  const { supportIndices: idx, coefficients: c } = model;
  for (let i = 0; i < m; i++) {
    let s = model.bias;
    const o = i * n;
    for (let k = 0; k < idx.length; k++) s += c[k]! * Ktest[o + idx[k]!]!;
    out[i] = s;
  }
  return out;
}
