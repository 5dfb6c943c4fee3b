/**
 * Enrol a folder of photos into a gallery and answer probes. A folder holds one sub-folder
 * per person (`<folder>/<identity>/*.jpg|png|webp`). Faceless or unreadable photos are
 * reported and skipped; the run goes on.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gallery, type Identification } from '@deepface-ts/bootstrap';
import { createProgress } from '@deepface-ts/progress';
import { centre, type Describer } from './describe';

const IMAGE = /\.(jpe?g|png|webp)$/i;
const MEAN_FILE = 'descriptor-mean.json';

export interface EnrolReport {
  enrolled: number;
  identities: number;
  failures: { path: string; reason: string }[];
}

/** Photos of a folder: [identity, path][] from `<folder>/<identity>/<photo>`. */
export function listPhotos(folder: string): [string, string][] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${folder}: not a folder`);
  const out: [string, string][] = [];
  for (const identity of readdirSync(folder).sort()) {
    const dir = join(folder, identity);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (IMAGE.test(f)) out.push([identity, join(dir, f)]);
  }
  if (out.length === 0) throw new Error(`${folder}: no photos found (expected <folder>/<identity>/*.jpg)`);
  return out;
}

/**
 * Enrols every photo of `folder` into the gallery at `galleryDir`. The descriptor mean is
 * computed from the first enrolment and frozen (saved beside the gallery), so later
 * enrolments and probes are centred alike.
 */
export async function enrolFolder(galleryDir: string, folder: string, describer: Describer): Promise<EnrolReport> {
  const photos = listPhotos(folder);
  const failures: EnrolReport['failures'] = [];
  const raws: { identity: string; raw: Float32Array }[] = [];
  const bar = createProgress({ label: 'enrol', total: photos.length, unit: 'photo' });
  for (const [identity, path] of photos) {
    try {
      raws.push({ identity, raw: await describer.describe(path) });
    } catch (e) {
      failures.push({ path, reason: (e as Error).message });
    }
    bar.tick(1, failures.length ? `${failures.length} skipped` : undefined);
  }
  bar.done();
  if (raws.length === 0) return { enrolled: 0, identities: 0, failures };
  const dim = raws[0].raw.length;
  let mean = readMean(galleryDir);
  if (!mean) {
    mean = new Float32Array(dim);
    for (const { raw } of raws) for (let j = 0; j < dim; j++) mean[j] += raw[j] / raws.length;
  }
  const gallery = Gallery.open(galleryDir, dim);
  if (!readMean(galleryDir)) writeAtomic(join(galleryDir, MEAN_FILE), JSON.stringify(Array.from(mean)));
  const features = new Float32Array(raws.length * dim);
  raws.forEach(({ raw }, i) => features.set(centre(raw, mean!), i * dim));
  gallery.enrolMany(
    raws.map((r) => r.identity),
    features,
  );
  await gallery.close();
  return { enrolled: raws.length, identities: new Set(raws.map((r) => r.identity)).size, failures };
}

/** Identifies one probe photo against the gallery. */
export async function identifyPhoto(galleryDir: string, path: string, describer: Describer, k: number, threshold: number): Promise<Identification> {
  const mean = readMean(galleryDir);
  if (!mean) throw new Error(`${galleryDir}: no gallery here (enrol a folder first)`);
  const gallery = Gallery.open(galleryDir, mean.length, { threshold });
  try {
    return gallery.identify(centre(await describer.describe(path), mean), k);
  } finally {
    await gallery.close();
  }
}

function readMean(galleryDir: string): Float32Array | undefined {
  const f = join(galleryDir, MEAN_FILE);
  return existsSync(f) ? Float32Array.from(JSON.parse(readFileSync(f, 'utf8')) as number[]) : undefined;
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}
