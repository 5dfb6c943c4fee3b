/**
 * Training-speed benchmark: `pnpm --filter @deepface-ts/linear-svm bench`.
 * Synthetic overlapping Gaussian classes (n × d), our defaults (C = 1, L2 loss, bias on, tol 0.1 as LIBLINEAR).
 * Headline: unit-norm rows (as the project's descriptors are L2-normalised). Also the raw, unnormalised rows
 * (‖x‖² ≈ 256, so C = 1 acts like a 256× larger C): the known slow regime of dual coordinate descent.
 * Baseline in the same run: LIBSVM (libsvm-js, asm build, linear kernel) on a subset, against ours on the same subset.
 * Ends with one JSON line.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { decisionFunction, trainLinearSvm } from '../src/index';
import { createRng } from '../src/svm';

function problem(n: number, d: number, seed: number, unitNorm: boolean) {
  const rng = createRng(seed);
  const gauss = () => {
    const u = (rng() + 1) / 4294967297;
    const v = (rng() + 1) / 4294967297;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const X = new Float32Array(n * d);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng() & 1 ? 1 : -1;
    let sq = 0;
    for (let k = 0; k < d; k++) {
      const v = gauss() + (k < 8 ? 0.25 * y[i] : 0);
      X[i * d + k] = v;
      sq += v * v;
    }
    if (unitNorm) for (let k = 0; k < d; k++) X[i * d + k] /= Math.sqrt(sq);
  }
  return { X, y };
}

function accuracy(scores: Float32Array, y: Int8Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if ((scores[i] > 0 ? 1 : -1) === y[i]) ok++;
  return ok / y.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const n = 20_000;
const d = 256;
const reps = 3;
const { X, y } = problem(n, d, 1, true);
const test = problem(5_000, d, 2, true);
const raw = problem(n, d, 1, false);
const rawTest = problem(5_000, d, 2, false);
const results: Record<string, unknown> = { n, d, reps };

for (const [name, loss, data, testData, repeats] of [
  ['l2', 'l2', { X, y }, test, reps],
  ['l1', 'l1', { X, y }, test, reps],
  ['raw_l2', 'l2', raw, rawTest, 1],
] as const) {
  const times: number[] = [];
  let last;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    last = trainLinearSvm(data.X, data.y, d, { loss, seed: r + 1 });
    times.push(performance.now() - t0);
  }
  const acc = accuracy(decisionFunction(last!, testData.X, d), testData.y);
  console.error(
    `ours ${name}: n=${n} d=${d} median ${median(times).toFixed(1)} ms over ${repeats}, ${last!.iterations} iterations, converged ${last!.converged}, test accuracy ${(acc * 100).toFixed(2)} %`,
  );
  results[`ours_${name}_ms`] = Number(median(times).toFixed(1));
  results[`ours_${name}_iterations`] = last!.iterations;
  results[`ours_${name}_converged`] = last!.converged;
  results[`ours_${name}_test_accuracy`] = Number(acc.toFixed(4));
}

// Baseline: LIBSVM (SMO, kernel-matrix cache) on a 1,000-sample subset, against ours on the same subset.
interface Libsvm {
  new (o: Record<string, unknown>): { train(s: number[][], l: number[]): void; predict(s: number[][]): number[]; free(): void };
  KERNEL_TYPES: { LINEAR: number };
  SVM_TYPES: { C_SVC: number };
}
const SVM = createRequire(import.meta.url)('libsvm-js/asm') as Libsvm;
const m = 1_000;
const Xs = X.subarray(0, m * d);
const ys = y.subarray(0, m);
const rows: number[][] = [];
for (let i = 0; i < m; i++) rows.push(Array.from(Xs.subarray(i * d, (i + 1) * d)));
const testRows: number[][] = [];
for (let i = 0; i < test.y.length; i++) testRows.push(Array.from(test.X.subarray(i * d, (i + 1) * d)));
let t0 = performance.now();
const svm = new SVM({ kernel: SVM.KERNEL_TYPES.LINEAR, type: SVM.SVM_TYPES.C_SVC, cost: 1, quiet: true });
svm.train(rows, Array.from(ys));
const libsvmMs = performance.now() - t0;
const pred = svm.predict(testRows);
svm.free();
let ok = 0;
for (let i = 0; i < pred.length; i++) if (pred[i] === test.y[i]) ok++;
t0 = performance.now();
const small = trainLinearSvm(Xs, ys, d, { loss: 'l1', tol: 0.001 }); // LIBSVM's default tolerance
const oursSmallMs = performance.now() - t0;
const smallAcc = accuracy(decisionFunction(small, test.X, d), test.y);
console.error(`subset n=${m}: LIBSVM (libsvm-js asm) ${libsvmMs.toFixed(1)} ms, accuracy ${((ok / pred.length) * 100).toFixed(2)} %; ours l1 ${oursSmallMs.toFixed(1)} ms, accuracy ${(smallAcc * 100).toFixed(2)} %`);
Object.assign(results, {
  subset_n: m,
  libsvm_subset_ms: Number(libsvmMs.toFixed(1)),
  libsvm_subset_test_accuracy: Number((ok / pred.length).toFixed(4)),
  ours_l1_subset_ms: Number(oursSmallMs.toFixed(1)),
  ours_l1_subset_test_accuracy: Number(smallAcc.toFixed(4)),
});
// Few features, many rows, large effective C (PIPER's part-weight problem: 1,050 instances × 150 labels,
// 4 probability features, positives weighted 149×): dual coordinate descent against the primal Newton solver.
{
  const inst = 1050;
  const K = 150;
  const m = 4;
  const rng = createRng(3);
  const u = () => rng() / 4294967296;
  const rows = inst * K;
  const Xw = new Float32Array(rows * m);
  const yw = new Int8Array(rows);
  for (let j = 0; j < inst; j++) {
    const label = j % K;
    for (let f = 0; f < m; f++) {
      let sum = 0;
      for (let c = 0; c < K; c++) sum += Xw[(j * K + c) * m + f] = u() ** 4 + (c === label ? 0.3 * u() : 0);
      for (let c = 0; c < K; c++) Xw[(j * K + c) * m + f] /= sum;
    }
    for (let c = 0; c < K; c++) yw[j * K + c] = c === label ? 1 : -1;
  }
  for (const C of [0.1, 1]) {
    for (const solver of ['dual', 'primal-newton'] as const) {
      const t0 = performance.now();
      const model = trainLinearSvm(Xw, yw, m, { C, solver, classWeights: { pos: K - 1, neg: 1 } });
      const ms = performance.now() - t0;
      console.error(`weights problem ${rows}×${m}, C=${C}, ${solver}: ${ms.toFixed(1)} ms, ${model.iterations} iterations, converged ${model.converged}`);
      results[`weights_C${C}_${solver.replace('-', '_')}_ms`] = Number(ms.toFixed(1));
      results[`weights_C${C}_${solver.replace('-', '_')}_converged`] = model.converged;
    }
  }
}
console.log(JSON.stringify(results));
