import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, fillPart, filledParts, fuse, fuseScores, PiperError, type FusionInput, type PartPrediction } from './fusion';
import { createRandom } from './rng';

// K = 3 identities, n = 2 instances.
const K = 3;
const n = 2;
const P0rows = new Float32Array([0.5, 0.3, 0.2, 0.1, 0.6, 0.3]);
const all = new Uint8Array([1, 1, 1]);
const global: PartPrediction = { name: 'global', probs: P0rows, fires: new Uint8Array([1, 1]), trained: all };
// Part A knows identities 0 and 1 (F = {0, 1}), fires on instance 0 only.
const partA: PartPrediction = { name: 'A', probs: new Float32Array([0.2, 0.8, 0, 0.9, 0.1, 0]), fires: new Uint8Array([1, 0]), trained: new Uint8Array([1, 1, 0]) };
// Part B never fires.
const partB: PartPrediction = { name: 'B', probs: new Float32Array([1, 0, 0, 1, 0, 0]), fires: new Uint8Array([0, 0]), trained: all };

function close(actual: Float32Array, expected: number[], digits = 6) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, digits));
}

describe('sparsity filling (equations 2–3), hand-computed', () => {
  it('a firing part mixes P̂ and P0 by P(y∈F) = Σ_{y∈F} P0(y)', () => {
    // Instance 0: P(y∈F) = 0.5 + 0.3 = 0.8, P(y∉F) = 0.2.
    // y=0: 0.8·0.2 + 0.2·0.5 = 0.26;  y=1: 0.8·0.8 + 0.2·0.3 = 0.70;  y=2 (∉F, P̂ = 0): 0.2·0.2 = 0.04.
    // Instance 1: part does not fire → P0 row.
    const P = fillPart(P0rows, partA, n, K);
    close(P, [0.26, 0.7, 0.04, 0.1, 0.6, 0.3]);
    expect(P[0] + P[1] + P[2]).toBeCloseTo(1, 6);
  });

  it('a part that never fires gives exactly P0', () => {
    const P = fillPart(P0rows, partB, n, K);
    expect(Array.from(P)).toEqual(Array.from(P0rows));
  });

  it('ablation "no sparsity filling": P̂ where the part fires, zeros elsewhere and outside F', () => {
    close(fillPart(P0rows, partA, n, K, 'none'), [0.2, 0.8, 0, 0, 0, 0]);
    expect(Array.from(fillPart(P0rows, partB, n, K, 'none'))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('ablation "uniform P0": P0 = 1/3 everywhere, P(y∈F) = 2/3', () => {
    const input: FusionInput = { global, parts: [partA], n, K };
    const [p0, pA] = filledParts(input, { uniformP0: true });
    close(p0, [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3]);
    // y=0: 2/3·0.2 + 1/3·1/3;  y=1: 2/3·0.8 + 1/9;  y=2: 1/9.  Instance 1: uniform.
    close(pA, [(2 / 3) * 0.2 + 1 / 9, (2 / 3) * 0.8 + 1 / 9, 1 / 9, 1 / 3, 1 / 3, 1 / 3]);
  });

  it('identities the global model was not trained on get P0 = 0', () => {
    const g: PartPrediction = { ...global, trained: new Uint8Array([1, 1, 0]) };
    const [p0] = filledParts({ global: g, parts: [], n, K });
    close(p0, [0.5, 0.3, 0, 0.1, 0.6, 0]);
  });
});

describe('fusion s(X, y) = Σ wᵢ Pᵢ(y|X)', () => {
  it('hand-computed scores and argmax', () => {
    // w = (1, 2): instance 0: (0.5 + 0.52, 0.3 + 1.4, 0.2 + 0.08); instance 1: 3·P0 row.
    const s = fuse({ global, parts: [partA], n, K }, [1, 2]);
    close(s, [1.02, 1.7, 0.28, 0.3, 1.8, 0.9], 5);
    expect(Array.from(argmaxRows(s, K))).toEqual([1, 1]);
    expect(accuracy(s, new Int32Array([1, 2]), K)).toBe(0.5);
  });

  it('the in-place fuse equals fuseScores over filledParts on random data, all modes', () => {
    const rand = createRandom(3);
    const nn = 40;
    const KK = 17;
    const mk = (name: string, fireP: number, trainP: number): PartPrediction => {
      const trained = new Uint8Array(KK).map(() => (rand() < trainP ? 1 : 0));
      const probs = new Float32Array(nn * KK);
      for (let j = 0; j < nn; j++) {
        let s = 0;
        for (let y = 0; y < KK; y++) if (trained[y]) s += probs[j * KK + y] = rand();
        for (let y = 0; y < KK; y++) probs[j * KK + y] = s > 0 ? probs[j * KK + y] / s : 0;
      }
      return { name, probs, fires: new Uint8Array(nn).map(() => (rand() < fireP ? 1 : 0)), trained };
    };
    const input: FusionInput = { global: mk('g', 1, 1), parts: [mk('a', 0.5, 0.7), mk('b', 0.2, 0.3), mk('c', 0, 1)], n: nn, K: KK };
    const w = [0.7, 1.3, -0.4, 2];
    for (const mode of ['filling', 'none'] as const) {
      for (const uniformP0 of [false, true]) {
        const filled = filledParts(input, { mode, uniformP0 });
        if (mode === 'filling') for (const P of filled) for (let j = 0; j < nn; j++) expect(P.subarray(j * KK, j * KK + KK).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        const ref = fuseScores(filled, w, nn, KK);
        const got = fuse(input, w, { mode, uniformP0 });
        for (let t = 0; t < ref.length; t++) expect(got[t]).toBeCloseTo(ref[t], 5);
      }
    }
  });

  it('shape errors name the part and the expected size', () => {
    const bad: PartPrediction = { ...partA, probs: new Float32Array(5) };
    expect(() => fuse({ global, parts: [bad], n, K }, [1, 1])).toThrow(PiperError);
    expect(() => fuse({ global, parts: [bad], n, K }, [1, 1])).toThrow(/part 'A': probs has 5 values, expected n×K = 2×3 = 6/);
    expect(() => fuse({ global, parts: [partA], n, K }, [1])).toThrow(/got 1 weights for 2 parts/);
    expect(() => fillPart(P0rows, { ...partA, trained: new Uint8Array(2) }, n, K)).toThrow(/trained has 2 entries, expected K = 3/);
  });
});
