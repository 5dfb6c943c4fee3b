/** Seeded uniform [0, 1) (mulberry32, from @deepface-ts/random): every split and one-shot draw is reproducible. */
export { uniform as createRandom } from '@deepface-ts/random';

export function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
