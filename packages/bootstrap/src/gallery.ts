/**
 * An open-set gallery: enrol (identity, feature) pairs, search the top-k identities of a
 * probe by cosine, and reject a probe whose best score is under a threshold. Persisted on
 * the same crash-safe HyperplaneStore, searched by the same exact index.
 */
import { BootstrapError } from './errors';
import type { ExactIndex, ExactIndexOptions, Precision } from './exact-index';
import { loadExactIndex } from './load';
import { HyperplaneStore } from './store';
import { rowCount } from './vectors';

export interface GalleryMatch {
  identity: string;
  /** Best cosine between the probe and this identity's enrolled features. */
  score: number;
  /** Row of that best feature. */
  row: number;
}

export interface Identification {
  /** Top-k identities, best first (k distinct identities, or fewer if the gallery is small). */
  matches: GalleryMatch[];
  /** True when the best score is under the threshold: "not in the gallery". */
  rejected: boolean;
  threshold: number;
}

export interface GalleryOptions extends Omit<ExactIndexOptions, 'dim'> {
  /** Cosine under which a probe is rejected (default 0.5; calibrate on your features). */
  threshold?: number;
}

export class Gallery {
  private constructor(
    readonly store: HyperplaneStore,
    private readonly index: ExactIndex,
    private readonly rowLabels: string[],
    public threshold: number,
    private readonly precision: Precision,
  ) {}

  /** Opens the gallery in `dir`, creating it (with `dim`) if absent. */
  static open(dir: string, dim: number, options: GalleryOptions = {}): Gallery {
    const store = HyperplaneStore.openOrCreate(dir, dim, { meta: { kind: 'gallery' } });
    const { index, labels } = loadExactIndex(store, options);
    return new Gallery(store, index, labels, options.threshold ?? 0.5, index.has('f32') ? 'f32' : 'int8');
  }

  get size(): number {
    return this.index.size;
  }

  get identities(): string[] {
    return [...new Set(this.rowLabels)];
  }

  /** Enrols one or more features (n×dim) of `identity`; committed to disk before it returns. */
  enrol(identity: string, features: Float32Array): void {
    if (typeof identity !== 'string' || identity.length === 0) throw new BootstrapError('identity must be a non-empty string');
    const n = rowCount(features, this.store.dim, `features of ${identity}`);
    this.enrolMany(Array.from({ length: n }, () => identity), features);
  }

  /** Enrols n features with one label each, as one store segment. */
  enrolMany(identities: string[], features: Float32Array): void {
    const n = rowCount(features, this.store.dim, 'features');
    if (identities.length !== n) throw new BootstrapError(`expected ${n} identities (one per feature), got ${identities.length}`);
    this.store.append({ vectors: features, labels: identities });
    this.index.addSync(features);
    for (const id of identities) this.rowLabels.push(id);
  }

  /** Top-k identities of `probe` and the open-set decision. */
  identify(probe: Float32Array, k = 5, threshold = this.threshold): Identification {
    const matches: GalleryMatch[] = [];
    if (this.index.size > 0) {
      // Rows, not identities, are indexed: widen the row search until k distinct identities.
      for (let want = k * 4; ; want *= 4) {
        const hits = this.index.searchSync(probe, Math.min(want, this.index.size), this.precision);
        matches.length = 0;
        const seen = new Set<string>();
        for (let i = 0; i < hits.ids.length && matches.length < k; i++) {
          const identity = this.rowLabels[hits.ids[i]];
          if (seen.has(identity)) continue;
          seen.add(identity);
          matches.push({ identity, score: hits.scores[i], row: hits.ids[i] });
        }
        if (matches.length >= k || hits.ids.length >= this.index.size) break;
      }
    }
    return { matches, rejected: matches.length === 0 || matches[0].score < threshold, threshold };
  }

  async close(): Promise<void> {
    await this.index.close();
  }
}
