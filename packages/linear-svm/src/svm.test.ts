import { describe, expect, it } from 'vitest';
import { createRng, decisionFunction, LinearSvmError, trainLinearSvm, type LinearSvmModel } from './svm';

const tight = { tol: 1e-9, maxIter: 100_000 };

function randn(rng: () => number): number {
  const u = (rng() + 1) / 4294967297;
  const v = (rng() + 1) / 4294967297;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Two Gaussian blobs (overlapping unless `gap` is large), labels ±1. */
function blobs(n: number, d: number, seed: number, gap = 1): { X: Float32Array; y: Int8Array } {
  const rng = createRng(seed);
  const X = new Float32Array(n * d);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2 === 0 ? 1 : -1;
    for (let k = 0; k < d; k++) X[i * d + k] = randn(rng) + (k < 3 ? (y[i] * gap) / 2 : 0);
  }
  return { X, y };
}

/** Checks the KKT conditions of the dual at the returned solution, in float64 from the data. */
function checkKkt(m: LinearSvmModel, X: Float32Array, y: Int8Array, d: number, C: number, loss: 'l1' | 'l2', bias: boolean, tol: number) {
  const n = y.length;
  // w̃ = Σ αᵢ yᵢ x̃ᵢ (stationarity of the Lagrangian)
  const wRec = new Float64Array(d);
  let bRec = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) wRec[k] += m.alpha[i] * y[i] * X[i * d + k];
    if (bias) bRec += m.alpha[i] * y[i];
  }
  for (let k = 0; k < d; k++) expect(Math.abs(wRec[k] - m.w[k])).toBeLessThan(1e-4 * (1 + Math.abs(wRec[k])));
  expect(Math.abs(bRec - m.b)).toBeLessThan(1e-4 * (1 + Math.abs(bRec)));
  const f = decisionFunction(m, X, d);
  for (let i = 0; i < n; i++) {
    const margin = y[i] * f[i];
    const a = m.alpha[i];
    expect(a).toBeGreaterThanOrEqual(0);
    if (loss === 'l1') {
      expect(a).toBeLessThanOrEqual(C + 1e-12);
      if (a === 0) expect(margin).toBeGreaterThanOrEqual(1 - tol);
      else if (a >= C) expect(margin).toBeLessThanOrEqual(1 + tol);
      else expect(Math.abs(margin - 1)).toBeLessThan(tol);
    } else {
      // gradient of the dual: yᵢ w̃·x̃ᵢ − 1 + αᵢ/(2C) is 0 where αᵢ > 0 and ≥ 0 where αᵢ = 0
      const g = margin - 1 + a / (2 * C);
      if (a === 0) expect(g).toBeGreaterThanOrEqual(-tol);
      else expect(Math.abs(g)).toBeLessThan(tol);
    }
  }
}

describe('trainLinearSvm: hand-computed cases', () => {
  it('2 points (2,0)+ and (0,0)− with bias: max-margin w = (1, 0), b = −1', () => {
    const X = new Float32Array([2, 0, 0, 0]);
    const y = new Int8Array([1, -1]);
    // Hard margin via a large C. With the bias regularised, min w₁² + b² s.t. 2w₁ + b ≥ 1, −b ≥ 1 → (1, −1),
    // which is also the unregularised-bias answer (hyperplane x = 1, margin 1).
    const m = trainLinearSvm(X, y, 2, { C: 1e6, loss: 'l1', ...tight });
    expect(m.converged).toBe(true);
    expect(m.w[0]).toBeCloseTo(1, 5);
    expect(m.w[1]).toBeCloseTo(0, 5);
    expect(m.b).toBeCloseTo(-1, 5);
  });

  it('4 points (±1,0), (0,±1): w = (1, 1), b = 0', () => {
    const X = new Float32Array([1, 0, 0, 1, -1, 0, 0, -1]);
    const y = new Int8Array([1, 1, -1, -1]);
    for (const loss of ['l1', 'l2'] as const) {
      const m = trainLinearSvm(X, y, 2, { C: 1e6, loss, ...tight });
      expect(m.w[0]).toBeCloseTo(1, 4);
      expect(m.w[1]).toBeCloseTo(1, 4);
      expect(m.b).toBeCloseTo(0, 4);
    }
  });

  it('soft margin, 1-D, x = ±1, no bias: L1 gives w = 2C (C < ½), L2 gives w = 4C/(1+4C)', () => {
    const X = new Float32Array([1, -1]);
    const y = new Float32Array([1, -1]);
    // L1: ½w² + 2C(1−w) → w = 2C.  L2: ½w² + 2C(1−w)² → w = 4C/(1+4C).
    const l1 = trainLinearSvm(X, y, 1, { C: 0.25, loss: 'l1', bias: false, ...tight });
    expect(l1.w[0]).toBeCloseTo(0.5, 6);
    expect(l1.b).toBe(0);
    const l2 = trainLinearSvm(X, y, 1, { C: 1, loss: 'l2', bias: false, ...tight });
    expect(l2.w[0]).toBeCloseTo(0.8, 6);
  });

  it('sample weights and class weights scale C per sample', () => {
    // Same 1-D problem, L1: ½w² + C₊(1−w) + C₋(1−w) → w = C₊ + C₋.
    const X = new Float32Array([1, -1]);
    const y = new Int8Array([1, -1]);
    const sw = trainLinearSvm(X, y, 1, { C: 0.1, loss: 'l1', bias: false, sampleWeights: new Float32Array([2, 1]), ...tight });
    expect(sw.w[0]).toBeCloseTo(0.3, 6);
    const cw = trainLinearSvm(X, y, 1, { C: 0.1, loss: 'l1', bias: false, classWeights: { pos: 1, neg: 3 }, ...tight });
    expect(cw.w[0]).toBeCloseTo(0.4, 6);
    // A weight of 0 removes the sample: only (1,+) and (−1,−) at weight 1 matter, the outlier is ignored.
    const X3 = new Float32Array([1, -1, -5]);
    const y3 = new Int8Array([1, -1, 1]);
    const z = trainLinearSvm(X3, y3, 1, { C: 0.1, loss: 'l1', bias: false, sampleWeights: new Float32Array([1, 1, 0]), ...tight });
    expect(z.w[0]).toBeCloseTo(0.2, 6);
    expect(z.alpha[2]).toBe(0);
  });
});

describe('trainLinearSvm: KKT conditions on random overlapping data', () => {
  const d = 5;
  const { X, y } = blobs(120, d, 7, 1);
  for (const loss of ['l1', 'l2'] as const) {
    for (const bias of [true, false]) {
      it(`loss ${loss}, bias ${bias}`, () => {
        const C = 0.7;
        const m = trainLinearSvm(X, y, d, { C, loss, bias, tol: 1e-7, maxIter: 100_000 });
        expect(m.converged).toBe(true);
        checkKkt(m, X, y, d, C, loss, bias, 1e-5);
      });
    }
  }

  it('shrinking on and off reach the same solution', () => {
    const a = trainLinearSvm(X, y, d, { C: 0.7, tol: 1e-8, maxIter: 100_000, shrinking: true });
    const b = trainLinearSvm(X, y, d, { C: 0.7, tol: 1e-8, maxIter: 100_000, shrinking: false });
    for (let k = 0; k < d; k++) expect(a.w[k]).toBeCloseTo(b.w[k], 5);
    expect(a.b).toBeCloseTo(b.b, 5);
  });

  it('is reproducible for a seed', () => {
    const a = trainLinearSvm(X, y, d, { seed: 42, tol: 0.1 });
    const b = trainLinearSvm(X, y, d, { seed: 42, tol: 0.1 });
    expect(Array.from(a.w)).toEqual(Array.from(b.w));
    expect(a.b).toBe(b.b);
    expect(a.iterations).toBe(b.iterations);
  });

  it('reports converged: false when maxIter is too small', () => {
    const m = trainLinearSvm(X, y, d, { tol: 1e-12, maxIter: 2 });
    expect(m.iterations).toBe(2);
    expect(m.converged).toBe(false);
  });
});

describe('trainLinearSvm: bad input', () => {
  it('rejects a shape mismatch, naming the lengths', () => {
    expect(() => trainLinearSvm(new Float32Array(7), new Int8Array([1, -1]), 3)).toThrow(/X.length = 7 is not a multiple of d = 3/);
    expect(() => trainLinearSvm(new Float32Array(6), new Int8Array([1, -1, 1]), 3)).toThrow(/y.length = 3 but X has n = 2/);
  });
  it('rejects labels other than ±1', () => {
    expect(() => trainLinearSvm(new Float32Array(4), new Int8Array([1, 0]), 2)).toThrow(/y\[1\] = 0/);
    expect(() => trainLinearSvm(new Float32Array(4), new Float32Array([1, 0.5]), 2)).toThrow(LinearSvmError);
  });
  it('rejects an empty class', () => {
    expect(() => trainLinearSvm(new Float32Array(4), new Int8Array([1, 1]), 2)).toThrow(/negative \(-1\) class is empty/);
  });
  it('rejects NaN features and bad options', () => {
    expect(() => trainLinearSvm(new Float32Array([0, NaN]), new Int8Array([1, -1]), 1)).toThrow(/row 1, column 0/);
    expect(() => trainLinearSvm(new Float32Array([0, 1]), new Int8Array([1, -1]), 1, { C: -1 })).toThrow(/C must be/);
    expect(() => trainLinearSvm(new Float32Array([0, 1]), new Int8Array([1, -1]), 1, { sampleWeights: new Float32Array(3) })).toThrow(
      /sampleWeights.length = 3/,
    );
  });
  it('decisionFunction checks d against the model', () => {
    const m = trainLinearSvm(new Float32Array([1, -1]), new Int8Array([1, -1]), 1);
    expect(() => decisionFunction(m, new Float32Array(4), 2)).toThrow(/model has 1 weights but d = 2/);
  });
});

describe("solver 'primal-newton' (L2 loss)", () => {
  const d = 4;
  const { X, y } = blobs(200, d, 21, 0.8);
  it('hand case: 1-D x = ±1, no bias, C = 1 → w = 0.8', () => {
    const m = trainLinearSvm(new Float32Array([1, -1]), new Int8Array([1, -1]), 1, { C: 1, bias: false, solver: 'primal-newton' });
    expect(m.converged).toBe(true);
    expect(m.w[0]).toBeCloseTo(0.8, 6);
  });
  for (const bias of [true, false]) {
    it(`matches the dual solver and meets the KKT conditions (bias ${bias}, weighted, large C)`, () => {
      const opts = { C: 50, bias, classWeights: { pos: 3, neg: 1 }, sampleWeights: new Float32Array(200).map((_, i) => 0.5 + (i % 3)) };
      const p = trainLinearSvm(X, y, d, { ...opts, solver: 'primal-newton' });
      const q = trainLinearSvm(X, y, d, { ...opts, tol: 1e-9, maxIter: 200_000 });
      expect(p.converged).toBe(true);
      expect(p.iterations).toBeLessThan(30);
      const scale = Math.max(...Array.from(q.w, Math.abs), Math.abs(q.b));
      for (let k = 0; k < d; k++) expect(Math.abs(p.w[k] - q.w[k])).toBeLessThan(1e-4 * scale);
      expect(Math.abs(p.b - q.b)).toBeLessThan(1e-4 * scale);
    });
  }
  it('rejects the L1 loss', () => {
    expect(() => trainLinearSvm(X, y, d, { loss: 'l1', solver: 'primal-newton' })).toThrow(/needs loss 'l2'/);
  });
});
