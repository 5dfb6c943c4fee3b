/**
 * Builds the distillation teacher cache of a manifest (see teacher-cache.ts):
 *
 *   pnpm --filter @deepface-ts/train-app teacher-cache --manifest <sfc.csv> [--views 3] [--size 76]
 *        [--dir <folder>] [--shard i/n] [--chunk 500] [--backend wasm|cpu]
 *
 * The teacher is dlib's ResNet on its face chip (`@deepface-ts/describer`, unmirrored); the
 * student's crop is our 3D frontalization at `--size` (the network's input side). Run one
 * process per core with `--shard 1/2` and `--shard 2/2`; a rerun resumes. The last stdout
 * line is JSON.
 */
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { choiceOption, numberOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { decodeImage, readSfcManifest } from '@deepface-ts/datasets';
import { createDescriber } from '@deepface-ts/describer';
import { createFaceDetector } from '@deepface-ts/detect';
import { chooseFace, createFrontalizer } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { buildTeacherCache } from './teacher-cache';

const USAGE = `usage: pnpm --filter @deepface-ts/train-app teacher-cache --manifest <sfc.csv> [--views 3] [--size 76]
       [--dir <folder>] [--shard i/n] [--chunk 500] [--backend wasm|cpu]`;

/** "i/n" (1-based, as a person counts) → [i − 1, n]. */
export function parseShard(text: string | undefined): [number, number] {
  if (text === undefined) return [0, 1];
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(n >= 1 && i >= 1 && i <= n)) throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n (e.g. 1/2), got ${JSON.stringify(text)}`, { usage: USAGE });
  return [i - 1, n];
}

/** The default folder of a manifest's teacher cache. */
export function defaultTeacherCacheDir(manifest: string, views: number, size: number): string {
  return join(homedir(), '.cache', 'deepface-ts', 'teacher', `${basename(manifest).replace(/\.[^.]*$/, '')}-dlib-chip-3d${size}-v${views}`);
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    options: {
      manifest: { type: 'string' },
      views: { type: 'string' },
      size: { type: 'string' },
      dir: { type: 'string' },
      shard: { type: 'string' },
      chunk: { type: 'string' },
      backend: { type: 'string' },
    },
  });
  if (!values.manifest) throw new UsageError('missing --manifest <sfc.csv>', { usage: USAGE });
  const cwd = userCwd();
  const manifestPath = resolve(cwd, values.manifest);
  const views = numberOption(values.views, 'views', { integer: true, min: 1, max: 64, default: 3 });
  const size = numberOption(values.size, 'size', { integer: true, min: 16, max: 512, default: 76 });
  const chunkSize = numberOption(values.chunk, 'chunk', { integer: true, min: 1, default: 500 });
  const shard = parseShard(values.shard);
  const backend = choiceOption(values.backend, 'backend', ['wasm', 'cpu'], 'wasm');
  const dir = values.dir ? resolve(cwd, values.dir) : defaultTeacherCacheDir(manifestPath, views, size);

  const manifest = readSfcManifest(manifestPath, { badRows: 'skip' });
  if (manifest.skipped.count) console.error(`${manifestPath}: skipped ${manifest.skipped.count} malformed rows, e.g. ${manifest.skipped.examples[0]}`);
  const images = Array.from({ length: manifest.rows }, (_, r) => ({ path: manifest.imagePath(r), identity: manifest.identities[manifest.identity[r]!]! }));

  const detector = await createFaceDetector({ backend });
  const teacher = await createDescriber({ descriptor: 'dlib', align: 'chip', mirror: false, detector, backend, requireThreshold: false });
  const frontalizer = createFrontalizer({ size });
  const boxOf = (landmarks: ArrayLike<number>) => {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < landmarks.length; i += 2) {
      x0 = Math.min(x0, landmarks[i]!);
      x1 = Math.max(x1, landmarks[i]!);
      y0 = Math.min(y0, landmarks[i + 1]!);
      y1 = Math.max(y1, landmarks[i + 1]!);
    }
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  };
  const started = performance.now();
  const report = await buildTeacherCache(
    images,
    {
      decode: (path) => decodeImage(path),
      async landmarks(image) {
        return chooseFace(await detector.detect(image), 'largest', image.width, image.height)?.landmarks;
      },
      async teacher(list, path) {
        const chips = await Promise.all(list.map((v) => teacher.crop(v.image, { box: boxOf(v.landmarks), landmarks: v.landmarks }, path)));
        return (await teacher.describeCrops(chips)).features;
      },
      student: (image, landmarks, path) => frontalizer.frontalize(image, landmarks, { dtype: 'uint8', source: path }).image as RgbImage<Uint8Array>,
    },
    { dir, views, size, teacherDim: teacher.dim, chunkSize, shard },
  );
  teacher.dispose();
  detector.dispose();
  for (const f of report.failures.slice(0, 5)) console.error(`  skipped ${f.path}: ${f.reason}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      dir,
      teacher: teacher.id,
      views,
      size,
      shard: `${shard[0] + 1}/${shard[1]}`,
      chunks: report.chunks,
      built: report.built,
      reused: report.reused,
      locked: report.locked,
      images: report.images,
      failed: report.failures.length,
      seconds: +seconds.toFixed(1),
      img_per_s: +(report.images / Math.max(seconds, 1e-9)).toFixed(2),
    }),
  );
}

void runMain(main, USAGE);
