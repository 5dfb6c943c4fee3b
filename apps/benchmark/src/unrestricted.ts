import { mixSeed, mulberry32, shuffleInPlace } from '@deepface-ts/datasets';
import type { FoldResult } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import { chiSquareTermRows, gather, weightedChiSquareFold } from './restricted';
import { metricResult, type MetricResult, type VerificationPair } from './verification';

/**
 * Cap on the same-identity training pairs per fold (and so on the different-identity ones,
 * drawn to the same count). LFW View 2's 9 training folds name about 6,900 images whose
 * same-identity pairs number 7,000–7,500; the cap keeps the linear SVM on
 * 2 × 6,000 × 2,891 χ² terms (about 140 MB) within seconds per fold.
 */
export const UNRESTRICTED_MAX_SAME_PAIRS = 6000;

export interface LabelledImage {
  path: string;
  identity: string;
}

export interface TrainingPair {
  path1: string;
  path2: string;
  same: boolean;
}

/**
 * Training pairs from identity labels (the unrestricted setting): every same-identity pair
 * of `images` (a seeded sample of `maxSame` when there are more), then as many
 * different-identity pairs, drawn uniformly without repetition by a seeded RNG (all of them
 * when there are fewer). Images are distinct paths; the order of `images` fixes the result
 * for a seed.
 */
export function identityPairs(images: readonly LabelledImage[], options: { maxSame?: number; seed?: number } = {}): TrainingPair[] {
  const { maxSame = UNRESTRICTED_MAX_SAME_PAIRS, seed = 1 } = options;
  const rng = mulberry32(seed);
  const byIdentity = new Map<string, number[]>();
  images.forEach((im, i) => {
    const list = byIdentity.get(im.identity);
    if (list) list.push(i);
    else byIdentity.set(im.identity, [i]);
  });
  let same: [number, number][] = [];
  for (const list of byIdentity.values()) for (let a = 0; a < list.length; a++) for (let b = a + 1; b < list.length; b++) same.push([list[a]!, list[b]!]);
  if (same.length > maxSame) same = shuffleInPlace(same, rng).slice(0, maxSame);
  const n = images.length;
  const allDifferent = (n * (n - 1)) / 2 - [...byIdentity.values()].reduce((s, l) => s + (l.length * (l.length - 1)) / 2, 0);
  let different: [number, number][] = [];
  if (same.length >= allDifferent / 2) {
    // Few images (tests, tiny sets): enumerate, shuffle, take.
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (images[a]!.identity !== images[b]!.identity) different.push([a, b]);
    different = shuffleInPlace(different, rng).slice(0, same.length);
  } else {
    const seen = new Set<number>();
    while (different.length < same.length) {
      const a = rng.int(n);
      const b = rng.int(n);
      if (images[a]!.identity === images[b]!.identity) continue;
      const key = Math.min(a, b) * n + Math.max(a, b);
      if (seen.has(key)) continue;
      seen.add(key);
      different.push([Math.min(a, b), Math.max(a, b)]);
    }
  }
  const pair = ([a, b]: [number, number], isSame: boolean): TrainingPair => ({ path1: images[a]!.path, path2: images[b]!.path, same: isSame });
  return [...same.map((p) => pair(p, true)), ...different.map((p) => pair(p, false))];
}

function identitiesOf(pairs: readonly VerificationPair[]): Set<string> {
  const out = new Set<string>();
  for (const p of pairs) {
    if (p.name1 === undefined || p.name2 === undefined) throw new Error(`the unrestricted protocol needs identity labels; pair ${p.path1} – ${p.path2} has none`);
    out.add(p.name1).add(p.name2);
  }
  return out;
}

/**
 * Fails loudly when a test identity also appears in training: with identity labels used for
 * training, a shared identity would leak test-fold knowledge into the learned weights.
 * (LFW View 2's folds are identity-disjoint by construction.)
 */
export function assertIdentityDisjoint(fold: number, test: ReadonlySet<string>, train: ReadonlySet<string>): void {
  const shared = [...test].filter((name) => train.has(name));
  if (shared.length) {
    throw new Error(
      `unrestricted protocol: test fold ${fold} shares ${shared.length} identit${shared.length === 1 ? 'y' : 'ies'} with the training folds (${shared.slice(0, 5).join(', ')}${shared.length > 5 ? ', …' : ''}); identity labels would leak into training. The folds of the pairs file must be identity-disjoint.`,
    );
  }
}

/**
 * The unrestricted training pairs of test fold `fold`: {@link identityPairs} over the images
 * named in the other folds' pairs (those `usable`, i.e. described), seeded per fold with
 * `mixSeed(seed, fold)`, after checking that the folds are identity-disjoint.
 */
export function foldIdentityPairs(
  pairs: readonly VerificationPair[],
  fold: number,
  usable: (path: string) => boolean,
  options: { maxSame?: number; seed?: number } = {},
): TrainingPair[] {
  const { maxSame = UNRESTRICTED_MAX_SAME_PAIRS, seed = 1 } = options;
  const otherFolds = pairs.filter((p) => p.fold !== fold);
  assertIdentityDisjoint(fold, identitiesOf(pairs.filter((p) => p.fold === fold)), identitiesOf(otherFolds));
  const images = new Map<string, string>();
  for (const p of otherFolds) {
    for (const [path, identity] of [
      [p.path1, p.name1!],
      [p.path2, p.name2!],
    ] as const) {
      if (usable(path)) images.set(path, identity);
    }
  }
  return identityPairs(
    [...images].map(([path, identity]) => ({ path, identity })),
    { maxSame, seed: mixSeed(seed, fold) },
  );
}

/**
 * Unrestricted LFW (View 2, "labeled outside data: no"): for each test fold, the images named
 * in the other folds' pairs, with their identity labels, give the training pairs
 * ({@link identityPairs}); the weighted χ² (linear SVM on χ² terms, as in the restricted
 * protocol) is trained on them and thresholded where it is most accurate on them, then scores
 * the fold's official pairs. For comparison the restricted weighted χ² (training on the other
 * folds' official pairs, SVM sign) runs on the same folds. ROC / AUC / EER pool the held-out
 * scores. Pairs with a missing descriptor are left out of training and scoring.
 */
export function unrestrictedMetrics(
  pairs: readonly VerificationPair[],
  descriptors: Map<string, Float32Array>,
  dim: number,
  options: { maxSame?: number; seed?: number } = {},
): { metrics: MetricResult[]; usedPairs: number; trainPairs: { same: number[]; different: number[] } } {
  const { maxSame = UNRESTRICTED_MAX_SAME_PAIRS, seed = 1 } = options;
  const kept = pairs.filter((p) => descriptors.has(p.path1) && descriptors.has(p.path2));
  const terms = chiSquareTermRows(kept, descriptors, dim);
  const labels = kept.map((p) => p.same);
  const foldIds = [...new Set(pairs.map((p) => p.fold))].sort((x, y) => x - y);
  const scores = { unrestricted: new Float64Array(kept.length), restricted: new Float64Array(kept.length) };
  const results = { unrestricted: [] as FoldResult[], restricted: [] as FoldResult[] };
  const trainPairs = { same: [] as number[], different: [] as number[] };
  const progress = createProgress({ label: 'unrestricted: train folds', total: foldIds.length, unit: 'fold' });
  for (const f of foldIds) {
    const train = foldIdentityPairs(pairs, f, (path) => descriptors.has(path), { maxSame, seed });
    const nSame = train.filter((p) => p.same).length;
    trainPairs.same.push(nSame);
    trainPairs.different.push(train.length - nSame);
    const testIdx: number[] = [];
    const restrictedIdx: number[] = [];
    kept.forEach((p, i) => (p.fold === f ? testIdx : restrictedIdx).push(i));
    const testTerms = gather(terms, dim, testIdx);
    const testLabels = testIdx.map((i) => labels[i]!);
    const runs = [
      ['unrestricted', chiSquareTermRows(train, descriptors, dim), train.map((p) => p.same), 'train'],
      ['restricted', gather(terms, dim, restrictedIdx), restrictedIdx.map((i) => labels[i]!), 'sign'],
    ] as const;
    for (const [name, trainTerms, trainLabels, threshold] of runs) {
      const r = weightedChiSquareFold(f, trainTerms, trainLabels, testTerms, testLabels, dim, threshold);
      testIdx.forEach((i, k) => (scores[name][i] = r.scores[k]!));
      results[name].push(r.result);
    }
    progress.tick(1, `unrestricted ${results.unrestricted.at(-1)!.testAccuracy.toFixed(3)}, restricted ${results.restricted.at(-1)!.testAccuracy.toFixed(3)} (${train.length} training pairs)`);
  }
  progress.done();
  return {
    metrics: [
      metricResult('weighted χ², unrestricted (identity pairs)', scores.unrestricted, labels, results.unrestricted),
      metricResult('weighted χ², restricted (official pairs)', scores.restricted, labels, results.restricted),
    ],
    usedPairs: kept.length,
    trainPairs,
  };
}
