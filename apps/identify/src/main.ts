/**
 * identify — enrol a folder of photos, then answer probes.
 *
 *   pnpm identify enrol <folder> --gallery <dir> [--descriptor dlib|deepface] [--model <file>]
 *   pnpm identify probe <photo|folder> --gallery <dir> [--k 5] [--threshold <t>] [--descriptor …]
 *
 * <folder> holds one sub-folder per person. A probe folder may be flat or per person; per
 * person, the summary carries rank-1 and rank-5 (a probe with no face counts as a miss). The
 * open-set threshold is the describer's, calibrated on LFW View 1 at 1 % false accepts. Each
 * command ends with one JSON line.
 */
import { resolve } from 'node:path';
import { choiceOption, numberOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { createDescriber, DEFAULT_DESCRIPTOR, DESCRIPTOR_NAMES } from '@deepface-ts/describer';
import { enrolFolder, identifyPhoto, listProbes, openGallery, requireFolder } from './identify';

const USAGE = `usage: pnpm identify enrol <folder> --gallery <dir> [--descriptor ${DESCRIPTOR_NAMES.join('|')}] [--model <file.safetensors>]
       pnpm identify probe <photo|folder> --gallery <dir> [--k 5] [--threshold <t>] [--descriptor …] [--model …]
<folder>: one sub-folder of photos per person. Default descriptor: ${DEFAULT_DESCRIPTOR}; default threshold: the describer's open-set threshold (LFW View 1, 1 % false accepts).`;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    allowPositionals: true,
    options: {
      gallery: { type: 'string' },
      k: { type: 'string' },
      threshold: { type: 'string' },
      descriptor: { type: 'string' },
      model: { type: 'string' },
      backend: { type: 'string' },
    },
  });
  const [command, target, ...extra] = positionals;
  if (command !== 'enrol' && command !== 'probe') throw new UsageError(command ? `unknown command "${command}"; expected enrol or probe` : 'missing the command (enrol or probe)', { usage: USAGE });
  if (!target) throw new UsageError(`${command}: missing the ${command === 'enrol' ? 'folder to enrol' : 'probe photo or folder'}`, { usage: USAGE });
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, { usage: USAGE });
  if (!values.gallery) throw new UsageError('missing --gallery <dir>', { usage: USAGE });
  if (command === 'enrol' && (values.k !== undefined || values.threshold !== undefined)) throw new UsageError('--k and --threshold are probe options', { usage: USAGE });
  const dir = userCwd();
  const gallery = resolve(dir, values.gallery);
  const path = resolve(dir, target);
  const k = numberOption(values.k, 'k', { integer: true, min: 1, default: 5 });
  const given = numberOption(values.threshold, 'threshold', { min: -1, max: 1 });
  const descriptor = choiceOption(values.descriptor, 'descriptor', DESCRIPTOR_NAMES, DEFAULT_DESCRIPTOR);
  const backend = choiceOption(values.backend, 'backend', ['wasm', 'cpu'] as const, 'wasm');
  // Fail on a missing input before loading any network.
  if (command === 'enrol') requireFolder(path, 'photo folder');
  else {
    listProbes(path);
    requireFolder(gallery, 'gallery');
  }
  const describer = await createDescriber({ descriptor, model: values.model ? resolve(dir, values.model) : undefined, backend });
  try {
    if (command === 'enrol') {
      const r = await enrolFolder(gallery, path, describer);
      for (const f of r.failures) console.error(`skipped ${f.path}: ${f.reason}`);
      console.log(`enrolled ${r.enrolled} photos of ${r.identities} people into ${gallery} (${r.failures.length} skipped; ${describer.id})`);
      console.log(JSON.stringify({ enrolled: r.enrolled, identities: r.identities, skipped: r.failures.length }));
      if (r.enrolled === 0) process.exitCode = 1;
      return;
    }
    const probes = listProbes(path);
    const g = await openGallery(gallery, describer, 0);
    // The calibrated threshold for this gallery's size (bigger galleries need higher ones).
    const galleryImages = g.size;
    const threshold = given ?? describer.openSetThresholdFor(galleryImages);
    if (threshold === undefined) {
      await g.close();
      throw new Error(`${describer.id}: no calibrated open-set threshold; pass --threshold`);
    }
    let matched = 0;
    let rejected = 0;
    let failed = 0;
    let rank1 = 0;
    let rank5 = 0;
    const labelled = probes.some((p) => p.identity !== undefined);
    try {
      for (const p of probes) {
        try {
          const r = await identifyPhoto(g, p.path, describer, Math.max(k, labelled ? 5 : 1), threshold);
          const ranks = r.matches.slice(0, k).map((m, i) => `${i + 1}. ${m.identity} ${m.score.toFixed(3)}`).join('  ');
          console.log(`${p.path}\n  ${r.rejected ? `REJECTED: best ${r.matches[0]?.score.toFixed(3) ?? '—'} < threshold ${threshold.toFixed(3)}` : `match: ${r.matches[0]!.identity}`}\n  ${ranks}`);
          if (r.rejected) rejected++;
          else matched++;
          if (p.identity !== undefined) {
            const at = r.matches.findIndex((m) => m.identity === p.identity);
            if (at === 0) rank1++;
            if (at >= 0 && at < 5) rank5++;
          }
        } catch (e) {
          failed++; // a probe with no face is a miss at every rank
          console.error(`${p.path}: ${(e as Error).message}`);
        }
      }
    } finally {
      await g.close();
    }
    const summary: Record<string, number | string> = { probes: probes.length, matched, rejected, failed, threshold: +threshold.toFixed(6), gallery_images: galleryImages, descriptor: describer.id };
    if (labelled) {
      summary.rank1 = +(rank1 / probes.length).toFixed(4);
      summary.rank5 = +(rank5 / probes.length).toFixed(4);
    }
    console.log(JSON.stringify(summary));
  } finally {
    describer.dispose();
  }
}

void runMain(main, USAGE);
