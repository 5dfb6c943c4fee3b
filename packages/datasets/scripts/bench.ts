/**
 * Benchmark of @deepface-ts/datasets. Prints a table, then ONE JSON line (last line):
 *   lfw_index_ms             parse pairs.txt + people files, index the image folders, check every referenced image exists
 *   decode_lfw_ms_per_image  decode + resize to 152×152 RGB float, median over 500 LFW images (one at a time)
 *   sfc_rows_per_s           stream a generated 4.4 M-row / 4,030-identity manifest and compute the time split
 *   sfc_peak_rss_mb          peak RSS of the process doing that (a child, so the generator's memory does not count)
 * each beside a baseline measured in the same run. Needs a build (dist/) for the SFC child.
 * Usage: pnpm --filter @deepface-ts/datasets bench   (env DEEPFACE_DATASETS, SFC_ROWS to override)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resizeBilinear, toRgbFloat } from '@deepface-ts/image';
import { createProgress } from '@deepface-ts/progress';
import { datasetsRoot, decodeImage, loadLfw, loadLfwAsync, mulberry32, shuffleInPlace, SfcWriter } from '../src/index';

const here = dirname(fileURLToPath(import.meta.url));
const lfwDir = join(datasetsRoot(here), 'lfw');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const table: [string, string, string][] = [];
const result: Record<string, number | string> = {};

// --- LFW index -------------------------------------------------------------------------
if (!existsSync(lfwDir)) {
  console.error(`[bench] ${lfwDir} not found: LFW figures skipped (set DEEPFACE_DATASETS)`);
} else {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let images = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    const lfw = loadLfw(lfwDir);
    times.push(performance.now() - t0);
    cpuTimes.push(cpuMs() - c0);
    images = lfw.imageCount;
  }
  const asyncTimes: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    await loadLfwAsync(lfwDir);
    asyncTimes.push(performance.now() - t0);
  }
  // Baseline: the same check done as one existsSync per referenced image.
  const lfw = loadLfw(lfwDir, { checkImages: false });
  const t0 = performance.now();
  let found = 0;
  for (const f of lfw.view2Folds()) if (f.fold === 1) for (const p of [...f.train, ...f.test]) found += Number(existsSync(p.path1)) + Number(existsSync(p.path2));
  for (const fold of lfw.people!.folds) for (const p of fold) for (let i = 1; i <= p.images; i++) found += Number(existsSync(lfw.imagePath(p.name, i)));
  const statMs = performance.now() - t0;
  result.lfw_index_ms = median(times);
  table.push(['lfw_index_ms (median of 5)', result.lfw_index_ms.toFixed(1), `baseline existsSync per referenced image (${found} checks): ${statMs.toFixed(1)} ms`]);
  result.lfw_index_cpu_ms = median(cpuTimes);
  table.push(['  CPU ms (median of 5)', result.lfw_index_cpu_ms.toFixed(1), '']);
  result.lfw_index_async_ms = median(asyncTimes);
  table.push(['  loadLfwAsync (16 folder reads in flight)', result.lfw_index_async_ms.toFixed(1), '']);
  table.push(['lfw images indexed', String(images), '']);

  // --- LFW decode ----------------------------------------------------------------------
  const all = lfw.allImages();
  const step = all.length / 500;
  const files = Array.from({ length: 500 }, (_, i) => all[Math.floor(i * step)]!);
  const bar = createProgress({ label: 'decode LFW (sharp)', total: files.length * 2, unit: 'img' });
  for (const f of files.slice(0, 20)) await decodeImage(f, { resize: { width: 152, height: 152 }, dtype: 'float32' }); // warm-up
  const ours: number[] = [];
  const lanczos: number[] = [];
  const cpu0 = cpuMs();
  for (const f of files) {
    const t = performance.now();
    await decodeImage(f, { resize: { width: 152, height: 152 }, dtype: 'float32' });
    ours.push(performance.now() - t);
    bar.tick(1);
  }
  const decodeCpuMs = (cpuMs() - cpu0) / files.length;
  for (const f of files) {
    const t = performance.now();
    await decodeImage(f, { resize: { width: 152, height: 152 }, dtype: 'float32', kernel: 'lanczos3' });
    lanczos.push(performance.now() - t);
    bar.tick(1);
  }
  bar.done();
  // Baseline: sharp decode only, then resize in JS with @deepface-ts/image.
  const jsResize: number[] = [];
  for (const f of files.slice(0, 100)) {
    const t = performance.now();
    const full = await decodeImage(f);
    toRgbFloat(resizeBilinear(full, 152, 152));
    jsResize.push(performance.now() - t);
  }
  const t1 = performance.now();
  let n = 0;
  const { decodeAll } = await import('../src/index');
  const { images: batch } = await decodeAll(files, { resize: { width: 152, height: 152 }, dtype: 'float32', progress: false, concurrency: 8 });
  n = batch.filter(Boolean).length;
  const batchMs = performance.now() - t1;
  result.decode_lfw_ms_per_image = median(ours);
  result.decode_lfw_lanczos3_ms_per_image = median(lanczos);
  result.decode_lfw_js_resize_ms_per_image = median(jsResize);
  result.decode_lfw_batch_images_per_s = (n / batchMs) * 1000;
  table.push(['decode_lfw_ms_per_image (default linear kernel, median/500)', result.decode_lfw_ms_per_image.toFixed(2), `p90 ${[...ours].sort((a, b) => a - b)[450]!.toFixed(2)} ms`]);
  result.decode_lfw_cpu_ms_per_image = decodeCpuMs;
  table.push(['  CPU ms per image (all threads)', decodeCpuMs.toFixed(2), '']);
  table.push(['  same with kernel lanczos3', result.decode_lfw_lanczos3_ms_per_image.toFixed(2), '']);
  table.push(['  baseline: sharp decode + JS resizeBilinear', result.decode_lfw_js_resize_ms_per_image.toFixed(2), 'median over 100']);
  table.push(['  decodeAll, concurrency 8 (images/s)', result.decode_lfw_batch_images_per_s.toFixed(0), `${n} images`]);
}

// --- SFC -------------------------------------------------------------------------------
const totalRows = Number(process.env.SFC_ROWS ?? 4_400_000);
const identities = 4030;
const file = join(tmpdir(), `deepface-bench-sfc-${process.pid}.csv`);
try {
  const rng = mulberry32(2014);
  // 4,030 identities with 4.4 M rows in all: counts within ±108 of the mean (the paper: "800 to 1200 faces").
  const mean = Math.floor(totalRows / identities);
  const counts = Array.from({ length: identities }, () => mean - 108 + rng.int(217));
  let diff = totalRows - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % identities) {
    counts[i]! += Math.sign(diff);
    diff -= Math.sign(diff);
  }
  // Rows in random identity order: the reader cannot lean on rows being grouped by person.
  const order = new Int32Array(totalRows);
  for (let id = 0, r = 0; id < identities; id++) for (let k = 0; k < counts[id]!; k++) order[r++] = id;
  shuffleInPlace(order, rng);
  const seen = new Int32Array(identities);
  const gen = createProgress({ label: 'write SFC manifest', total: totalRows, unit: 'row' });
  const t0 = performance.now();
  const writer = new SfcWriter(file);
  for (let r = 0; r < totalRows; r++) {
    const id = order[r]!;
    const k = seen[id]!++;
    writer.write({ identity: `person_${String(id).padStart(4, '0')}`, image: `faces/${id}/${k}.jpg`, timestamp: 1_262_304_000 + rng.int(150_000_000) });
    if ((r & 65535) === 65535) gen.tick(65536);
  }
  writer.close();
  gen.tick(totalRows % 65536);
  const writeMs = performance.now() - t0;
  gen.done();
  const sizeMb = statSync(file).size / 1048576;
  const child = (mode: string): Record<string, number> => {
    console.error(`[bench] SFC ${mode} reader in a child process…`);
    const out = execFileSync(process.execPath, [join(here, 'sfc-child.mjs'), file, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!);
  };
  const ours = child('ours');
  const naive = child('naive');
  if (ours.test_rows !== naive.test_rows) throw new Error(`test-set sizes disagree: ours ${ours.test_rows}, baseline ${naive.test_rows}`);
  result.sfc_rows = ours.rows!;
  result.sfc_rows_per_s = ours.rows_per_s!;
  result.sfc_peak_rss_mb = ours.peak_rss_mb!;
  result.sfc_rows_per_cpu_s = ours.rows_per_cpu_s!;
  result.sfc_baseline_rows_per_s = naive.rows_per_s!;
  result.sfc_baseline_peak_rss_mb = naive.peak_rss_mb!;
  result.sfc_write_rows_per_s = (totalRows / writeMs) * 1000;
  table.push([`sfc_rows_per_s (${(ours.rows! / 1e6).toFixed(1)} M rows, ${sizeMb.toFixed(0)} MiB, read + time split)`, ours.rows_per_s!.toFixed(0), `read ${ours.read_ms!.toFixed(0)} ms + split ${ours.split_ms!.toFixed(0)} ms; baseline readline+objects ${naive.rows_per_s!.toFixed(0)}`]);
  table.push(['  rows per CPU-second (less sensitive to a busy machine)', ours.rows_per_cpu_s!.toFixed(0), `baseline ${naive.rows_per_cpu_s!.toFixed(0)}`]);
  table.push(['sfc_peak_rss_mb', ours.peak_rss_mb!.toFixed(0), `Node at start ${ours.start_rss_mb!.toFixed(0)} MiB; baseline ${naive.peak_rss_mb!.toFixed(0)} MiB`]);
  table.push(['  test rows (most recent 5 %)', String(ours.test_rows), `${ours.identities} identities`]);
  table.push(['  DF-1.5K + DF-10% subsets (ms)', ours.subsets_ms!.toFixed(0), `train rows ${ours.df15k_train} / ${ours.df10_train}`]);
  table.push(['  SfcWriter rows/s (atomic write)', result.sfc_write_rows_per_s.toFixed(0), '']);
} finally {
  rmSync(file, { force: true });
}

const width = Math.max(...table.map((r) => r[0].length));
console.log('');
for (const [k, v, note] of table) console.log(`${k.padEnd(width)}  ${v.padStart(10)}  ${note}`);
console.log('(noisy: measured on a shared machine)');
const rounded = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(6)) : v]));
console.log(JSON.stringify(rounded));
