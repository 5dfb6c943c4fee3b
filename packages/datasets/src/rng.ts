/** Seeded randomness comes from the shared @deepface-ts/random package (tested there). */
export { mixSeed, mulberry32, shuffleInPlace, type Rng } from '@deepface-ts/random';
