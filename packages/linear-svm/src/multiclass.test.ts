import { describe, expect, it } from 'vitest';
import { scoresOneVsRest, softmaxRows, trainOneVsRest } from './multiclass';
import { createRng, trainLinearSvm } from './svm';

function threeBlobs(perClass: number, d: number, seed: number, spread: number) {
  const rng = createRng(seed);
  const u = () => rng() / 4294967296 - 0.5;
  const K = 3;
  const X = new Float32Array(perClass * K * d);
  const labels = new Int32Array(perClass * K);
  for (let i = 0; i < perClass * K; i++) {
    const c = i % K;
    labels[i] = c;
    for (let k = 0; k < d; k++) X[i * d + k] = u() * spread + (k === c ? 3 : 0);
  }
  return { X, labels, K };
}

describe('trainOneVsRest / scoresOneVsRest', () => {
  it('each row of W is the binary SVM of class k against the rest', () => {
    const d = 4;
    const { X, labels, K } = threeBlobs(20, d, 5, 4);
    const opts = { C: 0.5, tol: 1e-8, maxIter: 100_000 };
    const ovr = trainOneVsRest(X, labels, d, K, opts);
    expect(ovr.classes).toBe(K);
    for (let k = 0; k < K; k++) {
      const y = new Int8Array(labels.length).map((_, i) => (labels[i] === k ? 1 : -1));
      const m = trainLinearSvm(X, y, d, opts); // the solution is unique, so the seed does not matter
      for (let j = 0; j < d; j++) expect(ovr.W[k * d + j]).toBeCloseTo(m.w[j], 4);
      expect(ovr.b[k]).toBeCloseTo(m.b, 4);
    }
  });

  it('separates well-separated blobs and scores = W·x + b', () => {
    const d = 3;
    const { X, labels, K } = threeBlobs(30, d, 9, 1);
    const ovr = trainOneVsRest(X, labels, d, K);
    const S = scoresOneVsRest(ovr, X, d);
    let correct = 0;
    for (let i = 0; i < labels.length; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (S[i * K + k] > S[i * K + best]) best = k;
      if (best === labels[i]) correct++;
      const k = labels[i];
      let s = ovr.b[k];
      for (let j = 0; j < d; j++) s += ovr.W[k * d + j] * X[i * d + j];
      expect(S[i * K + k]).toBeCloseTo(s, 5);
    }
    expect(correct).toBe(labels.length);
  });

  it('rejects an empty class and out-of-range labels', () => {
    const X = new Float32Array(6);
    expect(() => trainOneVsRest(X, new Int32Array([0, 2, 0]), 2, 3)).toThrow(/class 1 has no examples/);
    expect(() => trainOneVsRest(X, new Int32Array([0, 3, 1]), 2, 3)).toThrow(/labels\[1\] = 3 is outside 0..2/);
    expect(() => trainOneVsRest(X, new Int32Array([0, 1]), 2, 2)).toThrow(/labels.length = 2 but X has n = 3/);
  });
});

describe('softmaxRows', () => {
  it('hand-computed: scores (0, ln 2, ln 3) → (1/6, 2/6, 3/6)', () => {
    const p = softmaxRows(new Float32Array([0, Math.log(2), Math.log(3)]), 3);
    expect(p[0]).toBeCloseTo(1 / 6, 6);
    expect(p[1]).toBeCloseTo(2 / 6, 6);
    expect(p[2]).toBeCloseTo(3 / 6, 6);
  });
  it('temperature divides the scores; large scores do not overflow', () => {
    const p = softmaxRows(new Float32Array([0, 2 * Math.log(3), 1000, 1000]), 2, 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    expect(p[2]).toBeCloseTo(0.5, 6);
    expect(p[3]).toBeCloseTo(0.5, 6);
  });
  it('rejects a length that is not a multiple of K', () => {
    expect(() => softmaxRows(new Float32Array(5), 2)).toThrow(/scores.length = 5 is not a multiple of K = 2/);
  });
});
