import { describe, expect, it } from 'vitest';
import { cmc, dirAtFar, rankK } from './identification';

describe('cmc', () => {
  const galleryIds = ['A', 'B', 'C'];
  it('hand case, including an all-tied row counted pessimistically', () => {
    const scores = [
      0.9, 0.5, 0.1, // probe A: rank 1
      0.7, 0.6, 0.8, // probe B: rank 3
      0.5, 0.5, 0.5, // probe C: all tied → rank 3
    ];
    const c = cmc({ scores, probeIds: ['A', 'B', 'C'], galleryIds }, 3);
    expect(Array.from(c)).toEqual([1 / 3, 1 / 3, 1]);
    expect(rankK({ scores, probeIds: ['A', 'B', 'C'], galleryIds }, 1)).toBeCloseTo(1 / 3, 15);
  });
  it('a tie with one other identity gives rank 2', () => {
    expect(Array.from(cmc({ scores: [0.5, 0.5, 0.1], probeIds: ['A'], galleryIds }, 2))).toEqual([0, 1]);
  });
  it('several gallery images of one identity: the best counts', () => {
    const c = cmc({ scores: [0.2, 0.9, 0.5], probeIds: ['A'], galleryIds: ['A', 'A', 'B'] }, 1);
    expect(c[0]).toBe(1);
  });
  it('a probe not in the gallery → clear error', () => {
    expect(() => cmc({ scores: [1, 2, 3], probeIds: ['Z'], galleryIds })).toThrow(/probe 0 \(identity "Z"\) is not in the gallery/);
  });
  it('wrong matrix size → error naming the shape', () => {
    expect(() => cmc({ scores: [1, 2], probeIds: ['A'], galleryIds })).toThrow(/1 × 3 = 3/);
  });
});

describe('dirAtFar', () => {
  const galleryIds = ['A', 'B'];
  const genuine = [
    ['A', 0.9, 0.1], // rank 1, score 0.9
    ['B', 0.8, 0.3], // rank 2
    ['B', 0.2, 0.6], // rank 1, score 0.6
    ['A', 0.4, 0.1], // rank 1, score 0.4
  ] as const;
  const impostorBest = [0.95, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0, -0.1, -0.2];
  const probeIds: string[] = [];
  const scores: number[] = [];
  for (const [id, a, b] of genuine) {
    probeIds.push(id);
    scores.push(a, b);
  }
  impostorBest.forEach((s, i) => {
    probeIds.push(`X${i}`);
    scores.push(s, s - 1);
  });
  it('hand case at several FARs', () => {
    const r = dirAtFar({ scores, probeIds, galleryIds }, [0, 0.1, 0.5, 1]);
    expect(r[0]).toMatchObject({ threshold: 0.95, actualFar: 0, dir: 0 });
    expect(r[1]).toMatchObject({ threshold: 0.7, actualFar: 0.1, dir: 0.25 });
    expect(r[2]).toMatchObject({ threshold: 0.1, actualFar: 0.5, dir: 0.75 });
    expect(r[3]).toMatchObject({ threshold: -Infinity, actualFar: 1, dir: 0.75 });
  });
  it('tied impostor scores: never exceeds the requested FAR', () => {
    const r = dirAtFar({ scores: [0.9, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], probeIds: ['A', 'X', 'Y', 'Z', 'W'], galleryIds }, [0.25]);
    expect(r[0]).toMatchObject({ threshold: 0.5, actualFar: 0, dir: 1 });
  });
  it('one class empty → clear error', () => {
    expect(() => dirAtFar({ scores: [0.9, 0.1], probeIds: ['A'], galleryIds })).toThrow(/no impostor probes/);
    expect(() => dirAtFar({ scores: [0.9, 0.1], probeIds: ['Q'], galleryIds })).toThrow(/no genuine probes/);
  });
});
