import { MetricsError } from './errors';

/**
 * Probe-versus-gallery similarity scores (higher = more alike), row-major
 * `scores[p * gallerySize + g]`, with the identity of every probe and gallery entry.
 * A gallery may hold several entries of one identity: an identity's score for a probe is
 * its best entry's score.
 */
export interface ProbeGallery {
  scores: ArrayLike<number>;
  probeIds: ArrayLike<string | number>;
  galleryIds: ArrayLike<string | number>;
}

interface Ranked {
  /** Per probe: rank (1-based) of its true identity, or 0 when it is not enrolled (impostor). */
  rank: Int32Array;
  /** Per probe: its best score over all gallery identities. */
  best: Float64Array;
  /** Per probe: the score of its true identity (NaN for impostors). */
  trueScore: Float64Array;
}

/**
 * Ranks every probe's true identity among the gallery identities. Ties are counted against
 * the probe (pessimistic): rank = 1 + the number of other identities scoring ≥ the true one,
 * so a gallery of identical scores never gives rank 1 by luck.
 */
function rankProbes(input: ProbeGallery, where: string): Ranked {
  const { scores, probeIds, galleryIds } = input;
  const P = probeIds.length;
  const G = galleryIds.length;
  if (G === 0) throw new MetricsError(`${where}: the gallery is empty`);
  if (P === 0) throw new MetricsError(`${where}: there are no probes`);
  if (scores.length !== P * G) {
    throw new MetricsError(`${where}: scores has ${scores.length} values, expected probes × gallery = ${P} × ${G} = ${P * G}`);
  }
  const idIndex = new Map<string | number, number>();
  const galleryIdentity = new Int32Array(G);
  for (let g = 0; g < G; g++) {
    const id = galleryIds[g]!;
    let k = idIndex.get(id);
    if (k === undefined) idIndex.set(id, (k = idIndex.size));
    galleryIdentity[g] = k;
  }
  const nIds = idIndex.size;
  const perId = new Float64Array(nIds);
  const rank = new Int32Array(P);
  const best = new Float64Array(P);
  const trueScore = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    perId.fill(-Infinity);
    const row = p * G;
    for (let g = 0; g < G; g++) {
      const s = scores[row + g]!;
      if (!Number.isFinite(s)) throw new MetricsError(`${where}: score of probe ${p} vs gallery entry ${g} is ${s}`);
      const k = galleryIdentity[g]!;
      if (s > perId[k]!) perId[k] = s;
    }
    let top = -Infinity;
    for (let k = 0; k < nIds; k++) if (perId[k]! > top) top = perId[k]!;
    best[p] = top;
    const truth = idIndex.get(probeIds[p]!);
    if (truth === undefined) {
      rank[p] = 0;
      trueScore[p] = NaN;
      continue;
    }
    const t = perId[truth]!;
    let ahead = 0;
    for (let k = 0; k < nIds; k++) if (k !== truth && perId[k]! >= t) ahead++;
    rank[p] = 1 + ahead;
    trueScore[p] = t;
  }
  return { rank, best, trueScore };
}

/**
 * Closed-set cumulative match characteristic: `cmc[k - 1]` is the fraction of probes whose
 * true identity is within the top k gallery identities. Every probe must be enrolled.
 */
export function cmc(input: ProbeGallery, maxRank = 10): Float64Array {
  const { rank } = rankProbes(input, 'cmc');
  for (let p = 0; p < rank.length; p++) {
    if (rank[p] === 0) {
      throw new MetricsError(`cmc: probe ${p} (identity "${String(input.probeIds[p])}") is not in the gallery; closed-set identification needs every probe enrolled`);
    }
  }
  const out = new Float64Array(maxRank);
  for (let k = 1; k <= maxRank; k++) {
    let hits = 0;
    for (let p = 0; p < rank.length; p++) if (rank[p]! <= k) hits++;
    out[k - 1] = hits / rank.length;
  }
  return out;
}

/** Rank-k identification rate (closed set). */
export function rankK(input: ProbeGallery, k: number): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new MetricsError(`rankK: k must be a positive integer, got ${k}`);
  return cmc(input, k)[k - 1]!;
}

export interface DirPoint {
  /** Requested false-alarm rate. */
  far: number;
  /** Impostor probes accepted at the chosen threshold, as a fraction (≤ `far`). */
  actualFar: number;
  /** Accept when the best score is strictly above this value. */
  threshold: number;
  /** Detection and identification rate: genuine probes at rank 1 with score above the threshold. */
  dir: number;
}

/**
 * Open-set detection and identification rate at the given false-alarm rates (Best-Rowden
 * et al. 2014; web-scale paper, DIR @ 1 % FAR). Probes whose identity is in the gallery are
 * genuine, the others impostors. For each FAR the threshold is the lowest for which the
 * fraction of impostors whose best score exceeds it is at most FAR (with n impostors that is
 * the (⌊FAR·n⌋+1)-th highest impostor best score, accepting strictly above it); DIR is the
 * fraction of genuine probes whose true identity is at rank 1 with a score above it.
 */
export function dirAtFar(input: ProbeGallery, fars: readonly number[] = [0.01, 0.001]): DirPoint[] {
  const { rank, best, trueScore } = rankProbes(input, 'dirAtFar');
  const impostor: number[] = [];
  let genuine = 0;
  for (let p = 0; p < rank.length; p++) {
    if (rank[p] === 0) impostor.push(best[p]!);
    else genuine++;
  }
  if (genuine === 0) throw new MetricsError('dirAtFar: no genuine probes (none of the probe identities is in the gallery)');
  if (impostor.length === 0) throw new MetricsError('dirAtFar: no impostor probes (every probe identity is in the gallery); open-set needs both');
  impostor.sort((a, b) => b - a);
  const n = impostor.length;
  return fars.map((far) => {
    if (!(far >= 0 && far <= 1)) throw new MetricsError(`dirAtFar: FAR must be in [0, 1], got ${far}`);
    const allowed = Math.floor(far * n + 1e-9);
    const threshold = allowed >= n ? -Infinity : impostor[allowed]!;
    let accepted = 0;
    for (let i = 0; i < n && impostor[i]! > threshold; i++) accepted++;
    let hits = 0;
    for (let p = 0; p < rank.length; p++) if (rank[p] === 1 && trueScore[p]! > threshold) hits++;
    return { far, actualFar: accepted / n, threshold, dir: hits / genuine };
  });
}

/** DIR over a log-spaced FAR grid from `minFar` to 1, for DIR-vs-FAR plots. */
export function dirCurve(input: ProbeGallery, minFar = 1e-3, points = 61): DirPoint[] {
  const fars: number[] = [];
  const l0 = Math.log10(minFar);
  for (let i = 0; i < points; i++) fars.push(10 ** (l0 + ((0 - l0) * i) / (points - 1)));
  return dirAtFar(input, fars);
}
