/**
 * LanceDB (embedded; scales out to object storage) behind the NearestIndex interface, for
 * hyperplane sets beyond what one machine's exact scan serves. Rows are stored unit-norm
 * with their row number; search is by cosine, through an IVF-PQ or IVF-HNSW-SQ index once
 * built (exact scan before). Approximate: measure recall against ExactIndex (the bench does).
 */
import type * as LanceDb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import { BootstrapError } from './errors';
import type { NearestIndex } from './exact-index';
import { normalizeRows, rowCount, type TopK } from './vectors';

export interface LanceIndexOptions {
  /** Table name (default "hyperplanes"). */
  table?: string;
  /** IVF partitions probed per query (default 64). */
  nprobes?: number;
  /** Re-rank refineFactor·k candidates with the full vectors (default 4). */
  refineFactor?: number;
  /** HNSW search breadth (IVF-HNSW indexes; default 1.5·k). */
  ef?: number;
}

export interface LanceBuildOptions {
  kind?: 'ivf_pq' | 'ivf_hnsw_sq';
  numPartitions?: number;
  /** IVF-PQ sub-vectors (default dim/8: 8 dims per code, finer than Lance's dim/16 default). */
  numSubVectors?: number;
  /** k-means iterations when training the partitions and codebooks (Lance's default 50). */
  maxIterations?: number;
  /** Training sample per partition (Lance's default 256). */
  sampleRate?: number;
}

export class LanceIndex implements NearestIndex {
  private rows = 0;
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
    // Loaded on first use: the native LanceDB module and Arrow cost every other user of this
    // package start-up time they do not need.
    const lancedb = await import('@lancedb/lancedb');
    const arrow = await import('apache-arrow');
    const db = await lancedb.connect(dir);
    const name = options.table ?? 'hyperplanes';
    const names = await db.tableNames();
    const table = names.includes(name) ? await db.openTable(name) : undefined;
    const index = new LanceIndex(dim, lancedb, arrow, db, table, name, { nprobes: options.nprobes ?? 64, refineFactor: options.refineFactor ?? 4, ef: options.ef });
    if (table) index.rows = await table.countRows();
    return index;
  }

  get size(): number {
    return this.rows;
  }

  /** Appends raw rows (normalised here); returns their norms. Row ids continue from size. */
  async add(rows: Float32Array): Promise<Float32Array> {
    const n = rowCount(rows, this.dim, 'rows');
    const unit = new Float32Array(rows.length);
    const norms = normalizeRows(rows, this.dim, unit);
    for (let i = 0; i < n; i++) if (!Number.isFinite(norms[i])) throw new BootstrapError(`rows: row ${i} has a non-finite value`);
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = this.rows + i;
    const { Field, FixedSizeList, Float32, Int32, makeData, makeVector, Table: ArrowTable } = this.arrow;
    const vectorType = new FixedSizeList(this.dim, new Field('item', new Float32(), true));
    const vector = makeVector(
      makeData({ type: vectorType, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * this.dim, data: unit }) }),
    );
    const data = new ArrowTable({ id: makeVector(makeData({ type: new Int32(), length: n, data: ids })), vector });
    if (this.table) await this.table.add(data);
    else this.table = await this.db.createTable(this.tableName, data);
    this.rows += n;
    return norms;
  }

  /** Builds the ANN index over all rows (replacing any previous one). */
  async buildIndex(options: LanceBuildOptions = {}): Promise<void> {
    if (!this.table) throw new BootstrapError('cannot index an empty LanceIndex: add rows first');
    const numPartitions = options.numPartitions ?? Math.max(1, Math.round(Math.sqrt(this.rows)));
    const config =
      (options.kind ?? 'ivf_pq') === 'ivf_pq'
        ? this.lancedb.Index.ivfPq({
            distanceType: 'cosine',
            numPartitions,
            numSubVectors: options.numSubVectors ?? Math.max(1, Math.floor(this.dim / 8)),
            maxIterations: options.maxIterations,
            sampleRate: options.sampleRate,
          })
        : this.lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions, maxIterations: options.maxIterations, sampleRate: options.sampleRate });
    await this.table.createIndex('vector', { config, replace: true });
  }

  async search(query: Float32Array, k: number): Promise<TopK> {
    if (!(query instanceof Float32Array) || query.length !== this.dim) {
      throw new BootstrapError(`query must be a Float32Array of length ${this.dim}, got ${query?.length}`);
    }
    if (!Number.isInteger(k) || k < 1) throw new BootstrapError(`k must be a positive integer, got ${k}`);
    if (!this.table) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    let q = this.table.vectorSearch(Array.from(query)).distanceType('cosine').limit(k).nprobes(this.options.nprobes).select(['id', '_distance']);
    if (this.options.refineFactor > 1) q = q.refineFactor(this.options.refineFactor);
    if (this.options.ef) q = q.ef(this.options.ef);
    const rows = (await q.toArray()) as { id: number; _distance: number }[];
    const ids = new Int32Array(rows.length);
    const scores = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      ids[i] = r.id;
      scores[i] = 1 - r._distance; // Lance's cosine distance is 1 − cosine
    });
    return { ids, scores };
  }

  /** Exact scan, ignoring the ANN index (for recall checks). */
  async searchExact(query: Float32Array, k: number): Promise<TopK> {
    if (!this.table) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    const rows = (await this.table.vectorSearch(Array.from(query)).distanceType('cosine').limit(k).bypassVectorIndex().select(['id', '_distance']).toArray()) as {
      id: number;
      _distance: number;
    }[];
    return { ids: Int32Array.from(rows, (r) => r.id), scores: Float32Array.from(rows, (r) => 1 - r._distance) };
  }

  close(): void {
    this.table?.close();
    this.db.close();
  }
}
