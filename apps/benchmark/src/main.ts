// Entry point: `pnpm benchmark <protocol> --descriptor <name> --align <none|2d|3d> --data <dir>`.
// Progress and notes go to stderr; the last stdout line is one JSON object with the results.
import { parseBenchmarkArgs, USAGE, UsageError } from './args';
import { userCwd } from '@deepface-ts/cli';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns, describeComparison, drawComparison, parseCompareArgs, readRunResult } from './compare';
import { runBenchmark } from './run';

try {
  const argv = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);
  if (argv[0] === 'compare') {
    // Paths are relative to where the user ran pnpm, as for the runs themselves.
    const cwd = userCwd();
    const { files, out: outDir } = parseCompareArgs(argv.slice(1), cwd);
    const runs = [readRunResult(files[0]), readRunResult(files[1])] as const;
    const c = compareRuns(runs[0], runs[1]);
    const out = outDir ?? join(tmpdir(), 'deepface-ts-benchmark', `compare-${c.of}`);
    await mkdir(out, { recursive: true });
    const plots = await drawComparison(files, runs, join(out, 'roc'));
    if (plots.length) console.error(`ROC curves: ${plots.join(', ')}`);
    console.log(describeComparison(c));
    console.log(JSON.stringify(c));
    process.exit(0);
  }
  const args = parseBenchmarkArgs(process.argv.slice(2));
  const summary = await runBenchmark(args);
  console.log(JSON.stringify(summary));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
}
