// Entry point: `pnpm benchmark <protocol> --descriptor <name> --align <none|2d|3d> --data <dir>`.
// Progress and notes go to stderr; the last stdout line is one JSON object with the results.
import { parseBenchmarkArgs, USAGE, UsageError } from './args';
import { compareRuns, describeComparison, readRunResult } from './compare';
import { runBenchmark } from './run';

try {
  const argv = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);
  if (argv[0] === 'compare') {
    // Paths are relative to where the user ran pnpm (INIT_CWD), as for the runs themselves.
    const { resolve } = await import('node:path');
    const cwd = process.env.INIT_CWD ?? process.cwd();
    if (argv.length !== 3) throw new UsageError('compare takes two runs: pnpm benchmark compare <run A out folder | result.json> <run B …>');
    const c = compareRuns(readRunResult(resolve(cwd, argv[1]!)), readRunResult(resolve(cwd, argv[2]!)));
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
