import { describe, expect, it } from 'vitest';
import { assertIdentityDisjoint, identityPairs, type LabelledImage } from './unrestricted';

const images: LabelledImage[] = [];
for (const [identity, n] of [['A', 5], ['B', 4], ['C', 1], ['D', 3], ['E', 2]] as const) for (let i = 1; i <= n; i++) images.push({ path: `${identity}/${i}.jpg`, identity });
const identity = new Map(images.map((im) => [im.path, im.identity]));
const key = (p: { path1: string; path2: string }) => [p.path1, p.path2].sort().join('|');

describe('identityPairs', () => {
  it('gives every same-identity pair and as many distinct different-identity pairs', () => {
    const pairs = identityPairs(images, { seed: 3 });
    const same = pairs.filter((p) => p.same);
    const different = pairs.filter((p) => !p.same);
    expect(same).toHaveLength(10 + 6 + 0 + 3 + 1);
    expect(different).toHaveLength(same.length);
    for (const p of same) expect(identity.get(p.path1)).toBe(identity.get(p.path2));
    for (const p of different) expect(identity.get(p.path1)).not.toBe(identity.get(p.path2));
    expect(new Set(pairs.map(key)).size).toBe(pairs.length);
  });

  it('caps the same pairs with a seeded sample and is reproducible for a seed', () => {
    const a = identityPairs(images, { maxSame: 7, seed: 5 });
    expect(a.filter((p) => p.same)).toHaveLength(7);
    expect(a.filter((p) => !p.same)).toHaveLength(7);
    expect(identityPairs(images, { maxSame: 7, seed: 5 })).toEqual(a);
    expect(identityPairs(images, { maxSame: 7, seed: 6 })).not.toEqual(a);
  });

  it('takes all different pairs when there are fewer than same pairs', () => {
    const few: LabelledImage[] = ['1', '2', '3', '4'].map((i) => ({ path: `A/${i}`, identity: 'A' }));
    few.push({ path: 'B/1', identity: 'B' });
    const pairs = identityPairs(few);
    expect(pairs.filter((p) => p.same)).toHaveLength(6);
    expect(pairs.filter((p) => !p.same)).toHaveLength(4);
  });
});

describe('assertIdentityDisjoint', () => {
  it('passes disjoint folds and names the shared identities otherwise', () => {
    expect(() => assertIdentityDisjoint(1, new Set(['A', 'B']), new Set(['C']))).not.toThrow();
    expect(() => assertIdentityDisjoint(3, new Set(['A', 'B']), new Set(['B', 'C']))).toThrow(/test fold 3 shares 1 identity with the training folds \(B\)/);
  });
});
