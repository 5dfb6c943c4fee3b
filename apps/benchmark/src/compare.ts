/**
 * `pnpm benchmark compare <run A> <run B>`: is A really better than B? Two verification runs
 * on the same protocol (e.g. LFW with `--align 2d` and `--align none`) are compared fold by
 * fold: mean ± SE of the per-fold accuracy differences, the paired t-test, and the folds won.
 * Both runs measure the same pairs, so pairing removes the fold-to-fold spread they share;
 * the unpaired ± SE of each run overstates the uncertainty of their difference.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './args';
import { pairedComparison, rocChartSpec, writeChart, type RocCurve, type RocSeries } from '@deepface-ts/metrics';

/** What a verification run writes to `<out>/result.json` (its JSON line, per-fold accuracies included). */
export interface RunResult {
  protocol: string;
  descriptor: string;
  align: string;
  metric: string;
  accuracy: number;
  fold_accuracy: number[];
  pairs?: number;
  /** What exactly described the images (the describer's id, with its test-time options), when the run recorded it. */
  descriptor_id?: string;
}

export const RESULT_FILE = 'result.json';

/** `compare <run A> <run B> [--out dir]`: the two runs' paths and the plot folder, resolved against `cwd`. */
export function parseCompareArgs(argv: readonly string[], cwd: string): { files: readonly [string, string]; out?: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { out: { type: 'string' } } });
  } catch (error) {
    throw new UsageError(`compare: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new UsageError(`compare takes two runs (their --out folders or result.json files), got ${positionals.length}`);
  return { files: [resolve(cwd, positionals[0]!), resolve(cwd, positionals[1]!)], ...(values.out ? { out: resolve(cwd, values.out) } : {}) };
}
/** The headline metric's ROC, beside result.json. */
export const ROC_FILE = 'roc.json';

export interface RocRecord {
  metric: string;
  fpr: number[];
  tpr: number[];
}

/** A run's headline ROC as saved in roc.json (6 decimals: finer than one pair in 10⁵). */
export function rocRecord(m: { name: string; roc: RocCurve }): RocRecord {
  const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
  return { metric: m.name, fpr: Array.from(m.roc.fpr, r6), tpr: Array.from(m.roc.tpr, r6) };
}

/** Reads a run's result from its --out folder or a result.json path; errors name the file and what is wrong. */
export function readRunResult(path: string): RunResult {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, RESULT_FILE) : path;
  if (!existsSync(file)) throw new Error(`${file}: not found (pass a benchmark run's --out folder or its ${RESULT_FILE})`);
  let r: Partial<RunResult>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunResult>;
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  for (const key of ['protocol', 'descriptor', 'align', 'metric'] as const) {
    if (typeof r[key] !== 'string') throw new Error(`${file}: no "${key}" (is it a verification run's ${RESULT_FILE}?)`);
  }
  if (!Array.isArray(r.fold_accuracy) || r.fold_accuracy.some((v) => typeof v !== 'number')) {
    throw new Error(`${file}: no per-fold accuracies ("fold_accuracy"); identification runs have no folds to compare`);
  }
  return r as RunResult;
}

export interface Comparison {
  protocol: 'compare';
  of: string;
  a: string;
  b: string;
  metric: string;
  accuracy_a: number;
  accuracy_b: number;
  difference: number;
  se: number;
  t: number;
  p: number;
  wins: number;
  losses: number;
  ties: number;
  folds: number;
}

const label = (r: RunResult) => `${r.descriptor} --align ${r.align}${r.descriptor_id ? ` (${r.descriptor_id})` : ''}`;

export function compareRuns(a: RunResult, b: RunResult, names: [string, string] = ['A', 'B']): Comparison {
  if (a.protocol !== b.protocol) throw new Error(`${names[0]} is a ${a.protocol} run and ${names[1]} a ${b.protocol} run: compare runs of one protocol`);
  if (a.pairs !== undefined && b.pairs !== undefined && a.pairs !== b.pairs) throw new Error(`${names[0]} scored ${a.pairs} pairs and ${names[1]} ${b.pairs}: not the same pairs`);
  if (a.metric !== b.metric) console.error(`note: ${names[0]} reports ${a.metric} and ${names[1]} ${b.metric}`);
  const c = pairedComparison(a.fold_accuracy, b.fold_accuracy, `${names[0]} vs ${names[1]}`);
  const r4 = (x: number) => Number(x.toFixed(4));
  return {
    protocol: 'compare',
    of: a.protocol,
    a: label(a),
    b: label(b),
    metric: a.metric,
    accuracy_a: r4(a.accuracy),
    accuracy_b: r4(b.accuracy),
    difference: r4(c.mean),
    se: r4(c.se),
    t: Number(c.t.toFixed(3)),
    p: Number(c.p.toPrecision(3)),
    wins: c.wins,
    losses: c.losses,
    ties: c.ties,
    folds: c.n,
  };
}

/** Human-readable lines for a comparison (the JSON line follows them on stdout). */
export function describeComparison(c: Comparison): string {
  const sign = c.difference >= 0 ? '+' : '−';
  return [
    `${c.of}: A = ${c.a} (${c.accuracy_a.toFixed(4)}), B = ${c.b} (${c.accuracy_b.toFixed(4)})`,
    `A − B = ${sign}${Math.abs(c.difference).toFixed(4)} ± ${c.se.toFixed(4)} (paired SE over ${c.folds} folds), t = ${c.t.toFixed(2)}, two-sided p = ${c.p.toPrecision(2)}; A ahead in ${c.wins}, behind in ${c.losses}, level in ${c.ties} folds`,
  ].join('\n');
}

/**
 * Draws the two runs' headline ROC curves in one chart (linear and log FPR) as
 * `<base>.svg/.png` and `<base>-log.svg/.png`. Runs without a roc.json (made before it
 * existed) are left out; returns the PNG paths, or none when neither run has one.
 */
export async function drawComparison(files: readonly [string, string], runs: readonly [RunResult, RunResult], base: string): Promise<string[]> {
  const series: RocSeries[] = [];
  files.forEach((file, i) => {
    const rocPath = join(existsSync(file) && statSync(file).isDirectory() ? file : dirname(file), ROC_FILE);
    if (!existsSync(rocPath)) return;
    const r = JSON.parse(readFileSync(rocPath, 'utf8')) as RocRecord;
    series.push({ name: `${'AB'[i]}: ${label(runs[i]!)} ${r.metric} (${runs[i]!.accuracy.toFixed(4)})`, fpr: r.fpr, tpr: r.tpr });
  });
  if (series.length === 0) return [];
  const title = `${runs[0].protocol}: ${label(runs[0])} vs ${label(runs[1])}`;
  const a = await writeChart(rocChartSpec(series, { title }), base);
  const b = await writeChart(rocChartSpec(series, { title: `${title} (log FPR)`, logFpr: true, minFpr: 1e-3 }), `${base}-log`);
  return [a.png, b.png];
}
