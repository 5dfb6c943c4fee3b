/**
 * identify — enrol a folder of photos, then answer probes.
 *
 *   pnpm --filter @deepface-ts/identify-app start enrol <folder> --gallery <dir>
 *   pnpm --filter @deepface-ts/identify-app start probe <photo|folder> --gallery <dir> [--k 5] [--threshold 0.15]
 *
 * <folder> holds one sub-folder per person. A probe folder may be flat or per person.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDescriber } from './describe';
import { enrolFolder, identifyPhoto, listPhotos } from './identify';

const [command, target, ...rest] = process.argv.slice(2);
const flag = (name: string, dflt?: string) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : dflt;
};
const gallery = flag('gallery');
if (!command || !target || !gallery || !['enrol', 'probe'].includes(command)) {
  console.error('usage: identify enrol <folder> --gallery <dir>\n       identify probe <photo|folder> --gallery <dir> [--k 5] [--threshold 0.15]');
  process.exit(2);
}
const describer = await createDescriber();
try {
  if (command === 'enrol') {
    const r = await enrolFolder(gallery, target, describer);
    for (const f of r.failures) console.error(`skipped ${f.path}: ${f.reason}`);
    console.log(`enrolled ${r.enrolled} photos of ${r.identities} people into ${gallery} (${r.failures.length} skipped)`);
  } else {
    const k = Number(flag('k', '5'));
    const threshold = Number(flag('threshold', '0.15'));
    const probes = statSync(target).isDirectory()
      ? readdirSync(target).some((f) => statSync(join(target, f)).isDirectory())
        ? listPhotos(target).map(([, p]) => p)
        : readdirSync(target).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).map((f) => join(target, f))
      : [target];
    for (const p of probes) {
      try {
        const r = await identifyPhoto(gallery, p, describer, k, threshold);
        const ranks = r.matches.map((m, i) => `${i + 1}. ${m.identity} ${m.score.toFixed(3)}`).join('  ');
        console.log(`${p}\n  ${r.rejected ? `REJECTED: best ${r.matches[0]?.score.toFixed(3) ?? '—'} < threshold ${threshold}` : `match: ${r.matches[0].identity}`}\n  ${ranks}`);
      } catch (e) {
        console.error(`${p}: ${(e as Error).message}`);
      }
    }
  }
} finally {
  describer.dispose();
}
