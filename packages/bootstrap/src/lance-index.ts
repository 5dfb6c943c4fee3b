/**
 * LanceDB (embedded; scales out to object storage) behind the NearestIndex interface, for
 * hyperplane sets beyond what one machine's exact scan serves. Rows are stored unit-norm
 * with their row number; search is by cosine, through an IVF index once built (exact scan
 * before). The default IVF-flat index keeps full vectors per partition, so the partitions
 * it probes are scanned exactly; IVF-PQ and IVF-HNSW-SQ quantise (smaller, but costlier to
 * build and approximate within a partition). Measure recall against ExactIndex (the bench does).
 */
import type * as LanceDb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import { BootstrapError } from './errors';
import type { NearestIndex } from './exact-index';
import { assertFinite, normalizeRows, rowCount, type TopK } from './vectors';

export interface LanceIndexOptions {
  /** Table name (default "hyperplanes"). */
  table?: string;
  /** IVF partitions probed per query (default 64). */
  nprobes?: number;
  /**
   * Re-rank refineFactor·k candidates with the full vectors (default 4). Quantised indexes
   * only: an IVF-flat index already scores with the full vectors, so it is not applied there.
   */
  refineFactor?: number;
  /** HNSW search breadth (IVF-HNSW indexes; default 1.5·k). */
  ef?: number;
  /**
   * Rows per LanceDB append in `add` (default: 16 MB of vectors, 16,384 rows at 256-D;
   * measured ≈ 2× faster per row than 64 MB appends here).
   */
  batchRows?: number;
}

export type LanceIndexKind = 'ivf_flat' | 'ivf_pq' | 'ivf_hnsw_sq';

export interface LanceBuildOptions {
  /** Default 'ivf_flat' (full vectors per partition: exact within the probed partitions). */
  kind?: LanceIndexKind;
  /** IVF partitions (default √rows). */
  numPartitions?: number;
  /** IVF-PQ sub-vectors (default dim/8: 8 dims per code, finer than Lance's dim/16 default). */
  numSubVectors?: number;
  /**
   * k-means iterations when training the partitions and codebooks (default 10 for IVF-flat;
   * Lance's default 50 for the others).
   */
  maxIterations?: number;
  /** Training sample per partition (default 64 for IVF-flat; Lance's default 256 for the others). */
  sampleRate?: number;
}

/** Bytes of vectors handed to LanceDB per append by default (README: smaller than 64 MB pays). */
const ADD_BATCH_BYTES = 16 << 20;

/** The kinds this class builds, by LanceDB's index type name (`listIndices`: "IvfFlat", …) upper-cased. */
const KIND_OF_LANCE_TYPE: Record<string, LanceIndexKind> = { IVFFLAT: 'ivf_flat', IVFPQ: 'ivf_pq', IVFHNSWSQ: 'ivf_hnsw_sq' };

export class LanceIndex implements NearestIndex {
  private rows = 0;
  /** Kind of the vector index on the table (undefined: none, or one this class did not build). */
  private kind: LanceIndexKind | undefined;
  /** Normalised rows and ids of the batch being appended, kept for the next add (fresh large buffers cost page faults). */
  private scratch: { unit: Float32Array; ids: Int32Array } | undefined;
  /** The last add in flight: adds run one after another (they share the scratch and the next id). */
  private appending: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly dim: number,
    private readonly lancedb: typeof LanceDb,
    private readonly arrow: typeof Arrow,
    private readonly db: LanceDb.Connection,
    private table: LanceDb.Table | undefined,
    private readonly tableName: string,
    readonly options: Required<Omit<LanceIndexOptions, 'ef' | 'table'>> & { ef?: number },
  ) {}

  /** Opens (or starts) the Lance dataset in `dir`. */
  static async open(dir: string, dim: number, options: LanceIndexOptions = {}): Promise<LanceIndex> {
    if (!Number.isInteger(dim) || dim <= 0) throw new BootstrapError(`dim must be a positive integer, got ${dim}`);
    const batchRows = options.batchRows ?? Math.max(1, Math.floor(ADD_BATCH_BYTES / (4 * dim)));
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new BootstrapError(`batchRows must be a positive integer, got ${batchRows}`);
    // Loaded on first use: the native LanceDB module and Arrow cost every other user of this
    // package start-up time they do not need.
    const lancedb = await import('@lancedb/lancedb');
    const arrow = await import('apache-arrow');
    const db = await lancedb.connect(dir);
    const name = options.table ?? 'hyperplanes';
    const names = await db.tableNames();
    const table = names.includes(name) ? await db.openTable(name) : undefined;
    const index = new LanceIndex(dim, lancedb, arrow, db, table, name, {
      nprobes: options.nprobes ?? 64,
      refineFactor: options.refineFactor ?? 4,
      batchRows,
      ef: options.ef,
    });
    if (table) {
      index.rows = await table.countRows();
      const vectorIndex = (await table.listIndices()).find((i) => i.columns.includes('vector'));
      index.kind = vectorIndex && KIND_OF_LANCE_TYPE[vectorIndex.indexType.replace(/_/g, '').toUpperCase()];
    }
    return index;
  }

  /** Kind of the table's vector index; undefined before buildIndex (searches scan exactly). */
  get indexKind(): LanceIndexKind | undefined {
    return this.kind;
  }

  get size(): number {
    return this.rows;
  }

  /**
   * Appends raw rows (normalised here); returns their norms. Row ids continue from size.
   * Rows are written as Arrow record batches (ids and one FixedSizeList<Float32> column over
   * a reused Float32Array) of `batchRows` rows, one LanceDB append per batch. All rows are
   * checked before any is written; if LanceDB fails part-way, the batches before the failure
   * stay (size counts them). Concurrent calls are queued, in call order.
   */
  add(rows: Float32Array): Promise<Float32Array> {
    const run = this.appending.then(() => this.append(rows));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private async append(rows: Float32Array): Promise<Float32Array> {
    const n = rowCount(rows, this.dim, 'rows');
    assertFinite(rows, this.dim, 'rows');
    const norms = new Float32Array(n);
    const batchRows = Math.min(n, this.options.batchRows);
    // Reused for every batch: LanceDB serialises a batch before its append resolves.
    if (!this.scratch || this.scratch.ids.length < batchRows) this.scratch = { unit: new Float32Array(batchRows * this.dim), ids: new Int32Array(batchRows) };
    const { unit, ids } = this.scratch;
    const { Field, FixedSizeList, Float32, Int32, makeData, makeVector, Table: ArrowTable } = this.arrow;
    const vectorType = new FixedSizeList(this.dim, new Field('item', new Float32(), true));
    for (let start = 0; start < n; start += batchRows) {
      const m = Math.min(batchRows, n - start);
      const values = unit.subarray(0, m * this.dim);
      norms.set(normalizeRows(rows.subarray(start * this.dim, (start + m) * this.dim), this.dim, values), start);
      for (let i = 0; i < m; i++) ids[i] = this.rows + i;
      const vector = makeVector(
        makeData({ type: vectorType, length: m, nullCount: 0, child: makeData({ type: new Float32(), length: m * this.dim, data: values }) }),
      );
      const data = new ArrowTable({ id: makeVector(makeData({ type: new Int32(), length: m, data: ids.subarray(0, m) })), vector });
      if (this.table) await this.table.add(data);
      else this.table = await this.db.createTable(this.tableName, data);
      this.rows += m;
    }
    return norms;
  }

  /** Builds the ANN index over all rows (replacing any previous one). */
  async buildIndex(options: LanceBuildOptions = {}): Promise<void> {
    if (!this.table) throw new BootstrapError('cannot index an empty LanceIndex: add rows first');
    const kind = options.kind ?? 'ivf_flat';
    const numPartitions = options.numPartitions ?? Math.max(1, Math.round(Math.sqrt(this.rows)));
    const ivf = { distanceType: 'cosine' as const, numPartitions, maxIterations: options.maxIterations, sampleRate: options.sampleRate };
    const { Index } = this.lancedb;
    const config =
      kind === 'ivf_flat'
        ? // k-means on 64 rows per partition for 10 iterations: as good as Lance's 256 × 50 on
          // the bench's data, at a fraction of the cost (README).
          Index.ivfFlat({ ...ivf, maxIterations: options.maxIterations ?? 10, sampleRate: options.sampleRate ?? 64 })
        : kind === 'ivf_pq'
          ? Index.ivfPq({ ...ivf, numSubVectors: options.numSubVectors ?? Math.max(1, Math.floor(this.dim / 8)) })
          : Index.hnswSq(ivf);
    await this.table.createIndex('vector', { config, replace: true });
    this.kind = kind;
  }

  async search(query: Float32Array, k: number): Promise<TopK> {
    if (!(query instanceof Float32Array) || query.length !== this.dim) {
      throw new BootstrapError(`query must be a Float32Array of length ${this.dim}, got ${query?.length}`);
    }
    if (!Number.isInteger(k) || k < 1) throw new BootstrapError(`k must be a positive integer, got ${k}`);
    if (!this.table) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    let q = this.table.vectorSearch(query).distanceType('cosine').limit(k).nprobes(this.options.nprobes).select(['id', '_distance']);
    // Refining re-reads k·refineFactor full vectors: only worth it over quantised codes.
    if (this.options.refineFactor > 1 && this.kind !== 'ivf_flat') q = q.refineFactor(this.options.refineFactor);
    if (this.options.ef) q = q.ef(this.options.ef);
    return topKOf(await q.toArrow());
  }

  /** Exact scan, ignoring the ANN index (for recall checks). */
  async searchExact(query: Float32Array, k: number): Promise<TopK> {
    if (!this.table) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    return topKOf(await this.table.vectorSearch(query).distanceType('cosine').limit(k).bypassVectorIndex().select(['id', '_distance']).toArrow());
  }

  close(): void {
    this.scratch = undefined;
    this.table?.close();
    this.db.close();
  }
}

/** Ids and cosine scores of a search result (Lance's cosine distance is 1 − cosine). */
function topKOf(result: Arrow.Table): TopK {
  const ids = Int32Array.from(result.getChild('id')!.toArray() as Int32Array);
  const distances = result.getChild('_distance')!.toArray() as Float32Array;
  const scores = new Float32Array(ids.length);
  for (let i = 0; i < scores.length; i++) scores[i] = 1 - distances[i];
  return { ids, scores };
}
