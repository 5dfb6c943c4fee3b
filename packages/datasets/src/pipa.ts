/** PIPA on disk: annotation files and a resolver from (photoset id, photo id) to a user's photo files. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { ID, parsePipaAnnotations, PIPA_SPLITS, type PipaInstance, type PipaSplit } from './pipa-text';

export * from './pipa-text';

/** Reads an annotation file from disk (see {@link parsePipaAnnotations}). */
export function loadPipaAnnotations(file: string): PipaInstance[] {
  if (!existsSync(file)) throw new DatasetFormatError(file, undefined, 'file not found');
  return parsePipaAnnotations(readFileSync(file, 'utf8'), file);
}

/** Reads `all_data.txt` and whichever split files exist in `dir`. */
export function loadPipa(dir: string): {
  all: PipaInstance[];
  splits: Partial<Record<'val' | 'test', Partial<Record<PipaSplit, PipaInstance[]>>>>;
} {
  const allFile = join(dir, 'all_data.txt');
  if (!existsSync(allFile)) throw new DatasetLayoutError(`${dir}: all_data.txt not found (is this a PIPA annotation folder?)`);
  const all = loadPipaAnnotations(allFile);
  const splits: Partial<Record<'val' | 'test', Partial<Record<PipaSplit, PipaInstance[]>>>> = {};
  for (const set of ['val', 'test'] as const) {
    for (const split of PIPA_SPLITS) {
      const file = join(dir, `split_${set}_${split}.txt`);
      if (!existsSync(file)) continue;
      const rows = loadPipaAnnotations(file);
      for (const r of rows) {
        if (r.half === undefined) throw new DatasetFormatError(file, r.line, 'split files need the 9th column (half 0/1)');
      }
      (splits[set] ??= {})[split] = rows;
    }
  }
  return { all, splits };
}

const PHOTO_FILE = /^(?:(\d+)_)?(\d+)(?:_[0-9a-f]+)?(?:_[a-z])?\.(?:jpe?g|png)$/i;

/**
 * Maps (photoset id, photo id) to files in a user's PIPA photo folder. Scans the folder
 * tree once and accepts the distributed names `photoset_photo.jpg` (in train/, val/, test/,
 * leftover/ or anywhere) as well as `photoset/photo.jpg`.
 */
export class PipaPhotoResolver {
  private readonly byKey = new Map<string, string>();
  /** Keys found more than once (the first file wins). */
  readonly duplicates: string[] = [];

  constructor(readonly root: string) {
    if (!existsSync(root)) throw new DatasetLayoutError(`PIPA photo folder not found: ${root}`);
    const walk = (dir: string, parentName: string, depth: number): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
          if (depth < 4) walk(join(dir, e.name), e.name, depth + 1);
          continue;
        }
        const m = PHOTO_FILE.exec(e.name);
        if (!m) continue;
        const photoset = m[1] ?? (ID.test(parentName) ? parentName : undefined);
        if (photoset === undefined) continue;
        const key = `${photoset}_${m[2]}`;
        if (this.byKey.has(key)) this.duplicates.push(key);
        else this.byKey.set(key, join(dir, e.name));
      }
    };
    walk(root, '', 0);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The photo's path, or undefined when the folder does not have it. */
  resolve(photosetId: string, photoId: string): string | undefined {
    return this.byKey.get(`${photosetId}_${photoId}`);
  }

  /** Annotation rows whose photo is not in the folder. */
  missing(instances: readonly PipaInstance[]): PipaInstance[] {
    return instances.filter((i) => this.resolve(i.photosetId, i.photoId) === undefined);
  }
}
