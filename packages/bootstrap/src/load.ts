/** Loading a HyperplaneStore into an ExactIndex, straight from the files into its memory. */
import { ExactIndex, type ExactIndexOptions } from './exact-index';
import type { HyperplaneStore } from './store';

export interface LoadedIndex {
  index: ExactIndex;
  /** Label of each row (row number = index id). */
  labels: string[];
}

/** Builds an exact index over every row of `store` (CRC-checked while reading). */
export function loadExactIndex(store: HyperplaneStore, options: Omit<ExactIndexOptions, 'dim'> = {}): LoadedIndex {
  const index = new ExactIndex({ ...options, dim: store.dim });
  const labels: string[] = [];
  loadSegments(store, index, labels, 0);
  return { index, labels };
}

/** Appends segments `from`… of `store` to `index` (and their labels to `labels`). */
export function loadSegments(store: HyperplaneStore, index: ExactIndex, labels: string[], from: number): void {
  const dim = store.dim;
  for (let i = from; i < store.segments.length; i++) {
    const rows = store.segments[i].rows;
    if (index.stride === dim) {
      index.appendChunk(
        rows,
        (v) => {
          const { labels: l } = store.readSegmentInto(i, {
            unit: v.f32 && bytes(v.f32),
            int8: v.int8 && bytes(v.int8),
            scales: v.scales && bytes(v.scales),
          });
          for (const x of l) labels.push(x);
        },
        index.has('int8'),
      );
    } else {
      const seg = store.readSegment(i);
      index.addUnitRows(seg.unit, rows);
      for (const x of seg.labels) labels.push(x);
    }
  }
}

function bytes(a: Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
