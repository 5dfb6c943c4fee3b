/**
 * Writes the SFC-format manifest the default model is trained on: the CFP identities whose
 * names are not LFW people (CFP's list_name.txt against LFW's lfw-names.txt, spaces read as
 * underscores: 172 of CFP's 500 are LFW people and are dropped), all 10 frontal + 4 profile
 * images of each, so the model never sees an LFW identity.
 *
 * CFP has no capture times: each image gets a seeded pseudo-random timestamp, so the SFC time
 * split ("most recent 5 % of each identity") draws a random held-out image per identity, of
 * either pose.
 *
 *   pnpm --filter @deepface-ts/train-app cfp-manifest [--data <datasets dir>] [--out <file.csv>]
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { datasetsRoot, loadCfp, mixSeed, mulberry32, writeSfcManifest, type SfcRow } from '@deepface-ts/datasets';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const data = flag('--data', datasetsRoot());
const out = flag('--out', join(homedir(), '.cache', 'deepface-ts', 'cfp-non-lfw.csv'));

const cfp = loadCfp(join(data, 'cfp'));
const lfwNames = new Set(
  readFileSync(join(data, 'lfw', 'lfw-names.txt'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t')[0]!.trim())
    .filter(Boolean),
);
const inLfw = (id: number) => lfwNames.has((cfp.names[id - 1] ?? '').trim().replace(/ +/g, '_'));
const rows: SfcRow[] = [];
const dropped = new Set<number>();
for (const image of [...cfp.frontal, ...cfp.profile]) {
  if (inLfw(image.identity)) {
    dropped.add(image.identity);
    continue;
  }
  const rng = mulberry32(mixSeed(2014, image.identity * 1000 + (image.pose === 'frontal' ? 0 : 500) + image.number));
  rows.push({ identity: cfp.names[image.identity - 1] ?? `cfp-${image.identity}`, image: image.path, timestamp: Math.floor(1_400_000_000 + rng.next() * 1e8) });
}
const { mkdirSync } = await import('node:fs');
mkdirSync(join(out, '..'), { recursive: true });
writeSfcManifest(out, rows);
const kept = new Set(rows.map((r) => r.identity)).size;
console.error(`dropped ${dropped.size} CFP identities that are LFW people; kept ${kept} identities, ${rows.length} images`);
console.log(JSON.stringify({ manifest: out, identities: kept, images: rows.length, dropped_lfw_identities: dropped.size }));
