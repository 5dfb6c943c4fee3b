/**
 * Fusion speed: `pnpm --filter @deepface-ts/piper bench`.
 * 1,000 instances × 500 identities × 10 parts (+ the global model), each part firing on a random 40 %
 * of instances and trained on a random 80 % of identities; sparsity filling + weighted sum + argmax.
 * Baseline in the same run: the two-step reference (fill every part into its own n×K matrix, then sum).
 * Ends with one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { argmaxRows, filledParts, fuse, fuseScores, type FusionInput, type PartPrediction } from '../src/fusion';
import { createRandom } from '../src/rng';

const n = 1000;
const K = 500;
const parts = 10;
const reps = 5;
const rand = createRandom(1);

function prediction(name: string, fireRate: number, trainRate: number): PartPrediction {
  const trained = new Uint8Array(K).map(() => (rand() < trainRate ? 1 : 0));
  const probs = new Float32Array(n * K);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let y = 0; y < K; y++) if (trained[y]) s += probs[j * K + y] = rand();
    for (let y = 0; y < K; y++) probs[j * K + y] /= s;
  }
  return { name, probs, fires: new Uint8Array(n).map(() => (rand() < fireRate ? 1 : 0)), trained };
}

const input: FusionInput = {
  global: prediction('global', 1, 1),
  parts: Array.from({ length: parts }, (_, i) => prediction(`part${i}`, 0.4, 0.8)),
  n,
  K,
};
const w = Float32Array.from({ length: parts + 1 }, () => rand());

function time(f: () => Float32Array): { ms: number; out: Float32Array } {
  const times: number[] = [];
  let out: Float32Array = new Float32Array(0);
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    out = f();
    argmaxRows(out, K);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(reps / 2)], out };
}

const fast = time(() => fuse(input, w));
const ref = time(() => fuseScores(filledParts(input), w, n, K));
let maxDiff = 0;
for (let t = 0; t < fast.out.length; t++) maxDiff = Math.max(maxDiff, Math.abs(fast.out[t] - ref.out[t]));
console.error(`fuse (in place): ${fast.ms.toFixed(1)} ms; reference (fill then sum): ${ref.ms.toFixed(1)} ms; median of ${reps}; max |difference| ${maxDiff.toExponential(2)}`);
console.log(JSON.stringify({ n, K, parts, reps, fuse_ms: Number(fast.ms.toFixed(1)), reference_ms: Number(ref.ms.toFixed(1)), max_abs_diff: maxDiff }));
