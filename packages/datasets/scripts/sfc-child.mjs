// Child process of the benchmark: streams an SFC manifest and computes the time split, then
// prints one JSON line with timings and this process's peak RSS (so the generator's memory
// in the parent does not count). Runs the built package (dist/), plain Node, no loaders.
// Usage: node scripts/sfc-child.mjs <manifest> [ours|naive]
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readSfcManifest, sfcFractionSubset, sfcIdentitySubset, sfcTimeSplit } from '../dist/index.js';

const [file, mode = 'ours'] = process.argv.slice(2);
// Peak RSS from /proc/self/status (VmHWM): getrusage's maxRSS survives exec on Linux, so a
// child would report its parent's peak. Elsewhere fall back to maxRSS.
const peakRssMb = () => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rssBefore = process.memoryUsage().rss;
const cpu0 = cpuMs();
const t0 = performance.now();
let rows;
let testRows;
let readMs;
let extra = {};
let cpuSplitDone;
if (mode === 'ours') {
  const m = readSfcManifest(file, { progress: false });
  readMs = performance.now() - t0;
  const split = sfcTimeSplit(m);
  rows = m.rows;
  testRows = split.test.length;
  cpuSplitDone = cpuMs();
  const t1 = performance.now();
  const s15 = sfcIdentitySubset(m, split, 1500, 0);
  const f10 = sfcFractionSubset(m, split, 0.1, 0);
  extra = { subsets_ms: performance.now() - t1, df15k_train: s15.train.length, df10_train: f10.train.length, identities: m.identities.length };
} else {
  // Baseline: what one would write first: readline, split(','), one object per row, sort per identity.
  const all = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header = true;
  for await (const line of rl) {
    if (header) {
      header = false;
      continue;
    }
    const [identity, image, timestamp] = line.split(',');
    all.push({ identity, image, timestamp: Number(timestamp) });
  }
  readMs = performance.now() - t0;
  const byId = new Map();
  all.forEach((r, i) => {
    let list = byId.get(r.identity);
    if (!list) byId.set(r.identity, (list = []));
    list.push(i);
  });
  testRows = 0;
  for (const list of byId.values()) {
    list.sort((a, b) => all[b].timestamp - all[a].timestamp || b - a);
    testRows += list.length < 2 ? 0 : Math.min(list.length - 1, Math.max(1, Math.round(0.05 * list.length)));
  }
  rows = all.length;
  cpuSplitDone = cpuMs();
}
const totalMs = performance.now() - t0;
console.log(
  JSON.stringify({
    mode,
    rows,
    test_rows: testRows,
    read_ms: readMs,
    split_ms: totalMs - readMs - (extra.subsets_ms ?? 0),
    total_ms: totalMs,
    rows_per_s: rows / ((totalMs - (extra.subsets_ms ?? 0)) / 1000),
    cpu_ms: cpuSplitDone - cpu0,
    rows_per_cpu_s: rows / ((cpuSplitDone - cpu0) / 1000),
    peak_rss_mb: peakRssMb(),
    start_rss_mb: rssBefore / 1048576,
    ...extra,
  }),
);
