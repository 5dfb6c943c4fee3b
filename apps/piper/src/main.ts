/**
 * PIPER protocols from the command line.
 *   tsx src/main.ts cfp  [--dir ../shared/datasets/cfp] [--seed 1] [--pca 128] [--temperatures 1,0.3,0.1] [--svm-c 1] [--repeats 3] [--limit-identities N]
 *   tsx src/main.ts pipa --annotations <dir with all_data.txt> --photos <PIPA photo dir> [--split original]
 * (from the root: `pnpm piper cfp …`). Every option is checked first: an unknown one or a bad number is a usage error (exit 2).
 * Prints PIPER's Table 2 and Table 4 layouts, one-shot and retrieval; the last line is one JSON object.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { choiceOption, HelpRequested, numberListOption, numberOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { DESCRIPTOR_NAMES } from '@deepface-ts/describer';
import { runPipa } from '@deepface-ts/piper/pipa';
import { createProgress } from '@deepface-ts/progress';
import { evaluateCfp, summary } from './evaluate';
import { formatReport } from './tables';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const USAGE = `usage: pnpm piper cfp  [--dir <cfp folder>] [--seed 1] [--pca 128] [--temperatures 1,0.3,0.1] [--svm-c 1] [--repeats 3] [--limit-identities <n>] [--face deepface|dlib]
       pnpm piper pipa --annotations <folder with all_data.txt> --photos <PIPA photo folder> [--split original|album|time|day] [--seed 1]
(also pnpm --filter @deepface-ts/piper-app eval … for cfp, … pipa … for pipa)`;

const COMMANDS = ['cfp', 'pipa'] as const;
const SPLITS = ['original', 'album', 'time', 'day'] as const;
const seedOption = (value: string | undefined) => numberOption(value, 'seed', { integer: true, min: 0, default: 1 });
// `pnpm piper …` runs in apps/piper: read the user's relative paths from where they ran it.
const userPath = (p: string) => resolve(userCwd(), p);

async function runCfp(argv: string[]): Promise<void> {
  const { values } = parseCommandLine(argv, {
    usage: USAGE,
    options: {
      dir: { type: 'string' },
      seed: { type: 'string' },
      pca: { type: 'string' },
      temperatures: { type: 'string' },
      'svm-c': { type: 'string' },
      repeats: { type: 'string' },
      'limit-identities': { type: 'string' },
      face: { type: 'string' },
    },
  });
  const { text, summary } = await evaluateCfp({
    face: choiceOption(values.face, 'face', DESCRIPTOR_NAMES, 'deepface'),
    dir: values.dir !== undefined ? userPath(values.dir) : join(process.env.DEEPFACE_DATASETS ?? join(repoRoot, '..', 'shared', 'datasets'), 'cfp'),
    repoRoot,
    seed: seedOption(values.seed),
    pcaDims: numberOption(values.pca, 'pca', { integer: true, min: 1, default: 128 }),
    temperatures: numberListOption(values.temperatures, 'temperatures', { greaterThan: 0 }),
    svmC: numberOption(values['svm-c'], 'svm-c', { greaterThan: 0, default: 1 }),
    repeats: numberOption(values.repeats, 'repeats', { integer: true, min: 1, default: 3 }),
    limitIdentities: numberOption(values['limit-identities'], 'limit-identities', { integer: true, min: 1 }),
  });
  console.log(text);
  console.log(JSON.stringify(summary));
}

async function runPipaCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandLine(argv, {
    usage: USAGE,
    options: {
      annotations: { type: 'string' },
      photos: { type: 'string' },
      split: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (!values.annotations || !values.photos) {
    throw new UsageError('pipa needs --annotations <folder with all_data.txt and split files> and --photos <folder with the PIPA photos>', { usage: USAGE });
  }
  const annotations = userPath(values.annotations);
  const photos = userPath(values.photos);
  const split = choiceOption(values.split, 'split', SPLITS, 'original');
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  const report = await runPipa({
    annotations,
    photos,
    split,
    seed: seedOption(values.seed),
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
  // One leading "--" (pnpm passes it on) before the command, and one after it, are dropped.
  const argv = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') throw new HelpRequested(USAGE);
  if (command === undefined) throw new UsageError(`missing the command: ${COMMANDS.join(' or ')}`);
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected ${COMMANDS.join(' or ')}`);
  if (command === 'cfp') await runCfp(rest);
  else await runPipaCommand(rest);
}

void runMain(main, USAGE);
