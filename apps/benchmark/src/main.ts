// Entry point: `pnpm benchmark <protocol> --descriptor <name> --align <none|2d|3d> --data <dir>`.
// Progress and notes go to stderr; the last stdout line is one JSON object with the results.
import { parseBenchmarkArgs, USAGE, UsageError } from './args';
import { runBenchmark } from './run';

try {
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
