import { describe, expect, it } from 'vitest';
import { trainPartClassifier, predictPart, type PartFeatures } from './parts';
import {
  knnHitRates,
  learnWeightsOnValidation,
  oneShot,
  personRecognition,
  retrieval,
  splitHalves,
  standardConfigs,
  checkDataset,
  type PiperDataset,
} from './protocols';
import { syntheticDataset } from './synthetic';
import { learnPartWeights } from './weights';

describe('part classifiers', () => {
  it('train only on firing instances: F = identities seen firing; P̂ sums to 1 over F, 0 elsewhere', () => {
    // 3 identities, 2 instances each, d = 2; the part fires on identities 0 and 2 only.
    const part: PartFeatures = { name: 'face', d: 2, X: new Float32Array([3, 0, 3.2, 0.1, 0, 0, 0, 0, 0, 3, 0.1, 3.1]), fires: new Uint8Array([1, 1, 0, 0, 1, 1]) };
    const labels = new Int32Array([0, 0, 1, 1, 2, 2]);
    const clf = trainPartClassifier(part, labels, [0, 1, 2, 3, 4, 5], 3);
    expect(Array.from(clf.trained)).toEqual([1, 0, 1]);
    expect(Array.from(clf.classIds)).toEqual([0, 2]);
    const p = predictPart(clf, part, [0, 2, 5]);
    expect(Array.from(p.fires)).toEqual([1, 0, 1]);
    expect(p.probs[0] + p.probs[2]).toBeCloseTo(1, 6);
    expect(p.probs[1]).toBe(0);
    expect(p.probs[0]).toBeGreaterThan(0.5); // instance 0 is identity 0
    expect(Array.from(p.probs.subarray(3, 6))).toEqual([0, 0, 0]); // does not fire
    expect(p.probs[2 * 3 + 2]).toBeGreaterThan(0.5); // instance 5 is identity 2
  });

  it('a part with one trained identity gives P̂ = 1 there', () => {
    const part: PartFeatures = { name: 'p', d: 1, X: new Float32Array([1, 2]), fires: new Uint8Array([1, 0]) };
    const clf = trainPartClassifier(part, new Int32Array([1, 0]), [0, 1], 2);
    expect(clf.model).toBeNull();
    expect(Array.from(predictPart(clf, part, [0]).probs)).toEqual([0, 1]);
  });

  it('bad features name the part and the shape', () => {
    const ds: PiperDataset = { identities: new Int32Array([0, 1]), parts: [{ name: 'global', d: 2, X: new Float32Array(3), fires: new Uint8Array([1, 1]) }] };
    expect(() => checkDataset(ds)).toThrow(/part 'global': X has 3 values, expected n×d = 2×2 = 4/);
    ds.parts[0] = { name: 'global', d: 1, X: new Float32Array(2), fires: new Uint8Array([1, 0]) };
    expect(() => checkDataset(ds)).toThrow(/must fire on every instance; it does not fire on instance 1/);
  });
});

describe('weights by cross-fitting', () => {
  it('puts more weight on the informative part', () => {
    // Part 0 is noise, part 1 is 0.6 on the true label: the SVM must prefer part 1.
    const K = 5;
    const make = (n: number, seed: number) => {
      let s = seed;
      const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
      const labels = new Int32Array(n).map((_, j) => j % K);
      const p0 = new Float32Array(n * K).map(() => r() / K);
      const p1 = new Float32Array(n * K).map(() => (r() * 0.4) / K);
      for (let j = 0; j < n; j++) p1[j * K + labels[j]] += 0.6;
      return { filled: [p0, p1], labels, K };
    };
    const out = learnPartWeights(make(50, 1), make(50, 2), { Cgrid: [0.1, 1] });
    expect(out.w[1]).toBeGreaterThan(out.w[0]);
    expect(out.grid.map((g) => g.C)).toEqual([0.1, 1]);
    expect(Math.max(...out.grid.map((g) => g.accuracy))).toBe(1);
  });
});

describe('protocols on a synthetic dataset (weak global cue, strong face cue on half the instances)', () => {
  const ds = syntheticDataset({ identities: 24, perIdentity: 12, seed: 5 });
  const ids = Array.from({ length: ds.identities.length }, (_, j) => j);
  const valIdx = ids.filter((j) => ds.identities[j] < 12);
  const testIdx = ids.filter((j) => ds.identities[j] >= 12);
  const learned = learnWeightsOnValidation(ds, valIdx, standardConfigs(['face']), { weights: { Cgrid: [0.1, 1, 10] } });

  it('halves are per identity and disjoint', () => {
    const [a, b] = splitHalves(ds, testIdx, 3);
    expect(a.length + b.length).toBe(testIdx.length);
    expect(new Set([...a, ...b]).size).toBe(testIdx.length);
    for (let id = 12; id < 24; id++) {
      expect(Array.from(a).filter((j) => ds.identities[j] === id).length).toBe(6);
    }
  });

  it('person recognition: PIPER beats each part alone', () => {
    const r = personRecognition(ds, testIdx, learned);
    expect(r.K).toBe(12);
    expect(r.fused.piper).toBeGreaterThan(r.partsAlone.global + 0.1);
    expect(r.fused.piper).toBeGreaterThan(r.partsAlone.face + 0.1);
    expect(r.fireRate.face).toBeGreaterThan(0.3);
    expect(r.fireRate.face).toBeLessThan(0.7);
  });

  it('one-shot improves with k; retrieval finds same-identity neighbours above chance', () => {
    const k1 = oneShot(ds, testIdx, learned, 1, { repeats: 2 });
    const k3 = oneShot(ds, testIdx, learned, 3, { repeats: 2 });
    expect(k1.piper.mean).toBeGreaterThan(1 / 12);
    expect(k3.piper.mean).toBeGreaterThan(k1.piper.mean);
    const ret = retrieval(ds, testIdx, learned, { maxK: 5 });
    expect(ret.dims).toBe(12);
    expect(ret.piper[0]).toBeGreaterThan(0.3); // chance of a same-identity nearest neighbour is 11/143 ≈ 0.08
    for (let k = 1; k < 5; k++) expect(ret.piper[k]).toBeGreaterThanOrEqual(ret.piper[k - 1]);
  });
});

describe('temperature chosen on validation', () => {
  it('grids over temperature × C and re-softmaxes without retraining', () => {
    const ds = syntheticDataset({ identities: 12, perIdentity: 8, seed: 9 });
    const val = Array.from({ length: ds.identities.length }, (_, j) => j).filter((j) => ds.identities[j] < 6);
    const learned = learnWeightsOnValidation(ds, val, standardConfigs(['face']), { temperatures: [1, 0.1], weights: { Cgrid: [0.1, 1, 10] } });
    const piper = learned.weights.get('piper')!;
    expect(piper.grid).toHaveLength(6);
    expect([1, 0.1]).toContain(piper.temperature);
    const best = Math.max(...piper.grid.map((g) => g.accuracy));
    expect(piper.grid.find((g) => g.temperature === piper.temperature && g.C === piper.C)!.accuracy).toBe(best);
  });
});

describe('knnHitRates, hand-computed', () => {
  it('points 0, 2, 3, 10 with labels 0, 1, 0, 1', () => {
    // q=0: neighbours 2(1), 3(0) → hit at 2.  q=2: 3(0), 0(0), 10(1) → hit at 3.
    // q=3: 2(1), 0(0) → hit at 2.  q=10: 3(0), 2(1) → hit at 2.
    expect(knnHitRates(new Float32Array([0, 2, 3, 10]), 1, [0, 1, 0, 1], 3)).toEqual([0, 0.75, 1]);
  });
});
