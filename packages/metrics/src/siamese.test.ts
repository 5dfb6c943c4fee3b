import { describe, expect, it } from 'vitest';
import { siameseLogits, siameseLossAndGradient, trainSiameseHead } from './siamese';
import { auc } from './roc';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('Siamese head', () => {
  it('gradient matches central finite differences', () => {
    const rand = lcg(4);
    const d = 5;
    const n = 12;
    const absDiff = Float32Array.from({ length: n * d }, () => rand());
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const rows = Array.from({ length: n }, (_, i) => i);
    const head = { alpha: Float32Array.from({ length: d }, () => rand() - 0.5), bias: 0.3 };
    const l2 = 0.01;
    const { gradAlpha, gradBias } = siameseLossAndGradient(head, absDiff, d, labels, rows, l2);
    const loss = () => siameseLossAndGradient(head, absDiff, d, labels, rows, l2).loss;
    for (let i = 0; i < d; i++) {
      const a0 = head.alpha[i]!;
      head.alpha[i] = a0 + 1e-3;
      const hp = head.alpha[i]! - a0; // the step actually stored in float32
      const up = loss();
      head.alpha[i] = a0 - 1e-3;
      const hm = a0 - head.alpha[i]!;
      const down = loss();
      head.alpha[i] = a0;
      expect(gradAlpha[i]).toBeCloseTo((up - down) / (hp + hm), 5);
    }
    const b0 = head.bias;
    head.bias = b0 + 1e-5;
    const up = loss();
    head.bias = b0 - 1e-5;
    const down = loss();
    head.bias = b0;
    expect(gradBias).toBeCloseTo((up - down) / 2e-5, 6);
  });

  it('hand case: α = 0, b = 0 gives loss log 2 and gradient mean(½ − y)', () => {
    const r = siameseLossAndGradient({ alpha: new Float32Array(1), bias: 0 }, Float32Array.from([2, 4]), 1, Uint8Array.from([1, 0]), [0, 1], 0);
    expect(r.loss).toBeCloseTo(Math.LN2, 14);
    expect(r.gradBias).toBeCloseTo(0, 14);
    expect(r.gradAlpha[0]).toBeCloseTo(((0.5 - 1) * 2 + 0.5 * 4) / 2, 14);
  });

  it('training lowers the loss and separates same from different pairs', () => {
    const rand = lcg(9);
    const d = 8;
    const make = (n: number) => {
      const X = new Float32Array(n * d);
      const y: number[] = [];
      for (let p = 0; p < n; p++) {
        const same = p % 2 === 0;
        for (let i = 0; i < d; i++) X[p * d + i] = i < 3 ? (same ? 0.1 : 0.6) * rand() * 2 : rand();
        y.push(same ? 1 : 0);
      }
      return { X, y };
    };
    const train = make(600);
    const test = make(300);
    const head = trainSiameseHead(train.X, d, train.y, { epochs: 30 });
    expect(head.losses.at(-1)!).toBeLessThan(head.losses[0]! * 0.8);
    expect(auc(siameseLogits(head, test.X, d), test.y)).toBeGreaterThan(0.95);
    // The informative dimensions get the large negative weights.
    expect(Math.max(...Array.from(head.alpha.subarray(0, 3)))).toBeLessThan(Math.min(...Array.from(head.alpha.subarray(3))));
  });
});
