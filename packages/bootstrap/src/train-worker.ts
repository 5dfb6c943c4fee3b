/**
 * Piscina worker: trains the one-vs-all hyperplanes of a batch of identities.
 * Features, row order and offsets arrive as SharedArrayBuffers, so a task costs no copy.
 */
import { trainLinearSvm } from '@deepface-ts/linear-svm';
import { buildOneVsAllProblem, sampleOneVsAll, type TrainBatchResult, type TrainBatchTask } from './train-core';
import { WasmSvm } from './svm-wasm';

let wasmSvm: WasmSvm | undefined;

export default function trainBatch(task: TrainBatchTask): TrainBatchResult {
  const { dim, identities } = task;
  const m = identities.length;
  const w = new Float32Array(m * dim);
  const b = new Float32Array(m);
  const iterations = new Int32Array(m);
  const converged = new Uint8Array(m);
  const positives = new Int32Array(m);
  const features = new Float32Array(task.features);
  const { C, loss, bias, tol, maxIter, positiveWeight, shrinking } = task.svm;
  for (let i = 0; i < m; i++) {
    let model: { w: Float32Array; b: number; iterations: number; converged: boolean };
    if (task.svm.solver === 'js') {
      const problem = buildOneVsAllProblem(task, identities[i]);
      positives[i] = problem.positives;
      model = trainLinearSvm(problem.X, problem.y, dim, {
        C, loss, bias, tol, maxIter, shrinking, seed: problem.seed, classWeights: { pos: positiveWeight, neg: 1 },
      });
    } else {
      // Rows go straight from the shared features into the solver's memory (no X built).
      const p = sampleOneVsAll(task, identities[i]);
      positives[i] = p.positives;
      const source = { rows: p.rows.length, row: (k: number) => features.subarray(p.rows[k] * dim, (p.rows[k] + 1) * dim) };
      model = (wasmSvm ??= new WasmSvm()).train(source, p.y, dim, {
        C, loss, bias, tol, maxIter, shrinking, seed: p.seed, classWeights: { pos: positiveWeight, neg: 1 },
      });
    }
    w.set(model.w, i * dim);
    b[i] = model.b;
    iterations[i] = model.iterations;
    converged[i] = model.converged ? 1 : 0;
  }
  return { identities: Int32Array.from(identities), w, b, iterations, converged, positives };
}
