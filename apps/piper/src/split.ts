import { uniform } from '@deepface-ts/random';
/** Identity-disjoint train / val / test split (30 % / 30 % / 40 % of identities), seeded. */
export function splitIdentities(identities: Int32Array, seed: number): { train: number[]; val: number[]; test: number[] } {
  const ids = [...new Set(identities)].sort((a, b) => a - b);
  const rand = uniform(seed); // mulberry32, @deepface-ts/random
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const nTrain = Math.round(ids.length * 0.3);
  const nVal = Math.round(ids.length * 0.3);
  const role = new Map<number, 'train' | 'val' | 'test'>();
  ids.forEach((id, i) => role.set(id, i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test'));
  const out = { train: [] as number[], val: [] as number[], test: [] as number[] };
  identities.forEach((id, j) => out[role.get(id)!].push(j));
  return out;
}
