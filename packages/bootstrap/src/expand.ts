/**
 * Seed expansion (web-scale §3.3, step 3–4): pick N random seed identities, retrieve the k
 * hyperplanes nearest to each seed's hyperplane by cosine, and take the union as DB2.
 */
import { uniform } from '@deepface-ts/random';
import { writeSfcManifest, type SfcRow } from '@deepface-ts/datasets';
import { BootstrapError } from './errors';
import type { NearestIndex } from './exact-index';
import type { TopK } from './vectors';

export interface ExpandSeedsOptions {
  /** Number of random seeds (default 100, as the paper). */
  seeds?: number;
  /** Or exactly these seed rows (overrides `seeds`). */
  seedRows?: number[];
  /** Neighbours per seed (default 1000, as the paper); the seed itself is included. */
  k?: number;
  /** Seed of the random seed draw (default 1). */
  seed?: number;
  /** Called after each seed query (progress). */
  onSeed?: (done: number, total: number) => void;
}

export interface SeedExpansion {
  /** Seed rows. */
  seeds: number[];
  /** Nearest rows of each seed (best first; the seed itself first). */
  neighbours: TopK[];
  /** DB2: union of all neighbours, as row numbers in order of first retrieval. */
  rows: number[];
  /** DB2 as labels (identity names). */
  identities: string[];
  /** Mean ms per seed query. */
  queryMs: number;
}

/**
 * Expands seeds over `index` whose row r is the hyperplane of identity `labels[r]`.
 * `vectorOf(row)` returns a seed's hyperplane (the query).
 */
export async function expandSeeds(
  index: NearestIndex,
  labels: readonly string[],
  vectorOf: (row: number) => Float32Array,
  options: ExpandSeedsOptions = {},
): Promise<SeedExpansion> {
  if (labels.length !== index.size) throw new BootstrapError(`labels: expected ${index.size} (one per indexed row), got ${labels.length}`);
  const k = options.k ?? 1000;
  if (!Number.isInteger(k) || k < 1) throw new BootstrapError(`k must be a positive integer, got ${k}`);
  const seeds = options.seedRows ?? drawDistinct(index.size, options.seeds ?? 100, options.seed ?? 1);
  for (const s of seeds) if (!Number.isInteger(s) || s < 0 || s >= index.size) throw new BootstrapError(`seed row ${s} out of range 0..${index.size - 1}`);
  const neighbours: TopK[] = [];
  const rows: number[] = [];
  const seen = new Set<number>();
  const t0 = performance.now();
  for (let i = 0; i < seeds.length; i++) {
    const hit = await index.search(vectorOf(seeds[i]), k);
    neighbours.push(hit);
    for (const r of hit.ids) {
      if (!seen.has(r)) {
        seen.add(r);
        rows.push(r);
      }
    }
    options.onSeed?.(i + 1, seeds.length);
  }
  const queryMs = seeds.length ? (performance.now() - t0) / seeds.length : 0;
  return { seeds, neighbours, rows, identities: rows.map((r) => labels[r]), queryMs };
}

/** `count` distinct integers from [0, n), seeded (partial Fisher–Yates over a sparse map). */
export function drawDistinct(n: number, count: number, seed: number): number[] {
  if (count > n) throw new BootstrapError(`cannot draw ${count} distinct seeds from ${n} rows`);
  const rand = uniform(seed); // mulberry32, @deepface-ts/random
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(vj);
  }
  return out;
}

/**
 * Writes DB2 as an SFC-format manifest (identity, image, timestamp) with
 * @deepface-ts/datasets (atomic: temp file + rename). `imagesOf` lists each identity's
 * images; returns the number of rows written.
 */
export function writeDb2Manifest(
  file: string,
  identities: readonly string[],
  imagesOf: (identity: string) => Iterable<{ image: string; timestamp: number | Date }>,
): number {
  function* rows(): Generator<SfcRow> {
    for (const identity of identities) for (const { image, timestamp } of imagesOf(identity)) yield { identity, image, timestamp };
  }
  return writeSfcManifest(file, rows());
}
