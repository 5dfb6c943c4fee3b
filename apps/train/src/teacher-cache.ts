/**
 * The teacher cache for distillation: for every image of a manifest and K views of it
 * (view 0 the image itself, views ≥ 1 random source-image augmentations, `augment.ts`), the
 * teacher's descriptor of the view's dlib chip and the student's 3D-frontalized crop of the
 * same augmented image. The face is detected once per image; each view moves its landmarks
 * with the augmentation instead of detecting again.
 *
 * Layout: a folder of chunk files `chunk-NNNNN.bin`, chunk c holding the manifest's images
 * c·chunkSize … (c+1)·chunkSize − 1, each a crop cache (`@deepface-ts/network`) whose targets
 * are the teacher's descriptors, with meta { paths, views, failures } per entry. Chunks are
 * written whole (temporary file, then rename), so a killed run resumes at the first missing
 * chunk; processes working on disjoint shards (`shard i of n` takes chunks c ≡ i mod n) can
 * run side by side, each chunk claimed by an exclusive lock file (`@deepface-ts/file-lock`); a
 * second process on the same shard takes the chunks the first has not claimed yet.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireWriteLock, LockHeldError, type WriteLock } from '@deepface-ts/file-lock';
import type { RgbImage } from '@deepface-ts/image';
import { CropCacheBuilder, loadCropCache, saveCropCache, type CropCache } from '@deepface-ts/network';
import { createProgress } from '@deepface-ts/progress';
import { augmentView, viewAugmentation, type AugmentationRanges, DEFAULT_AUGMENTATION_RANGES } from './augment';

export interface TeacherCacheImage {
  path: string;
  identity: string;
}

/** What building the cache needs; `apps/train`'s command line wires detect, dlib and frontalize in. */
export interface TeacherCacheDeps {
  decode(path: string): Promise<RgbImage<Uint8Array>>;
  /** The 68 landmarks (x,y interleaved) of the image's face, or undefined when none is found. */
  landmarks(image: RgbImage<Uint8Array>, path: string): Promise<ArrayLike<number> | undefined>;
  /** The teacher's unit descriptors of these views (its own alignment, e.g. dlib's chip, from the given landmarks). */
  teacher(views: readonly { image: RgbImage<Uint8Array>; landmarks: Float32Array }[], path: string): Promise<Float32Array[]>;
  /** The student's aligned crop (size × size uint8) of one view. */
  student(image: RgbImage<Uint8Array>, landmarks: Float32Array, path: string): RgbImage<Uint8Array>;
}

export interface TeacherCacheOptions {
  dir: string;
  views: number;
  /** The student's crop side. */
  size: number;
  /** The teacher descriptor's length. */
  teacherDim: number;
  /** Images per chunk file (default 500). */
  chunkSize?: number;
  /** This process's share: [index, count] (default [0, 1]). */
  shard?: [number, number];
  ranges?: AugmentationRanges;
  progress?: boolean;
}

export interface TeacherCacheReport {
  chunks: number;
  built: number;
  reused: number;
  /** Chunks another live process holds (skipped here). */
  locked: number;
  images: number;
  failures: { path: string; reason: string }[];
}

export class TeacherCacheError extends Error {
  override readonly name = 'TeacherCacheError';
}

/** A 32-bit seed from a path (FNV-1a): a view's augmentation depends on the image and k only. */
export function pathSeed(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

export const chunkFile = (dir: string, c: number) => join(dir, `chunk-${String(c).padStart(5, '0')}.bin`);

/** Claims a chunk for this process (`@deepface-ts/file-lock`: a live holder keeps it, a dead one's lock is taken over); undefined when another process holds it. */
function claim(lock: string, chunk: number): WriteLock | undefined {
  try {
    return acquireWriteLock(lock, { owner: `teacher-cache chunk ${chunk}`, resource: `teacher-cache chunk ${chunk}` });
  } catch (e) {
    if (e instanceof LockHeldError) return undefined;
    throw e;
  }
}

export async function buildTeacherCache(images: readonly TeacherCacheImage[], deps: TeacherCacheDeps, options: TeacherCacheOptions): Promise<TeacherCacheReport> {
  const { dir, views, size, teacherDim, chunkSize = 500, shard = [0, 1], ranges = DEFAULT_AUGMENTATION_RANGES } = options;
  if (!(Number.isInteger(views) && views >= 1)) throw new TeacherCacheError(`views must be a whole number ≥ 1, got ${views}`);
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new TeacherCacheError(`chunkSize must be a whole number ≥ 1, got ${chunkSize}`);
  const [index, count] = shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) throw new TeacherCacheError(`shard must be i/n with 0 ≤ i < n, got ${index}/${count}`);
  mkdirSync(dir, { recursive: true });
  const chunks = Math.ceil(images.length / chunkSize);
  const mine: number[] = [];
  for (let c = index; c < chunks; c += count) mine.push(c);
  const todo = mine.filter((c) => !existsSync(chunkFile(dir, c)));
  const report: TeacherCacheReport = { chunks: mine.length, built: 0, reused: mine.length - todo.length, locked: 0, images: 0, failures: [] };
  const total = todo.reduce((s, c) => s + Math.min(chunkSize, images.length - c * chunkSize), 0);
  const bar = createProgress({ label: `teacher cache (${views} views, shard ${index + 1}/${count})`, total, unit: 'img', silent: options.progress === false });
  for (const c of todo) {
    const file = chunkFile(dir, c);
    const lock = `${file}.lock`;
    const held = claim(lock, c);
    if (!held) {
      report.locked++;
      continue;
    }
    if (existsSync(file)) {
      // Another process finished it after this one started: nothing to do.
      held.release();
      report.reused++;
      continue;
    }
    try {
      const builder = new CropCacheBuilder(size, teacherDim);
      const paths: string[] = [];
      const viewOf: number[] = [];
      const failures: { path: string; reason: string }[] = [];
      for (const image of images.slice(c * chunkSize, (c + 1) * chunkSize)) {
        try {
          const source = await deps.decode(image.path);
          const landmarks = await deps.landmarks(source, image.path);
          if (!landmarks) throw new Error('no face found');
          const seed = pathSeed(image.path);
          const augmented = Array.from({ length: views }, (_, k) => augmentView(source, landmarks, viewAugmentation(seed, k, ranges)));
          const targets = await deps.teacher(augmented, image.path);
          if (targets.length !== views) throw new Error(`the teacher returned ${targets.length} descriptors for ${views} views`);
          const crops = augmented.map((v) => deps.student(v.image, v.landmarks, image.path));
          for (let k = 0; k < views; k++) {
            builder.add(image.identity, crops[k]!, targets[k]!);
            paths.push(image.path);
            viewOf.push(k);
          }
          report.images++;
        } catch (e) {
          // One bad image does not end the run: it is recorded in the chunk and skipped.
          failures.push({ path: image.path, reason: (e as Error).message });
        }
        bar.tick(1, report.failures.length + failures.length ? `${report.failures.length + failures.length} skipped` : undefined);
      }
      await saveCropCache(file, builder.build({ paths, views: viewOf, viewCount: views, failures }));
      report.failures.push(...failures);
      report.built++;
    } finally {
      held.release();
    }
  }
  bar.done(`${report.built} chunks built, ${report.reused} reused${report.locked ? `, ${report.locked} held by another process` : ''}`);
  return report;
}

/** A loaded teacher cache: every entry's crop, teacher descriptor, path and view, in chunk order. */
export interface TeacherCache {
  size: number;
  teacherDim: number;
  /** Entries by image path: indices into `entries`. */
  byPath: Map<string, number[]>;
  entries: { chunk: CropCache; row: number; path: string; view: number }[];
  failures: { path: string; reason: string }[];
  chunks: CropCache[];
}

/** Reads every chunk of a teacher cache folder; a missing chunk (of `expectChunks`) is an error naming the command that builds it. */
export async function loadTeacherCache(dir: string, expectChunks?: number): Promise<TeacherCache> {
  if (!existsSync(dir)) throw new TeacherCacheError(`${dir}: no teacher cache here (build it with \`pnpm --filter @deepface-ts/train-app teacher-cache\`)`);
  const files = readdirSync(dir).filter((f) => /^chunk-\d{5}\.bin$/.test(f)).sort();
  if (expectChunks !== undefined) {
    const missing = Array.from({ length: expectChunks }, (_, c) => c).filter((c) => !existsSync(chunkFile(dir, c)));
    if (missing.length) throw new TeacherCacheError(`${dir}: ${missing.length} of ${expectChunks} chunks are missing (first: ${chunkFile(dir, missing[0]!)}); rerun the teacher-cache command to finish it`);
  }
  const cache: TeacherCache = { size: 0, teacherDim: 0, byPath: new Map(), entries: [], failures: [], chunks: [] };
  for (const f of files) {
    const chunk = await loadCropCache(join(dir, f));
    const paths = chunk.meta.paths as string[] | undefined;
    const views = chunk.meta.views as number[] | undefined;
    if (!Array.isArray(paths) || !Array.isArray(views) || paths.length !== chunk.count || views.length !== chunk.count || !chunk.targets) {
      throw new TeacherCacheError(`${join(dir, f)}: not a teacher-cache chunk (meta.paths / meta.views / targets missing or of the wrong length)`);
    }
    if (cache.chunks.length && (chunk.size !== cache.size || chunk.targetDim !== cache.teacherDim)) {
      throw new TeacherCacheError(`${join(dir, f)}: crops ${chunk.size}×${chunk.size} with ${chunk.targetDim}-D targets, the first chunk has ${cache.size}×${cache.size} and ${cache.teacherDim}-D`);
    }
    cache.size = chunk.size;
    cache.teacherDim = chunk.targetDim ?? 0;
    cache.chunks.push(chunk);
    cache.failures.push(...((chunk.meta.failures as { path: string; reason: string }[] | undefined) ?? []));
    for (let row = 0; row < chunk.count; row++) {
      const list = cache.byPath.get(paths[row]!) ?? [];
      list.push(cache.entries.length);
      cache.byPath.set(paths[row]!, list);
      cache.entries.push({ chunk, row, path: paths[row]!, view: views[row]! });
    }
  }
  return cache;
}

/** The teacher descriptor of one entry (a view into the chunk). */
export function entryTarget(cache: TeacherCache, entry: number): Float32Array {
  const e = cache.entries[entry]!;
  return e.chunk.targets!.subarray(e.row * cache.teacherDim, (e.row + 1) * cache.teacherDim);
}

/** The student crop of one entry (size × size × 3 uint8, a view into the chunk). */
export function entryPixels(cache: TeacherCache, entry: number): Uint8Array {
  const e = cache.entries[entry]!;
  const per = cache.size * cache.size * 3;
  return e.chunk.pixels.subarray(e.row * per, (e.row + 1) * per);
}
