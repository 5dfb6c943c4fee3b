import { describe, expect, it } from 'vitest';
import { trainLinearSvm } from '@deepface-ts/linear-svm';
import { WasmSvm } from './svm-wasm';
import { gaussian } from './testing';

/** Primal objective ½‖w̃‖² + Σ Cᵢ loss(1 − yᵢ w̃·x̃ᵢ), in float64. */
function primal(X: Float32Array, y: Int8Array, dim: number, w: Float32Array, b: number, C: number, l2: boolean): number {
  let obj = 0.5 * (w.reduce((a, v) => a + v * v, 0) + b * b);
  for (let i = 0; i < y.length; i++) {
    let s = b;
    for (let j = 0; j < dim; j++) s += w[j] * X[i * dim + j];
    const m = Math.max(0, 1 - y[i] * s);
    obj += C * (l2 ? m * m : m);
  }
  return obj;
}

function problem(n: number, dim: number, seed: number) {
  const X = gaussian(n * dim, seed);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3 === 0 ? 1 : -1;
    // Shift positives so the problem is nearly (not fully) separable.
    for (let j = 0; j < 4; j++) X[i * dim + j] += y[i] * 0.8;
  }
  return { X, y };
}

describe('WasmSvm', () => {
  const svm = new WasmSvm();
  for (const loss of ['l2', 'l1'] as const) {
    it(`${loss} loss: reaches the same optimum as @deepface-ts/linear-svm`, () => {
      const dim = 37; // not a multiple of 4: exercises the padding
      const { X, y } = problem(300, dim, 5);
      const C = 0.5;
      const ref = trainLinearSvm(X, y, dim, { C, loss, tol: 1e-5, maxIter: 5000, shrinking: false });
      const got = svm.train(X, y, dim, { C, loss, tol: 1e-4, maxIter: 5000 });
      expect(got.converged).toBe(true);
      // The primal optimum is unique (strongly convex): same w, b up to float32 solver noise.
      const pRef = primal(X, y, dim, ref.w, ref.b, C, loss === 'l2');
      const pGot = primal(X, y, dim, got.w, got.b, C, loss === 'l2');
      expect(Math.abs(pGot - pRef) / pRef).toBeLessThan(1e-3);
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        diff += (got.w[j] - ref.w[j]) ** 2;
        norm += ref.w[j] ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(0.02);
      expect(got.b).toBeCloseTo(ref.b, 1);
      // With shrinking: the same optimum.
      const shrunk = svm.train(X, y, dim, { C, loss, tol: 1e-4, maxIter: 5000, shrinking: true });
      expect(Math.abs(primal(X, y, dim, shrunk.w, shrunk.b, C, loss === 'l2') - pRef) / pRef).toBeLessThan(1e-3);
      // Dual feasibility: 0 ≤ α ≤ C (L1) / α ≥ 0 (L2).
      for (const a of got.alpha) {
        expect(a).toBeGreaterThanOrEqual(0);
        if (loss === 'l1') expect(a).toBeLessThanOrEqual(C + 1e-6);
      }
    });
  }

  it('honours class weights and the no-bias option, reuses its memory across sizes', () => {
    const dim = 16;
    const { X, y } = problem(200, dim, 9);
    const a = svm.train(X, y, dim, { bias: false, tol: 1e-4 });
    const ref = trainLinearSvm(X, y, dim, { bias: false, tol: 1e-5, maxIter: 5000, shrinking: false });
    expect(a.b).toBe(0);
    for (let j = 0; j < dim; j++) expect(a.w[j]).toBeCloseTo(ref.w[j], 2);
    const w = svm.train(X, y, dim, { classWeights: { pos: 5, neg: 1 }, tol: 1e-4 });
    const refW = trainLinearSvm(X, y, dim, { classWeights: { pos: 5, neg: 1 }, tol: 1e-5, maxIter: 5000, shrinking: false });
    expect(w.b).toBeCloseTo(refW.b, 1);
    const big = problem(2000, 64, 3);
    expect(svm.train(big.X, big.y, 64).w.length).toBe(64);
    expect(() => svm.train(X, new Int8Array(200).fill(2), dim)).toThrow(/y\[0\] = 2/);
  });
});
