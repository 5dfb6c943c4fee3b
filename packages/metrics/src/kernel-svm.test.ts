import { describe, expect, it } from 'vitest';
import { kernelSvmScores, loadLibsvm, powerCpdKernel, trainPrecomputedSvm } from './kernel-svm';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Two overlapping 3-D Gaussian-ish blobs (not separable, so the SVM has bounded SVs). */
function blobs(n: number, seed: number) {
  const rand = lcg(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    X.push([0, 1, 2].map((k) => (rand() + rand() + rand() - 1.5) + (c ? 0.8 : -0.2) * (k + 1) * 0.5));
    y.push(c ? 1 : -1);
  }
  return { X, y };
}

/** Decision values from a libsvm text model with explicit SV vectors (RBF or linear). */
function decisionFromTextModel(text: string, x: number[], kernel: (a: number[], b: number[]) => number): number {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const rho = Number(lines.find((l) => l.startsWith('rho '))!.split(' ')[1]);
  const first = Number(lines.find((l) => l.startsWith('label '))!.split(' ')[1]);
  let s = -rho;
  for (const l of lines.slice(lines.indexOf('SV') + 1)) {
    const [c, ...feats] = l.split(/\s+/);
    const v: number[] = [];
    for (const f of feats) {
      const [k, val] = f.split(':');
      v[Number(k) - 1] = Number(val);
    }
    s += Number(c) * kernel(v.map((t) => t ?? 0), x);
  }
  return first === 1 ? s : -s;
}

const sq = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

describe('powerCpdKernel', () => {
  it('hand case: sum over representations of −‖x−y‖^β', () => {
    const a = [
      { rows: Float32Array.from([0, 0, 3, 4]), d: 2, beta: 1 },
      { rows: Float32Array.from([1, 2]), d: 1, beta: 2 },
    ];
    const b = [
      { rows: Float32Array.from([3, 4]), d: 2, beta: 1 },
      { rows: Float32Array.from([0]), d: 1, beta: 2 },
    ];
    // row 0: −5 − 1 = −6; row 1: −0 − 4 = −4
    expect(Array.from(powerCpdKernel(a, b))).toEqual([-6, -4]);
  });
  it('the symmetric fast path (same matrix on both sides) equals the general one, for β = 1, 1.5, 2', () => {
    const rand = lcg(21);
    for (const beta of [1, 1.5, 2]) {
      const rows = Float32Array.from({ length: 7 * 3 }, () => rand());
      const same = powerCpdKernel([{ rows, d: 3, beta }], [{ rows, d: 3, beta }]);
      const copy = powerCpdKernel([{ rows, d: 3, beta }], [{ rows: rows.slice(), d: 3, beta }]);
      expect(Array.from(same)).toEqual(Array.from(copy));
      expect(same[0]).toBe(0); // ‖x − x‖ = 0 on the diagonal
      const ref = -Math.pow((rows[0]! - rows[3]!) ** 2 + (rows[1]! - rows[4]!) ** 2 + (rows[2]! - rows[5]!) ** 2, beta / 2);
      expect(same[1]).toBeCloseTo(ref, 12);
    }
  });
  it('β outside (0, 2] → error', () => {
    const r = [{ rows: Float32Array.from([1]), d: 1, beta: 3 }];
    expect(() => powerCpdKernel(r, r)).toThrow(/β = 3/);
  });
});

describe('trainPrecomputedSvm (libsvm-js, precomputed kernel)', () => {
  const { X, y } = blobs(120, 5);
  const test = blobs(60, 99);
  const gamma = 0.5;

  it('matches a direct libsvm-js RBF run: same support vectors, same decision values', async () => {
    const SVM = await loadLibsvm();
    const direct = new SVM({ type: SVM.SVM_TYPES.C_SVC, kernel: SVM.KERNEL_TYPES.RBF, gamma, cost: 1, quiet: true });
    direct.train(X, y);
    const directText = direct.serializeModel();
    const directSv = direct.getSVIndices().slice().sort((a, b) => a - b);
    const directPred = test.X.map((x) => direct.predictOne(x));
    direct.free();

    const n = X.length;
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = Math.exp(-gamma * sq(X[i]!, X[j]!));
    const model = await trainPrecomputedSvm(K, n, y.map((v) => (v === 1 ? 1 : 0)));
    expect(Array.from(model.supportIndices).sort((a, b) => a - b)).toEqual(directSv);

    const m = test.X.length;
    const Kt = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Kt[i * n + j] = Math.exp(-gamma * sq(test.X[i]!, X[j]!));
    const scores = kernelSvmScores(model, Kt);
    for (let i = 0; i < m; i++) {
      const ref = decisionFromTextModel(directText, test.X[i]!, (a, b) => Math.exp(-gamma * sq(a, b)));
      expect(scores[i]).toBeCloseTo(ref, 5);
      expect(scores[i]! > 0 ? 1 : -1).toBe(directPred[i]);
    }
  });

  it('matches a direct libsvm-js linear-kernel run', async () => {
    const SVM = await loadLibsvm();
    const direct = new SVM({ type: SVM.SVM_TYPES.C_SVC, kernel: SVM.KERNEL_TYPES.LINEAR, cost: 1, quiet: true });
    direct.train(X, y);
    const directText = direct.serializeModel();
    direct.free();
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const n = X.length;
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] = dot(X[i]!, X[j]!);
    const model = await trainPrecomputedSvm(K, n, y.map((v) => v === 1));
    const m = test.X.length;
    const Kt = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Kt[i * n + j] = dot(test.X[i]!, X[j]!);
    const scores = kernelSvmScores(model, Kt);
    for (let i = 0; i < m; i++) expect(scores[i]).toBeCloseTo(decisionFromTextModel(directText, test.X[i]!, dot), 5);
  });

  it('ensemble of CPD kernels learns a separable problem', async () => {
    const rep = (P: { X: number[][] }, k: number) => ({ rows: Float32Array.from(P.X.flatMap((x) => [x[k]!])), d: 1, beta: 1 });
    const train = [rep({ X }, 1), rep({ X }, 2)];
    const tst = [rep(test, 1), rep(test, 2)];
    const model = await trainPrecomputedSvm(powerCpdKernel(train, train), X.length, y.map((v) => v === 1));
    const s = kernelSvmScores(model, powerCpdKernel(tst, train));
    let right = 0;
    s.forEach((v, i) => (right += (v > 0 ? 1 : -1) === test.y[i] ? 1 : 0));
    expect(right / s.length).toBeGreaterThan(0.75);
  });

  it('one class only → clear error', async () => {
    await expect(trainPrecomputedSvm(new Float64Array(4), 2, [1, 1])).rejects.toThrow(/both same and different/);
  });
});
