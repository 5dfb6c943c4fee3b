/** Thrown for inputs a metric cannot be computed on; the message names the argument and the fault. */
export class MetricsError extends Error {
  override readonly name = 'MetricsError';
}

export type Scores = ArrayLike<number>;
/** Pair labels: `true` / 1 = same identity (genuine), `false` / 0 = different (impostor). */
export type PairLabels = ArrayLike<boolean | number>;

/** Validates scores + labels of the same length, all finite; returns the labels as a Uint8Array (1 = same). */
export function checkScoredPairs(scores: Scores, labels: PairLabels, where: string): Uint8Array {
  if (scores.length !== labels.length) {
    throw new MetricsError(`${where}: ${scores.length} scores but ${labels.length} labels`);
  }
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new MetricsError(`${where}: score ${i} is ${s} (scores must be finite)`);
    const l = labels[i];
    if (l === true || l === 1) out[i] = 1;
    else if (l === false || l === 0) out[i] = 0;
    else throw new MetricsError(`${where}: label ${i} is ${String(l)} (expected true/false or 1/0)`);
  }
  return out;
}

/** Throws when one of the two classes is absent (ROC, AUC, EER are undefined then). */
export function requireBothClasses(labels: Uint8Array, where: string): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  const negatives = labels.length - positives;
  if (positives === 0) throw new MetricsError(`${where}: no genuine (same) pairs among ${labels.length}; need both classes`);
  if (negatives === 0) throw new MetricsError(`${where}: no impostor (different) pairs among ${labels.length}; need both classes`);
  return { positives, negatives };
}
