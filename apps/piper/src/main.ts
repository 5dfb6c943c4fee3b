/**
 * PIPER protocols from the command line.
 *   tsx src/main.ts cfp  [--dir ../shared/datasets/cfp] [--seed 1] [--pca 128] [--temperatures 1,0.3,0.1] [--svm-c 1] [--repeats 3] [--limit-identities N]
 *   tsx src/main.ts pipa --annotations <dir with all_data.txt> --photos <PIPA photo dir> [--split original]
 * Prints PIPER's Table 2 and Table 4 layouts, one-shot and retrieval; the last line is one JSON object.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPipa } from '@deepface-ts/piper/pipa';
import { createProgress } from '@deepface-ts/progress';
import { evaluateCfp, summary } from './evaluate';
import { formatReport } from './tables';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function parseArgs(argv: string[]): { command: string; flags: Map<string, string> } {
  const [command = '', ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)} (flags look like --name value)`);
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`flag ${a} needs a value`);
    flags.set(a.slice(2), value);
    i++;
  }
  return { command, flags };
}

function numberFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

async function runCfp(flags: Map<string, string>): Promise<void> {
  const { text, summary } = await evaluateCfp({
    dir: flags.get('dir') ?? join(process.env.DEEPFACE_DATASETS ?? join(repoRoot, '..', 'shared', 'datasets'), 'cfp'),
    repoRoot,
    seed: numberFlag(flags, 'seed', 1),
    pcaDims: numberFlag(flags, 'pca', 128),
    temperatures: flags.has('temperatures') ? flags.get('temperatures')!.split(',').map(Number) : undefined,
    svmC: numberFlag(flags, 'svm-c', 1),
    repeats: numberFlag(flags, 'repeats', 3),
    limitIdentities: flags.has('limit-identities') ? numberFlag(flags, 'limit-identities', 0) : undefined,
  });
  console.log(text);
  console.log(JSON.stringify(summary));
}

async function runPipaCommand(flags: Map<string, string>): Promise<void> {
  const annotations = flags.get('annotations');
  const photos = flags.get('photos');
  if (!annotations || !photos) throw new Error('pipa needs --annotations <folder with all_data.txt and split files> and --photos <folder with the PIPA photos>');
  const split = (flags.get('split') ?? 'original') as 'original' | 'album' | 'time' | 'day';
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  const report = await runPipa({
    annotations,
    photos,
    split,
    seed: numberFlag(flags, 'seed', 1),
    onProgress: (stage, done, total) => {
      if (total === 0) return;
      let bar = bars.get(stage);
      if (!bar) bars.set(stage, (bar = createProgress({ label: stage, total, unit: 'inst' })));
      bar.tick(done - bar.state().count);
      if (done === total) bar.done();
    },
  });
  if (report.skipped.length) {
    console.error(`${report.skipped.length} instances skipped; first ones:`);
    for (const s of report.skipped.slice(0, 10)) console.error(`  ${s.where}: ${s.reason}`);
  }
  console.log(formatReport(`PIPA (${split} split)`, { val: report.instances.val, test: report.instances.test, failures: report.skipped.length }, report.recognition, report.oneShot, report.retrieval, {}));
  console.log(JSON.stringify(summary(report.recognition, report.oneShot, report.retrieval, { dataset: 'pipa', split })));
}

async function main(): Promise<void> {
  const { command, flags } = parseArgs(process.argv.slice(2));
  if (command === 'cfp') await runCfp(flags);
  else if (command === 'pipa') await runPipaCommand(flags);
  else throw new Error(`usage: main.ts cfp [--dir …] | pipa --annotations … --photos … (got ${JSON.stringify(command)})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `error: ${error.message}` : error);
  process.exit(1);
});
