import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createRng, decisionFunction, trainLinearSvm } from './svm';

interface LibsvmInstance {
  train(samples: number[][], labels: number[]): void;
  serializeModel(): string;
  free(): void;
}
interface LibsvmClass {
  new (opts: Record<string, unknown>): LibsvmInstance;
  KERNEL_TYPES: { LINEAR: number };
  SVM_TYPES: { C_SVC: number };
}
const Libsvm = createRequire(import.meta.url)('libsvm-js/asm') as LibsvmClass;

/** Reads w = Σ coefᵢ svᵢ and b = −rho from LIBSVM's model text (linear kernel, 2 classes). */
function linearModelFromLibsvm(text: string, d: number): { w: Float64Array; b: number; firstLabel: number } {
  const lines = text.split('\n');
  const rho = Number(lines.find((l) => l.startsWith('rho '))!.split(' ')[1]);
  const firstLabel = Number(lines.find((l) => l.startsWith('label '))!.split(' ')[1]);
  const w = new Float64Array(d);
  for (const line of lines.slice(lines.indexOf('SV') + 1)) {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) continue;
    const coef = Number(parts[0]);
    for (const p of parts.slice(1)) {
      const [idx, val] = p.split(':');
      w[Number(idx) - 1] += coef * Number(val);
    }
  }
  return { w, b: -rho, firstLabel };
}

/**
 * LIBSVM's C-SVC leaves the bias unregularised; LIBLINEAR-with-bias-feature regularises it, so the two
 * solve different problems in general. On point-symmetric data (every (x, y) also appears as (−x, −y)) the
 * optimal bias of both is exactly 0 (the problem is invariant under the flip, and its solution is unique),
 * so there both must give the same hinge-loss (L1) solution: this is an exact comparison, not a loose one.
 */
function symmetricProblem(half: number, d: number, seed: number) {
  const rng = createRng(seed);
  const u = () => rng() / 4294967296 - 0.5;
  const X = new Float32Array(2 * half * d);
  const y = new Int8Array(2 * half);
  for (let i = 0; i < half; i++) {
    const label = i === 0 ? 1 : u() + 0.15 > 0 ? 1 : -1; // row 0 is +1 so LIBSVM's first label is +1
    for (let k = 0; k < d; k++) {
      const v = u() * 2 + (k === 0 ? label * 0.3 : 0); // overlapping classes: many bounded αᵢ = C
      X[i * d + k] = v;
      X[(half + i) * d + k] = -v;
    }
    y[i] = label;
    y[half + i] = -label;
  }
  return { X, y };
}

describe('agreement with LIBSVM (libsvm-js) on linear C-SVC', () => {
  for (const [half, d, C, seed] of [
    [30, 4, 1, 1],
    [50, 8, 0.1, 2],
    [40, 3, 10, 3],
  ] as const) {
    it(`n=${2 * half}, d=${d}, C=${C}: same decision values`, () => {
      const { X, y } = symmetricProblem(half, d, seed);
      const rows: number[][] = [];
      for (let i = 0; i < y.length; i++) rows.push(Array.from(X.subarray(i * d, (i + 1) * d)));
      const svm = new Libsvm({ kernel: Libsvm.KERNEL_TYPES.LINEAR, type: Libsvm.SVM_TYPES.C_SVC, cost: C, tolerance: 1e-7, quiet: true });
      svm.train(rows, Array.from(y));
      const ref = linearModelFromLibsvm(svm.serializeModel(), d);
      svm.free();
      expect(ref.firstLabel).toBe(1);
      // The premise of the comparison: LIBSVM's (unregularised) bias is 0 on symmetric data.
      expect(Math.abs(ref.b)).toBeLessThan(1e-5);

      const probe = symmetricProblem(25, d, seed + 100).X;
      const refValues = new Float64Array(probe.length / d);
      for (let i = 0; i < refValues.length; i++) {
        let s = ref.b;
        for (let k = 0; k < d; k++) s += ref.w[k] * probe[i * d + k];
        refValues[i] = s;
      }
      const scale = Math.max(...refValues.map(Math.abs));
      for (const bias of [false, true]) {
        const ours = trainLinearSvm(X, y, d, { C, loss: 'l1', bias, tol: 1e-7, maxIter: 100_000 });
        expect(ours.converged).toBe(true);
        expect(Math.abs(ours.b)).toBeLessThan(1e-5);
        const values = decisionFunction(ours, probe, d);
        // Both solvers stop at ~1e-7 gradient tolerance; float32 storage of w adds ~1e-7 relative.
        for (let i = 0; i < values.length; i++) expect(Math.abs(values[i] - refValues[i])).toBeLessThan(1e-4 * scale);
      }
    });
  }
});
