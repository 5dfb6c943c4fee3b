import { gaussian, mulberry32 } from '@deepface-ts/random';
import { describe, expect, it } from 'vitest';
import { restrictedMetrics } from './restricted';
import type { VerificationPair } from './verification';

/**
 * A non-histogram, non-negative descriptor (like DeepFace's normalised F7): 12 identities,
 * each a random non-negative centre; images are the centre plus small noise, clipped at 0.
 * Same pairs come from one identity, different pairs from two: a learnable task.
 */
function syntheticVectors(dim: number) {
  const rng = mulberry32(7);
  const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: dim }, () => Math.max(0, gaussian(rng))));
  const descriptors = new Map<string, Float32Array>();
  const image = (id: number, k: number) => {
    const path = `id${id}/img${k}`;
    if (!descriptors.has(path)) descriptors.set(path, Float32Array.from(centres[id]!, (c) => Math.max(0, c + 0.35 * gaussian(rng))));
    return path;
  };
  const pairs: VerificationPair[] = [];
  for (let fold = 1; fold <= 4; fold++) {
    for (let j = 0; j < 30; j++) {
      const a = (fold * 3 + j) % 12;
      pairs.push({ path1: image(a, 2 * j), path2: image(a, 2 * j + 1), same: true, fold });
      const b = (a + 1 + (j % 11)) % 12;
      pairs.push({ path1: image(a, 100 + j), path2: image(b, 200 + j), same: false, fold });
    }
  }
  return { pairs, descriptors };
}

describe('restrictedMetrics', () => {
  it('works per element for a non-histogram descriptor (binsPerCell 1): both the weighted χ² and the ensemble learn the task', async () => {
    const dim = 24;
    const { pairs, descriptors } = syntheticVectors(dim);
    const { metrics, usedPairs } = await restrictedMetrics(pairs, descriptors, dim, 1, { kernelTrainPairs: 90, seed: 1 });
    expect(usedPairs).toBe(pairs.length);
    expect(metrics.map((m) => m.name)).toEqual(['weighted χ² (linear SVM)', 'kernel-SVM ensemble']);
    for (const m of metrics) expect(m.folds.mean, m.name).toBeGreaterThan(0.9);
  });
});
