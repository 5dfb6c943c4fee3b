/**
 * Enrol a folder of photos into a gallery and answer probes, with faces described by
 * @deepface-ts/describer (the code path verify and the benchmark use). A folder holds one
 * sub-folder per person (`<folder>/<identity>/*.jpg|png|webp`). Faceless or unreadable photos
 * are reported and skipped; the run goes on.
 *
 * The gallery remembers which describer made it (`describer.json` beside the store): its
 * descriptors are only comparable with that describer's, so enrolling into or probing it with
 * another is refused.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Gallery, type Identification } from '@deepface-ts/bootstrap';
import { decodeImage } from '@deepface-ts/datasets';
import type { Describer } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import { writeFileAtomic } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';

const IMAGE = /\.(jpe?g|png|webp)$/i;
export const DESCRIBER_FILE = 'describer.json';

export class IdentifyError extends Error {
  override readonly name = 'IdentifyError';
}

export interface EnrolReport {
  enrolled: number;
  identities: number;
  failures: { path: string; reason: string }[];
}

/** A folder that must exist and be a folder; the error names it. */
export function requireFolder(path: string, what: string): void {
  if (!existsSync(path)) throw new IdentifyError(`${path}: ${what} not found`);
  if (!statSync(path).isDirectory()) throw new IdentifyError(`${path}: ${what} is a file, not a folder`);
}

/** Photos of a folder: [identity, path][] from `<folder>/<identity>/<photo>`. */
export function listPhotos(folder: string): [string, string][] {
  requireFolder(folder, 'photo folder');
  const out: [string, string][] = [];
  for (const identity of readdirSync(folder).sort()) {
    const dir = join(folder, identity);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (IMAGE.test(f)) out.push([identity, join(dir, f)]);
  }
  if (out.length === 0) throw new IdentifyError(`${folder}: no photos found (expected <folder>/<identity>/*.jpg)`);
  return out;
}

/** The probes of a photo, a flat folder, or a folder with one sub-folder per person (then labelled). */
export function listProbes(target: string): { path: string; identity?: string }[] {
  if (!existsSync(target)) throw new IdentifyError(`${target}: probe not found`);
  if (!statSync(target).isDirectory()) return [{ path: target }];
  const entries = readdirSync(target).sort();
  if (entries.some((f) => statSync(join(target, f)).isDirectory())) return listPhotos(target).map(([identity, path]) => ({ path, identity }));
  const flat = entries.filter((f) => IMAGE.test(f)).map((f) => ({ path: join(target, f) }));
  if (flat.length === 0) throw new IdentifyError(`${target}: no photos found`);
  return flat;
}

/** The photo's subject (its largest face), described; throws naming the file. */
export async function describePhoto(describer: Describer, path: string): Promise<Float32Array> {
  const faces = await describer.describeImage(await decodeImage(path), path);
  const face = chooseFace(faces, 'largest', 0, 0);
  if (!face) throw new IdentifyError(`${path}: no face found`);
  return face.feature;
}

/** Checks that the gallery in `dir` (if any) was made by this describer; records it for a new gallery. */
async function checkDescriber(dir: string, describer: Describer, create: boolean): Promise<void> {
  const file = join(dir, DESCRIBER_FILE);
  if (!existsSync(file)) {
    if (!create) throw new IdentifyError(`${dir}: no gallery here (enrol a folder first)`);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new IdentifyError(`${dir}: not empty and not a gallery (no ${DESCRIBER_FILE}); enrol into a new folder`);
    await writeFileAtomic(file, `${JSON.stringify({ id: describer.id, descriptor: describer.descriptor, dim: describer.dim })}\n`);
    return;
  }
  let made: { id?: unknown; dim?: unknown };
  try {
    made = JSON.parse(readFileSync(file, 'utf8')) as typeof made;
  } catch (e) {
    throw new IdentifyError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof made?.id !== 'string') throw new IdentifyError(`${file}: no describer id recorded`);
  if (made.id !== describer.id) {
    throw new IdentifyError(`${dir}: this gallery was made with the describer '${made.id}', not '${describer.id}'; its descriptors cannot be compared (use --descriptor ${made.id.startsWith('dlib') ? 'dlib' : 'deepface'} with the same options, or enrol into a new gallery)`);
  }
}

/** Enrols every photo of `folder` into the gallery at `galleryDir` (created if absent). */
export async function enrolFolder(galleryDir: string, folder: string, describer: Describer): Promise<EnrolReport> {
  const photos = listPhotos(folder);
  if (existsSync(galleryDir) && !statSync(galleryDir).isDirectory()) throw new IdentifyError(`${galleryDir}: the gallery path is a file, not a folder`);
  await checkDescriber(galleryDir, describer, true);
  const failures: EnrolReport['failures'] = [];
  const ok: { identity: string; feature: Float32Array }[] = [];
  const bar = createProgress({ label: 'enrol', total: photos.length, unit: 'photo' });
  for (const [identity, path] of photos) {
    try {
      ok.push({ identity, feature: await describePhoto(describer, path) });
    } catch (e) {
      failures.push({ path, reason: (e as Error).message });
    }
    bar.tick(1, failures.length ? `${failures.length} skipped` : undefined);
  }
  bar.done();
  if (ok.length === 0) return { enrolled: 0, identities: 0, failures };
  const gallery = Gallery.open(galleryDir, describer.dim);
  try {
    const features = new Float32Array(ok.length * describer.dim);
    ok.forEach(({ feature }, i) => features.set(feature, i * describer.dim));
    gallery.enrolMany(
      ok.map((r) => r.identity),
      features,
    );
  } finally {
    await gallery.close();
  }
  return { enrolled: ok.length, identities: new Set(ok.map((r) => r.identity)).size, failures };
}

/** Opens the gallery for probing, checking it was made by `describer`. */
export async function openGallery(galleryDir: string, describer: Describer, threshold: number): Promise<Gallery> {
  requireFolder(galleryDir, 'gallery');
  await checkDescriber(galleryDir, describer, false);
  return Gallery.open(galleryDir, describer.dim, { threshold });
}

/** Identifies one probe photo against an open gallery. */
export async function identifyPhoto(gallery: Gallery, path: string, describer: Describer, k: number, threshold: number): Promise<Identification> {
  return gallery.identify(await describePhoto(describer, path), k, threshold);
}
