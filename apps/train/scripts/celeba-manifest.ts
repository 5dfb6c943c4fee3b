/**
 * Builds the CelebA training manifest with LFW's people taken out by their faces: CelebA has
 * no names, so the name check that cfp-manifest does cannot apply; instead every image is
 * described by the teacher (dlib's ResNet on its chip, `@deepface-ts/describer`) and compared
 * with every LFW image.
 *
 *   pnpm --filter @deepface-ts/train-app celeba-manifest --source <dir> [--source <dir> …]
 *        [--identities <identity_CelebA.txt>] [--out ~/.cache/deepface-ts/celeba.csv] [--data <datasets dir>] [--cache <dir>]
 *        [--only lfw|celeba|merged] [--teacher-cache <dir>]
 *
 * The rule: an image "meets" an LFW person when its best score over LFW's 13,233 images
 * reaches the describer's open-set threshold for a gallery that size (LFW View 1: 1 % of
 * strangers pass); a CelebA identity is dropped when at least half of its images (and at least
 * one) meet the same LFW person. Sources are merged by CelebA file number (public copies hold
 * different subsets); a source without its own identity file uses --identities. Descriptors
 * are cached (resumable: saved every 1,000 images). The last stdout line is JSON.
 *
 * `--only lfw` / `--only celeba` fills one descriptor cache and stops: run both at once to use
 * two cores (each cache has one writer), then once without `--only` to compare and write.
 * `--only merged` writes the merged, unchecked manifest (the teacher cache's input) and stops;
 * `--teacher-cache <dir>` then takes each CelebA image's descriptor from that cache's view 0
 * (the same teacher on the same chip) instead of describing CelebA a second time.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { choiceOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { datasetsRoot, decodeImage, findLfwImageRoot, loadCeleba, mergeCelebaSources, writeCelebaSfcManifest, type CelebaDataset } from '@deepface-ts/datasets';
import { createDescriber, DescriptorCache, type Describer } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import { createProgress } from '@deepface-ts/progress';
import { entryTarget, loadTeacherCache } from '../src/teacher-cache';

const USAGE = `usage: pnpm --filter @deepface-ts/train-app celeba-manifest --source <dir> [--source <dir> …] [--identities <identity_CelebA.txt>]
       [--out <manifest.csv>] [--data <datasets dir>] [--cache <dir>] [--only lfw|celeba|merged]
       [--teacher-cache <dir>]`;

/** Describes every path not yet cached (largest face; a photo with none is left out), saving as it goes. */
async function describeAll(describer: Describer, paths: readonly string[], cache: DescriptorCache, label: string): Promise<{ missing: number; failed: number }> {
  const todo = paths.filter((p) => !cache.get(p));
  let failed = 0;
  const bar = createProgress({ label, total: todo.length, unit: 'img' });
  for (const path of todo) {
    try {
      const image = await decodeImage(path);
      const face = chooseFace(await describer.describeImage(image, path), 'largest', image.width, image.height);
      cache.set(path, face ? face.feature : new Float32Array(describer.dim)); // zeros: no face (never matches)
      if (!face) failed++;
    } catch {
      failed++;
      cache.set(path, new Float32Array(describer.dim));
    }
    if (cache.unsaved >= 1000) await cache.save();
    bar.tick(1, failed ? `${failed} without a face` : undefined);
  }
  bar.done();
  await cache.save();
  return { missing: todo.length, failed };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    options: {
      source: { type: 'string', multiple: true },
      identities: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
      cache: { type: 'string' },
      only: { type: 'string' },
      'teacher-cache': { type: 'string' },
    },
  });
  const only = values.only === undefined ? undefined : choiceOption(values.only, 'only', ['lfw', 'celeba', 'merged'], 'lfw');
  const cwd = userCwd();
  if (!values.source?.length) throw new UsageError('give at least one --source <CelebA folder>', { usage: USAGE });
  const data = values.data ? resolve(cwd, values.data) : datasetsRoot();
  const out = resolve(cwd, values.out ?? join(homedir(), '.cache', 'deepface-ts', 'celeba.csv'));
  const cacheDir = resolve(cwd, values.cache ?? join(homedir(), '.cache', 'deepface-ts', 'descriptors'));
  mkdirSync(cacheDir, { recursive: true });
  const fallbackIdentities = values.identities ? resolve(cwd, values.identities) : undefined;

  const sources: CelebaDataset[] = values.source.map((s) => {
    const dir = resolve(cwd, s);
    const own = ['identity_CelebA.txt', 'Anno/identity_CelebA.txt'].some((f) => existsSync(join(dir, f)));
    if (!own && !fallbackIdentities) throw new UsageError(`${dir}: no identity_CelebA.txt here; pass --identities <file>`, { usage: USAGE });
    const ds = loadCeleba(dir, { ...(own ? {} : { identityFile: fallbackIdentities }), badLines: 'skip' });
    console.error(`${dir}: ${ds.images.length} images (${ds.counts.unlisted} unlisted, ${ds.counts.malformed} malformed lines skipped)`);
    return ds;
  });
  const merged = mergeCelebaSources(sources);
  const images = merged.images;
  console.error(`merged: ${images.length} images of ${new Set(images.map((i) => i.identity)).size} identities`);
  if (only === 'merged') {
    mkdirSync(dirname(out), { recursive: true });
    const rows = writeCelebaSfcManifest(out, images);
    console.log(JSON.stringify({ only, manifest: out, images: rows, identities: new Set(images.map((i) => i.identity)).size, checked: false }));
    return;
  }

  // The teacher: dlib's ResNet on its chip (unmirrored: half the cost, and the check needs no more).
  const describer = await createDescriber({ descriptor: 'dlib', mirror: false });
  const lfwRoot = findLfwImageRoot(join(data, 'lfw'));
  const lfw: { person: string; path: string }[] = [];
  for (const person of readdirSync(lfwRoot).sort()) {
    const dir = join(lfwRoot, person);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (/\.jpe?g$/i.test(f)) lfw.push({ person, path: join(dir, f) });
  }
  const lfwCache = await DescriptorCache.open(cacheDir, `lfw-all-${describer.id}`, describer.dim);
  const celebaCache = await DescriptorCache.open(cacheDir, `celeba-${describer.id}`, describer.dim);
  if (values['teacher-cache']) {
    // View 0 of the teacher cache is this describer's descriptor of the unaugmented chip.
    const teacherCache = await loadTeacherCache(resolve(cwd, values['teacher-cache']));
    let filled = 0;
    for (const [path, entries] of teacherCache.byPath) {
      const first = entries.find((e) => teacherCache.entries[e]!.view === 0);
      if (first !== undefined && !celebaCache.get(path)) {
        celebaCache.set(path, Float32Array.from(entryTarget(teacherCache, first)));
        filled++;
      }
    }
    // Images the teacher cache found no face in: zeros, as describeAll records them.
    for (const f of teacherCache.failures) if (!celebaCache.get(f.path)) celebaCache.set(f.path, new Float32Array(describer.dim));
    await celebaCache.save();
    console.error(`${values['teacher-cache']}: ${filled} CelebA descriptors taken from view 0, ${teacherCache.failures.length} images without a face`);
  }
  const none = { missing: 0, failed: 0 };
  const lfwRun = only === 'celeba' ? none : await describeAll(describer, lfw.map((l) => l.path), lfwCache, 'LFW images');
  const celebaRun = only === 'lfw' ? none : await describeAll(describer, images.map((i) => i.path), celebaCache, 'CelebA images');
  if (only) {
    describer.dispose();
    const cache = only === 'lfw' ? lfwCache : celebaCache;
    console.log(JSON.stringify({ only, cache: cache.file, described: (only === 'lfw' ? lfwRun : celebaRun).missing, without_face: (only === 'lfw' ? lfwRun : celebaRun).failed }));
    return;
  }
  const threshold = describer.openSetThresholdFor(lfw.length)!;
  describer.dispose();

  // Best LFW person per CelebA image.
  const dim = describer.dim;
  const L = new Float32Array(lfw.length * dim);
  lfw.forEach((l, i) => L.set(lfwCache.get(l.path)!, i * dim));
  const byIdentity = new Map<number, { images: number; meets: Map<string, number> }>();
  const bar = createProgress({ label: 'compare with LFW', total: images.length, unit: 'img' });
  for (const image of images) {
    const f = celebaCache.get(image.path)!;
    let best = -Infinity;
    let who = '';
    for (let j = 0; j < lfw.length; j++) {
      let s = 0;
      const o = j * dim;
      for (let d = 0; d < dim; d++) s += f[d]! * L[o + d]!;
      if (s > best) [best, who] = [s, lfw[j]!.person];
    }
    const entry = byIdentity.get(image.identity) ?? { images: 0, meets: new Map() };
    entry.images++;
    if (best >= threshold) entry.meets.set(who, (entry.meets.get(who) ?? 0) + 1);
    byIdentity.set(image.identity, entry);
    bar.tick();
  }
  bar.done();
  const dropped: { identity: number; lfw: string; images: number; meeting: number }[] = [];
  for (const [identity, e] of byIdentity) {
    for (const [person, n] of e.meets) if (n >= Math.max(1, e.images / 2)) dropped.push({ identity, lfw: person, images: e.images, meeting: n });
  }
  const drop = new Set(dropped.map((d) => d.identity));
  const kept = images.filter((i) => !drop.has(i.identity));
  mkdirSync(dirname(out), { recursive: true });
  const rows = writeCelebaSfcManifest(out, kept);
  for (const d of dropped.sort((a, b) => a.lfw.localeCompare(b.lfw))) console.error(`dropped celeba-${d.identity}: ${d.meeting} of ${d.images} images meet LFW's ${d.lfw}`);
  console.log(`${out}: ${rows} images of ${new Set(kept.map((i) => i.identity)).size} identities; dropped ${drop.size} identities as LFW people (threshold ${threshold.toFixed(4)} for ${lfw.length} LFW images)`);
  console.log(
    JSON.stringify({
      manifest: out,
      images: rows,
      identities: new Set(kept.map((i) => i.identity)).size,
      dropped_identities: drop.size,
      dropped: dropped.map((d) => ({ identity: d.identity, lfw: d.lfw, meeting: d.meeting, images: d.images })),
      threshold: +threshold.toFixed(6),
      lfw_images: lfw.length,
      celeba_without_face: images.filter((i) => celebaCache.get(i.path)!.every((v) => v === 0)).length,
      lfw_without_face: lfwRun.failed,
    }),
  );
}

void runMain(main, USAGE);
