/**
 * Writes the SFC-format manifest the default model is trained on: the CFP identities whose
 * names are not LFW people, all 10 frontal + 4 profile images of each, so the model never
 * sees an LFW identity.
 *
 * CFP's list_name.txt is compared with LFW's lfw-names.txt by `createLfwNameMatcher`
 * (@deepface-ts/datasets): exact names, then names folded for case, accents and punctuation
 * ("Lebron James" = LeBron_James), then a reviewed alias list ("Robert Do Niro" =
 * Robert_De_Niro), then a loose first-last rule ("Diego Maradona" / Diego_Armando_Maradona).
 * The exact comparison alone (spaces read as underscores) drops 172 of CFP's 500; the
 * identities the other steps add are listed with their rule, so that a loose match can be
 * reviewed, and with the LFW View 2 pairs they appear in.
 *
 * CFP has no capture times: each image gets a seeded pseudo-random timestamp, so the SFC time
 * split ("most recent 5 % of each identity") draws a random held-out image per identity, of
 * either pose.
 *
 *   pnpm --filter @deepface-ts/train-app cfp-manifest [--data <datasets dir>] [--out <file.csv>]
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, runMain, userCwd } from '@deepface-ts/cli';
import { createLfwNameMatcher, datasetsRoot, loadCfp, mixSeed, mulberry32, parseLfwPairs, writeSfcManifest, type LfwNameMatch, type SfcRow } from '@deepface-ts/datasets';

const USAGE = `usage: pnpm --filter @deepface-ts/train-app cfp-manifest [--data <datasets dir>] [--out <file.csv>]
  --data  the folder holding cfp/ and lfw/ (default: $DEEPFACE_DATASETS, else ../shared/datasets beside the repository)
  --out   the manifest to write (default: ~/.cache/deepface-ts/cfp-non-lfw.csv)`;

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    options: { data: { type: 'string' }, out: { type: 'string' } },
  });
  // pnpm runs the script in apps/train: read the user's relative paths from where they ran it.
  const data = values.data !== undefined ? resolve(userCwd(), values.data) : datasetsRoot(dirname(fileURLToPath(import.meta.url)));
  const out = values.out !== undefined ? resolve(userCwd(), values.out) : join(homedir(), '.cache', 'deepface-ts', 'cfp-non-lfw.csv');

  const cfp = loadCfp(join(data, 'cfp'));
  const lfwNames = readFileSync(join(data, 'lfw', 'lfw-names.txt'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t')[0]!.trim())
    .filter(Boolean);
  const matcher = createLfwNameMatcher(lfwNames);
  const exactNames = new Set(lfwNames);
  /** CFP identity (1-based) → its LFW match, once per identity. */
  const matches = new Map<number, LfwNameMatch | undefined>();
  const lfwMatch = (id: number): LfwNameMatch | undefined => {
    if (!matches.has(id)) matches.set(id, matcher.reason(cfp.names[id - 1] ?? ''));
    return matches.get(id);
  };

  const rows: SfcRow[] = [];
  const dropped = new Set<number>();
  for (const image of [...cfp.frontal, ...cfp.profile]) {
    if (lfwMatch(image.identity)) {
      dropped.add(image.identity);
      continue;
    }
    const rng = mulberry32(mixSeed(2014, image.identity * 1000 + (image.pose === 'frontal' ? 0 : 500) + image.number));
    rows.push({ identity: cfp.names[image.identity - 1] ?? `cfp-${image.identity}`, image: image.path, timestamp: Math.floor(1_400_000_000 + rng.next() * 1e8) });
  }
  mkdirSync(dirname(out), { recursive: true });
  writeSfcManifest(out, rows);

  // What the old exact comparison (spaces read as underscores) let through.
  const exactDropped = [...dropped].filter((id) => exactNames.has((cfp.names[id - 1] ?? '').trim().replace(/ +/g, '_')));
  const newlyCaught = [...dropped].filter((id) => !exactDropped.includes(id)).sort((a, b) => a - b);
  const caughtLfw = new Map<string, number>(); // LFW name → CFP identity
  for (const id of newlyCaught) for (const name of lfwMatch(id)!.lfwNames) caughtLfw.set(name, id);
  const pairsFile = join(data, 'lfw', 'pairs.txt');
  let view2Pairs: number | undefined;
  const pairsPerIdentity = new Map<number, number>();
  if (existsSync(pairsFile)) {
    view2Pairs = 0;
    for (const fold of parseLfwPairs(readFileSync(pairsFile, 'utf8'), pairsFile).folds) {
      for (const p of fold) {
        const ids = new Set([caughtLfw.get(p.name1), caughtLfw.get(p.name2)].filter((id) => id !== undefined));
        if (ids.size > 0) view2Pairs++;
        for (const id of ids) pairsPerIdentity.set(id, (pairsPerIdentity.get(id) ?? 0) + 1);
      }
    }
  }

  const kept = new Set(rows.map((r) => r.identity)).size;
  console.error(`dropped ${dropped.size} CFP identities that are LFW people (${exactDropped.length} by exact name, ${newlyCaught.length} more by the name matcher); kept ${kept} identities, ${rows.length} images`);
  if (newlyCaught.length > 0) {
    console.error(`newly caught${view2Pairs === undefined ? '' : ` (in ${view2Pairs} LFW View 2 pairs)`}:`);
    for (const id of newlyCaught) {
      const m = lfwMatch(id)!;
      const inPairs = view2Pairs === undefined ? '' : `, ${pairsPerIdentity.get(id) ?? 0} View 2 pairs`;
      console.error(`  CFP ${String(id).padStart(3, '0')} ${JSON.stringify(m.name)} → ${m.lfwNames.join(', ')} [${m.rule}${inPairs}]${m.rule === 'first-last' ? ' (loose rule: review)' : ''}`);
    }
  }
  console.log(
    JSON.stringify({
      manifest: out,
      identities: kept,
      images: rows.length,
      dropped_lfw_identities: dropped.size,
      dropped_by_exact_name: exactDropped.length,
      newly_caught: newlyCaught.map((id) => ({ cfp: id, name: lfwMatch(id)!.name, lfw: lfwMatch(id)!.lfwNames, rule: lfwMatch(id)!.rule })),
      ...(view2Pairs === undefined ? {} : { view2_pairs_of_newly_caught: view2Pairs }),
    }),
  );
}

void runMain(main, USAGE);
