/**
 * One-vs-all hyperplanes per identity (web-scale §3.3), trained in parallel on worker
 * threads (piscina), with a progress bar, optionally streamed into a HyperplaneStore.
 *
 * The classifier is a linear SVM by LIBLINEAR's dual coordinate descent, L2-loss (squared
 * hinge) by default: the paper only asks for "linear" hyperplanes, and the squared hinge
 * converges in few passes on 550 × 256 problems. Solved in WASM SIMD (csrc/svm.c) by
 * default, or by @deepface-ts/linear-svm (`svm.solver: 'js'`, the baseline).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { createProgress } from '@deepface-ts/progress';
import { BootstrapError } from './errors';
import type { HyperplaneStore } from './store';
import type { SvmSettings, TrainBatchResult, TrainBatchTask } from './train-core';
import { rowCount, assertFinite } from './vectors';

export interface TrainHyperplanesOptions {
  /** Which identities to train (default: all, 0..identityCount-1). */
  identities?: number[];
  /** Negatives sampled per identity from the other identities' rows (default 500). */
  negatives?: number;
  /** Seed of the negative sampling and the SVM's permutations (default 1). */
  seed?: number;
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  /** Identities per worker task (default 16): amortises message cost. */
  batchSize?: number;
  svm?: Partial<SvmSettings>;
  /** Progress bar label; false for none (default "hyperplanes"). */
  progress?: string | false;
  /**
   * Append each finished batch to this store (labels from `names`); batches are appended
   * as they finish, so a killed run keeps every committed batch.
   */
  store?: HyperplaneStore;
  /** Identity names (index = identity number), needed with `store`. */
  names?: string[];
}

/** The trained hyperplanes: the batch result's columns (rows in the order of `options.identities`), plus the dimension and wall-clock seconds. */
export interface Hyperplanes extends TrainBatchResult {
  dim: number;
  seconds: number;
}

export const DEFAULT_SVM: SvmSettings = { C: 1, loss: 'l2', bias: true, tol: 0.1, maxIter: 200, positiveWeight: 1, solver: 'wasm' };

/**
 * Trains one hyperplane per identity. `labels[r]` is row r's identity number (0-based,
 * dense); `features` is n×dim.
 */
export async function trainHyperplanes(
  features: Float32Array,
  labels: Int32Array,
  dim: number,
  options: TrainHyperplanesOptions = {},
): Promise<Hyperplanes> {
  const n = rowCount(features, dim, 'features');
  assertFinite(features, dim, 'features');
  if (!(labels instanceof Int32Array) || labels.length !== n) {
    throw new BootstrapError(`labels must be an Int32Array with one identity per row (${n}), got length ${labels?.length}`);
  }
  let identityCount = 0;
  for (let r = 0; r < n; r++) {
    if (labels[r] < 0) throw new BootstrapError(`labels[${r}] = ${labels[r]}: identities are numbered from 0`);
    identityCount = Math.max(identityCount, labels[r] + 1);
  }
  const identities = options.identities ?? Array.from({ length: identityCount }, (_, i) => i);
  for (const id of identities) {
    if (!Number.isInteger(id) || id < 0 || id >= identityCount) throw new BootstrapError(`identity ${id} has no rows (labels go 0..${identityCount - 1})`);
  }
  if (options.store) {
    if (options.store.dim !== dim) throw new BootstrapError(`store dim ${options.store.dim} ≠ features dim ${dim}`);
    if (!options.names || options.names.length < identityCount) throw new BootstrapError('options.names must name every identity when writing to a store');
  }

  // Group rows by identity (counting sort) into shared memory, once for all workers.
  const featuresShared = new SharedArrayBuffer(features.byteLength);
  new Float32Array(featuresShared).set(features);
  const offsets = new Int32Array(new SharedArrayBuffer((identityCount + 1) * 4));
  for (let r = 0; r < n; r++) offsets[labels[r] + 1]++;
  for (let i = 0; i < identityCount; i++) offsets[i + 1] += offsets[i];
  const order = new Int32Array(new SharedArrayBuffer(n * 4));
  const fill = offsets.slice(0, identityCount);
  for (let r = 0; r < n; r++) order[fill[labels[r]]++] = r;

  const svm = { ...DEFAULT_SVM, ...options.svm };
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const pool = new Piscina({ filename: trainWorkerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  const progress = options.progress === false ? undefined : createProgress({ label: options.progress ?? 'hyperplanes', total: identities.length, unit: 'planes' });
  const m = identities.length;
  const out: Hyperplanes = {
    dim,
    identities: Int32Array.from(identities),
    w: new Float32Array(m * dim),
    b: new Float32Array(m),
    iterations: new Int32Array(m),
    converged: new Uint8Array(m),
    positives: new Int32Array(m),
    seconds: 0,
  };
  const t0 = performance.now();
  let notConverged = 0;
  try {
    const jobs: Promise<void>[] = [];
    for (let start = 0; start < m; start += batchSize) {
      const batch = identities.slice(start, start + batchSize);
      const task: TrainBatchTask = {
        features: featuresShared,
        dim,
        order: order.buffer as SharedArrayBuffer,
        offsets: offsets.buffer as SharedArrayBuffer,
        identities: batch,
        negatives: options.negatives ?? 500,
        seed: options.seed ?? 1,
        svm,
      };
      jobs.push(
        (pool.run(task) as Promise<TrainBatchResult>).then((r) => {
          out.w.set(r.w, start * dim);
          out.b.set(r.b, start);
          out.iterations.set(r.iterations, start);
          out.converged.set(r.converged, start);
          out.positives.set(r.positives, start);
          for (const c of r.converged) if (!c) notConverged++;
          if (options.store) {
            options.store.append({ vectors: r.w, bias: r.b, labels: Array.from(r.identities, (i) => options.names![i]) });
          }
          progress?.tick(batch.length, notConverged ? `${notConverged} not converged` : undefined);
        }),
      );
    }
    await Promise.all(jobs);
  } finally {
    await pool.destroy();
  }
  out.seconds = (performance.now() - t0) / 1000;
  progress?.done();
  return out;
}

/**
 * The worker entry, built by tsup beside the bundle (dist/train-worker.{js,cjs}). From the
 * TS sources (vitest, tsx) it is the built dist file: workers cannot load .ts on Node 20.
 */
export function trainWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  const candidates = here.endsWith('.cjs')
    ? [join(dir, 'train-worker.cjs')]
    : here.endsWith('.js')
      ? [join(dir, 'train-worker.js')]
      : [join(dir, '..', 'dist', 'train-worker.js')];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new BootstrapError(
    `hyperplane worker not found at ${candidates.join(' or ')}: build the package first (pnpm --filter @deepface-ts/bootstrap build)`,
  );
}
