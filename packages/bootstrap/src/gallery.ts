/**
 * An open-set gallery: enrol (identity, feature) pairs, search the top-k identities of a
 * probe by cosine, and reject a probe whose best score is under a threshold. Persisted on
 * the same crash-safe HyperplaneStore, searched by the same exact index.
 *
 * One writer at a time: a gallery opened for probing takes no lock (any number of readers,
 * alongside a writer); enrolling takes the store's write lock (at open with `write: true`,
 * else at the first enrol) and holds it until `close()`. A second process enrolling
 * meanwhile gets a LockHeldError naming the writer's pid.
 */
import { BootstrapError } from './errors';
import type { ExactIndex, ExactIndexOptions, Precision } from './exact-index';
import { loadExactIndex, loadSegments } from './load';
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
  /**
   * Open for enrolling: take the write lock now (LockHeldError if another process is
   * enrolling). Default false: no lock until the first enrol (probing stays lock-free).
   */
  write?: boolean;
  /** Names this writer in the lock file, for the error a second writer gets (default: the command line). */
  owner?: string;
}

export class Gallery {
  private constructor(
    readonly store: HyperplaneStore,
    private readonly index: ExactIndex,
    private readonly rowLabels: string[],
    public threshold: number,
    private readonly precision: Precision,
  ) {}

  /**
   * Opens the gallery in `dir`, creating it (with `dim`) if absent. Lock-free unless
   * `write: true` (see the class comment).
   */
  static open(dir: string, dim: number, options: GalleryOptions = {}): Gallery {
    const { threshold, write = false, owner, ...indexOptions } = options;
    const store = HyperplaneStore.openOrCreate(dir, dim, { meta: { kind: 'gallery' }, write, owner });
    try {
      const { index, labels } = loadExactIndex(store, indexOptions);
      return new Gallery(store, index, labels, threshold ?? 0.5, index.has('f32') ? 'f32' : 'int8');
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** True while this gallery holds the write lock (after `open` with `write: true` or an enrol, until `close`). */
  get writable(): boolean {
    return this.store.writable;
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
    if (n === 0) return;
    // Become the writer (or be refused); catch up with what another writer enrolled since we opened.
    const known = this.store.segments.length;
    if (this.store.lockForWriting() > 0) loadSegments(this.store, this.index, this.rowLabels, known);
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

  /** Releases the write lock (if held) and the index. */
  async close(): Promise<void> {
    this.store.close();
    await this.index.close();
  }
}
