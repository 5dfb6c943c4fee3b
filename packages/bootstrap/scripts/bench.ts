/**
 * Benchmark: hyperplane training throughput, exact top-1000 over 10⁶ × 256 (float32, int8;
 * WASM SIMD on 1 and 2 threads, plain JS baseline in the same run), LanceDB insert, index
 * build, recall and latency at the same size. Prints a table, then ONE JSON line.
 *
 *   pnpm --filter @deepface-ts/bootstrap bench            # 10⁶ rows (needs ~4 GB RAM, minutes)
 *   pnpm --filter @deepface-ts/bootstrap bench --quick    # 10⁵ rows
 *   options: --rows N  --identities N  --queries N  --no-lance  --no-hyperplanes
 *   LanceDB: --index ivf_flat|ivf_pq|ivf_hnsw_sq (default ivf_flat)  --partitions N (√rows)
 *            --nprobes N (40)  --refine N (4; quantised indexes only)  --kmeans-iters N
 *            --sample-rate N (LanceIndex's defaults per kind)
 *
 * Data is synthetic and generated in memory / os.tmpdir() (never in the repo). Hyperplane
 * rows are clustered in two levels like hyperplanes of related identities: rows/500
 * clusters (so a top-1000 spans a seed's own cluster and its nearest siblings), grouped 8
 * to a super-cluster; on uniformly random rows a top-1000 is a near-tie of noise, which no
 * ANN index (and no bootstrapping) can or needs to rank. Training features are ReLU'd,
 * L2-normalised Gaussians around identity centres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgress } from '@deepface-ts/progress';
import { ExactIndex } from '../src/exact-index';
import { LanceIndex, type LanceIndexKind } from '../src/lance-index';
import { trainHyperplanes } from '../src/train';
import { recallAt } from '../src/vectors';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const optString = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const opt = (name: string, dflt: number) => Number(optString(name) ?? dflt);
const DIM = 256;
const ROWS = opt('rows', quick ? 100_000 : 1_000_000);
const IDENTITIES = opt('identities', quick ? 200 : 1000);
const QUERIES = opt('queries', quick ? 5 : 10);
const ONLY_HYPERPLANES = args.includes('--hyperplanes-only');
const K = 1000;
const CENTRES = Math.max(8, Math.round(ROWS / 500));
const SUPERS = Math.max(1, CENTRES / 8);

/** Deterministic Gaussian stream per (seed, row) (xorshift + Box–Muller). */
function gaussRow(seed: number, row: number, out: Float32Array, offset: number, n: number, scale: number): void {
  let s = (Math.imul(row + 1, 0x9e3779b1) ^ Math.imul(seed + 7, 0x85ebca6b)) >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  for (let j = 0; j < n; j += 2) {
    const r = Math.sqrt(-2 * Math.log(u())) * scale;
    const t = 2 * Math.PI * u();
    out[offset + j] += r * Math.cos(t);
    if (j + 1 < n) out[offset + j + 1] += r * Math.sin(t);
  }
}

const supers = new Float32Array(SUPERS * DIM);
for (let c = 0; c < SUPERS; c++) gaussRow(5, c, supers, c * DIM, DIM, 1);
const centres = new Float32Array(CENTRES * DIM);
for (let c = 0; c < CENTRES; c++) {
  for (let j = 0; j < DIM; j++) centres[c * DIM + j] = supers[(c % SUPERS) * DIM + j];
  gaussRow(1, c, centres, c * DIM, DIM, 1);
}

/** Row r of the synthetic hyperplane matrix, written unit-norm into out at offset. */
function hyperplaneRow(r: number, out: Float32Array, offset: number): void {
  const c = r % CENTRES;
  for (let j = 0; j < DIM; j++) out[offset + j] = centres[c * DIM + j];
  gaussRow(2, r, out, offset, DIM, 1.2);
  let ss = 0;
  for (let j = 0; j < DIM; j++) ss += out[offset + j] * out[offset + j];
  const inv = 1 / Math.sqrt(ss);
  for (let j = 0; j < DIM; j++) out[offset + j] *= inv;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const table: [string, string][] = [];
// Rows also go to stderr as they are measured, so a long run that is stopped keeps them.
const push = table.push.bind(table);
table.push = (...rows: [string, string][]) => {
  for (const [a, b] of rows) process.stderr.write(`· ${a}: ${b}\n`);
  return push(...rows);
};
const result: Record<string, number | string> = { rows: ROWS, dim: DIM, k: K, quick: quick ? 1 : 0 };

// ---------------------------------------------------------------- hyperplanes
if (!args.includes('--no-hyperplanes')) {
  const per = 50;
  const features = new Float32Array(IDENTITIES * per * DIM);
  const labels = new Int32Array(IDENTITIES * per);
  for (let r = 0; r < IDENTITIES * per; r++) {
    const id = Math.floor(r / per);
    labels[r] = id;
    gaussRow(3, id, features, r * DIM, DIM, 1); // identity centre (same for all its rows)
    gaussRow(4, r, features, r * DIM, DIM, 0.8); // per-image noise
    let ss = 0;
    for (let j = 0; j < DIM; j++) {
      const v = Math.max(0, features[r * DIM + j]);
      features[r * DIM + j] = v;
      ss += v * v;
    }
    for (let j = 0; j < DIM; j++) features[r * DIM + j] /= Math.sqrt(ss);
  }
  const runs: [string, number, 'wasm' | 'js', number][] = [
    ['hyperplanes_per_s', 2, 'wasm', IDENTITIES],
    ['hyperplanes_per_s_1thread', 1, 'wasm', IDENTITIES],
    // Baseline: @deepface-ts/linear-svm (plain JS, float64) on the same problems.
    ['baseline_js_hyperplanes_per_s', 2, 'js', Math.min(IDENTITIES, 200)],
  ];
  for (const [key, threads, solver, count] of runs) {
    const identities = Array.from({ length: count }, (_, i) => i);
    const h = await trainHyperplanes(features, labels, DIM, { identities, negatives: 500, threads, svm: { solver }, progress: `hyperplanes (${solver}, ${threads} thr)` });
    const rate = count / h.seconds;
    const conv = h.converged.reduce((a, b) => a + b, 0);
    const iters = median(Array.from(h.iterations));
    result[key] = Math.round(rate);
    table.push([`hyperplanes/s, ${solver === 'wasm' ? 'WASM SIMD' : 'baseline linear-svm (JS)'}, ${threads} thread(s)`, `${rate.toFixed(0)}  (${count} planes, ${conv} converged, median ${iters} passes)`]);
  }
}

// ---------------------------------------------------------------- exact index
if (ONLY_HYPERPLANES) {
  for (const [a, b] of table) console.log(`  ${a}  ${b}`);
  console.log(JSON.stringify(result));
  process.exit(0);
}
const index = new ExactIndex({ dim: DIM, threads: 2 });
{
  const progress = createProgress({ label: `generating ${ROWS} rows`, total: ROWS, unit: 'rows' });
  const CHUNK = 65536;
  for (let start = 0; start < ROWS; start += CHUNK) {
    const n = Math.min(CHUNK, ROWS - start);
    index.appendChunk(n, (v) => {
      for (let r = 0; r < n; r++) hyperplaneRow(start + r, v.f32!, r * v.stride);
    });
    progress.tick(n);
  }
  progress.done();
}
const queryRows = Array.from({ length: QUERIES }, (_, i) => Math.floor(((i + 0.5) / QUERIES) * ROWS));
const queries = queryRows.map((r) => {
  const q = new Float32Array(DIM);
  hyperplaneRow(r, q, 0);
  return q;
});
const exactTop: Int32Array[] = [];
function timeQueries(label: string, key: string | undefined, run: (q: Float32Array) => { ids: Int32Array }, after?: (i: number, ids: Int32Array) => void): number {
  run(queries[0]); // warm-up
  const times: number[] = [];
  queries.forEach((q, i) => {
    const t = performance.now();
    const r = run(q);
    times.push(performance.now() - t);
    after?.(i, r.ids);
  });
  const ms = median(times);
  if (key) result[key] = Number(ms.toFixed(2));
  table.push([label, `${ms.toFixed(1)} ms (median of ${queries.length})`]);
  return ms;
}
const tag = ROWS === 1_000_000 ? '1e6' : `${ROWS}`;
timeQueries(`exact top-${K} float32, WASM SIMD, 2 threads`, `query_${tag}_f32_ms`, (q) => index.searchSync(q, K, 'f32'), (i, ids) => (exactTop[i] = ids));
let int8Recall = 0;
timeQueries(`exact top-${K} int8, WASM SIMD, 2 threads`, `query_${tag}_int8_ms`, (q) => index.searchSync(q, K, 'int8'), (i, ids) => (int8Recall += recallAt(exactTop[i], ids) / QUERIES));
await index.close();
const single = index; // helpers closed: searches now run on the calling thread only
timeQueries(`exact top-${K} float32, WASM SIMD, 1 thread`, `query_${tag}_f32_1thread_ms`, (q) => single.searchSync(q, K, 'f32'));
timeQueries(`exact top-${K} int8, WASM SIMD, 1 thread`, `query_${tag}_int8_1thread_ms`, (q) => single.searchSync(q, K, 'int8'));
result.int8_recall_at_1000 = Number(int8Recall.toFixed(4));
table.push([`int8 recall@${K} vs float32 exact`, int8Recall.toFixed(4)]);
{
  // Plain-JS baseline over the same rows (fewer queries: it is slow).
  const saved = queries.splice(2);
  timeQueries(`baseline: plain JS float32 top-${K}`, `baseline_js_query_${tag}_f32_ms`, (q) => index.searchSync(q, K, 'f32', true));
  timeQueries(`baseline: plain JS int8 top-${K}`, `baseline_js_query_${tag}_int8_ms`, (q) => index.searchSync(q, K, 'int8', true));
  queries.push(...saved);
}
result.exact_index_bytes = index.memoryBytes;

// ---------------------------------------------------------------- LanceDB
if (!args.includes('--no-lance')) {
  const dir = mkdtempSync(join(tmpdir(), 'deepface-bench-lance-'));
  try {
    const lance = await LanceIndex.open(dir, DIM, { nprobes: opt('nprobes', 40), refineFactor: opt('refine', 4) });
    let t = performance.now();
    const progress = createProgress({ label: 'LanceDB insert', total: ROWS, unit: 'rows' });
    const BATCH = 16384; // LanceIndex's own append size at 256-D
    for (let start = 0; start < ROWS; start += BATCH) {
      const n = Math.min(BATCH, ROWS - start);
      // The same unit rows as the exact index (copied out of its memory, not regenerated).
      await lance.add(index.unitRows(start, n));
      progress.tick(n);
    }
    progress.done();
    const insertS = (performance.now() - t) / 1000;
    table.push(['LanceDB insert', `${insertS.toFixed(1)} s`]);
    result.lancedb_insert_s = Number(insertS.toFixed(2));
    t = performance.now();
    const kind = (optString('index') ?? 'ivf_flat') as LanceIndexKind;
    if (!['ivf_flat', 'ivf_pq', 'ivf_hnsw_sq'].includes(kind)) throw new Error(`--index: ivf_flat, ivf_pq or ivf_hnsw_sq, got ${kind}`);
    const partitions = opt('partitions', Math.round(Math.sqrt(ROWS)));
    const given = (name: string) => (optString(name) === undefined ? undefined : opt(name, 0));
    process.stderr.write(`LanceDB: building ${kind} (${partitions} partitions)…\n`);
    await lance.buildIndex({ kind, numPartitions: partitions, maxIterations: given('kmeans-iters'), sampleRate: given('sample-rate') });
    const buildS = (performance.now() - t) / 1000;
    table.push([`LanceDB ${kind} build (${partitions} partitions)`, `${buildS.toFixed(1)} s`]);
    result.lancedb_index = kind;
    result.lancedb_partitions = partitions;
    result.lancedb_build_s = Number(buildS.toFixed(2));
    await lance.search(queries[0], K);
    const times: number[] = [];
    let recall = 0;
    for (let i = 0; i < queries.length; i++) {
      const t0 = performance.now();
      const r = await lance.search(queries[i], K);
      times.push(performance.now() - t0);
      recall += recallAt(exactTop[i], r.ids) / queries.length;
    }
    result.lancedb_query_ms = Number(median(times).toFixed(2));
    result.lancedb_recall_at_1000 = Number(recall.toFixed(4));
    result.lancedb_nprobes = lance.options.nprobes;
    const refine = kind === 'ivf_flat' ? 1 : lance.options.refineFactor; // IVF-flat scores with the full vectors
    result.lancedb_refine_factor = refine;
    table.push([`LanceDB top-${K} (nprobes ${lance.options.nprobes}, refine ×${refine})`, `${median(times).toFixed(1)} ms, recall@${K} ${recall.toFixed(4)}`]);
    lance.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const w = Math.max(...table.map(([a]) => a.length));
console.log(`\n@deepface-ts/bootstrap bench: ${ROWS} × ${DIM}, ${QUERIES} queries${quick ? ' (--quick)' : ''}`);
for (const [a, b] of table) console.log(`  ${a.padEnd(w)}  ${b}`);
console.log(JSON.stringify(result));
