/**
 * CelebA (Liu et al., ICCV 2015: 202,599 images of 10,177 unnamed identities): a folder of
 * `NNNNNN.jpg` (or `.png`) images, `identity_CelebA.txt` (`NNNNNN.jpg <identity>`) and the
 * optional `list_eval_partition.txt` (`NNNNNN.jpg <0|1|2>`: train, val, test). Public copies
 * hold different subsets of the images, so the loader reports what is listed but missing and
 * present but unlisted, and {@link mergeCelebaSources} joins several folders by file number.
 * {@link celebaToSfcRows} turns the rows into SFC-format rows for apps/train.
 *
 * CelebA is for non-commercial research only (its licence): do not ship a model trained on it
 * in a commercial product.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { parseIntField, type NumberedLine } from './lines';
import { readLinesFile } from './read-lines';
import { mixSeed, mulberry32 } from './rng';
import { writeSfcManifest, type SfcRow, type SfcWriterOptions } from './sfc';

/** Partition codes of `list_eval_partition.txt`: 0 train, 1 val, 2 test. */
export const CELEBA_PARTITIONS = ['train', 'val', 'test'] as const;
export type CelebaPartition = (typeof CELEBA_PARTITIONS)[number];

export interface CelebaImage {
  /** The CelebA file number: 000001.jpg → 1. */
  readonly number: number;
  /** The image file on disk (absolute). */
  readonly path: string;
  /** CelebA's identity number (CelebA has no names). */
  readonly identity: number;
  /** From list_eval_partition.txt; undefined when it was not read or does not list the image. */
  readonly partition?: CelebaPartition;
  /** The line of the identity file that gives the identity (for messages). */
  readonly line: number;
}

export interface CelebaCounts {
  /** Distinct images the identity file lists. */
  readonly listed: number;
  /** Distinct CelebA-named image files (`NNNNNN.jpg` / `.png`) in the image folder. */
  readonly present: number;
  /** Images both listed and present: the rows. */
  readonly rows: number;
  /** Distinct identities among the rows. */
  readonly identities: number;
  /** Listed in the identity file, no file on disk (expected for subset copies). */
  readonly missing: number;
  /** On disk, not in the identity file: left out of the rows. */
  readonly unlisted: number;
  /** Lines dropped by `badLines: 'skip'` (identity and partition files together). */
  readonly malformed: number;
  /** Lines repeating an image with the same value as before (kept once; a warning). */
  readonly duplicateLines: number;
  /** Numbers on disk as both .jpg and .png (the .jpg is used; a warning). */
  readonly duplicateFiles: number;
  /** Rows the partition file does not list (0 when it was not read). */
  readonly unpartitioned: number;
}

export interface CelebaDataset {
  /** The folder of images. */
  readonly imageDir: string;
  readonly identityFile: string;
  /** The partition file read, if any. */
  readonly partitionFile?: string;
  /** Rows for the images on disk that the identity file lists, by file number. */
  readonly images: readonly CelebaImage[];
  readonly counts: CelebaCounts;
  /** The first 20 warnings and skipped lines, each `file:line: what`. */
  readonly warnings: readonly string[];
}

export interface LoadCelebaOptions {
  /** The image folder (default: the first of `dir`, `img_align_celeba/`, `img_align_celeba/img_align_celeba/`, `Img/img_align_celeba/`, `img_align_celeba_png/`, `Img/img_align_celeba_png/`, `img_celeba/`, `Img/img_celeba/` that holds CelebA-named images). */
  imageDir?: string;
  /** Default: `identity_CelebA.txt` or `Anno/identity_CelebA.txt` under `dir`. */
  identityFile?: string;
  /** Default: `list_eval_partition.txt`, `Eval/list_eval_partition.txt` or `list_eval_partition.csv` under `dir` if one exists; `null` reads none. */
  partitionFile?: string | null;
  /** Throw on the first malformed line (default) or skip it, counting it in `counts.malformed`. An image listed twice with two different values is always an error. */
  badLines?: 'throw' | 'skip';
  /** Refuse an annotation file larger than this, before reading it (default 64 MiB; CelebA's are 3.4 and 2.8 MB). */
  maxFileBytes?: number;
}

const IMAGE_FOLDERS = ['.', 'img_align_celeba', 'img_align_celeba/img_align_celeba', 'Img/img_align_celeba', 'img_align_celeba_png', 'Img/img_align_celeba_png', 'img_celeba', 'Img/img_celeba'];
const IDENTITY_FILES = ['identity_CelebA.txt', 'Anno/identity_CelebA.txt'];
const PARTITION_FILES = ['list_eval_partition.txt', 'Eval/list_eval_partition.txt', 'list_eval_partition.csv'];

/** A CelebA image name: 6 digits, .jpg or .png. Six digits bound every file number (and so every table indexed by it) to < 10^6. */
const IMAGE_NAME = /^(\d{6})\.(jpg|png)$/i;
const MAX_NUMBER = 999_999;
const MAX_WARNINGS = 20;

/** Per file number: a value (identity or partition code) and its line; -1 = not listed. Grown as needed, never past 10^6 entries. */
class NumberTable {
  value = new Int32Array(0);
  line = new Int32Array(0);
  listed = 0;

  get(n: number): number {
    return n < this.value.length ? this.value[n]! : -1;
  }

  set(n: number, value: number, line: number): void {
    if (!(Number.isInteger(n) && n >= 1 && n <= MAX_NUMBER)) throw new RangeError(`CelebA file number must be 1..${MAX_NUMBER}, got ${n}`);
    if (n >= this.value.length) {
      const size = Math.min(MAX_NUMBER + 1, Math.max(n + 1, this.value.length * 2, 1024));
      const value = new Int32Array(size).fill(-1);
      const lines = new Int32Array(size);
      value.set(this.value);
      lines.set(this.line);
      this.value = value;
      this.line = lines;
    }
    if (this.value[n] === -1) this.listed++;
    this.value[n] = value;
    this.line[n] = line;
  }
}

interface ParseState {
  badLines: 'throw' | 'skip';
  malformed: number;
  duplicateLines: number;
  warnings: string[];
}

function warn(st: ParseState, message: string): void {
  if (st.warnings.length < MAX_WARNINGS) st.warnings.push(message);
}

/**
 * Reads `NNNNNN.jpg <value>` lines (whitespace- or comma-separated; a first line
 * `image_id,…` is a CSV header, as in Kaggle's copy) into a table by file number.
 * `value` checks the second field and returns it as an integer ≥ 0.
 */
function parseListing(lines: readonly NumberedLine[], file: string, st: ParseState, what: string, value: (field: string, line: number) => number): NumberTable {
  const table = new NumberTable();
  for (const { line, text } of lines) {
    if (line === 1 && /^image_id\b/i.test(text)) continue;
    try {
      const f = text.split(/[\s,]+/);
      if (f.length !== 2) throw new DatasetFormatError(file, line, `expected \`NNNNNN.jpg <${what}>\`, got ${JSON.stringify(text)}`);
      const m = IMAGE_NAME.exec(f[0]!);
      if (!m) throw new DatasetFormatError(file, line, `image name must be 6 digits then .jpg or .png (like 000001.jpg), got ${JSON.stringify(f[0])}`);
      const n = Number(m[1]);
      if (n === 0) throw new DatasetFormatError(file, line, `image numbers start at 000001, got ${f[0]}`);
      const v = value(f[1]!, line);
      const before = table.get(n);
      if (before === -1) {
        table.set(n, v, line);
      } else if (before === v) {
        st.duplicateLines++;
        warn(st, `${file}:${line}: ${f[0]} is listed again (first on line ${table.line[n]}) with the same ${what}; kept once`);
      } else {
        // Not a malformed line but a contradiction: never skipped.
        throw Object.assign(new DatasetFormatError(file, line, `${f[0]} is listed again with ${what} ${v} (line ${table.line[n]} gives ${before}): one image cannot have two`), { contradiction: true });
      }
    } catch (error) {
      if (!(error instanceof DatasetFormatError) || st.badLines === 'throw' || (error as { contradiction?: boolean }).contradiction) throw error;
      st.malformed++;
      warn(st, error.message);
    }
  }
  return table;
}

/** The CelebA-named image files of a folder: file number → file name (.jpg preferred over .png). */
function listImages(dir: string): { files: Map<number, string>; duplicateFiles: number; duplicateExamples: string[] } {
  const files = new Map<number, string>();
  let duplicateFiles = 0;
  const duplicateExamples: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = IMAGE_NAME.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    if (n === 0) continue;
    const before = files.get(n);
    if (before === undefined) {
      files.set(n, name);
      continue;
    }
    duplicateFiles++;
    const [keep, drop] = /\.jpg$/i.test(before) && !/\.jpg$/i.test(name) ? [before, name] : /\.jpg$/i.test(name) && !/\.jpg$/i.test(before) ? [name, before] : [before < name ? before : name, before < name ? name : before];
    files.set(n, keep);
    if (duplicateExamples.length < MAX_WARNINGS) duplicateExamples.push(`${join(dir, drop)}: image ${m[1]} is also ${keep}; using ${keep}`);
  }
  return { files, duplicateFiles, duplicateExamples };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens a CelebA folder: the image folder (found below `dir`, see {@link LoadCelebaOptions}),
 * `identity_CelebA.txt` and, when present, `list_eval_partition.txt`. Malformed lines are
 * `file:line: what is wrong` errors (or, with `badLines: 'skip'`, counted and listed in
 * `warnings`); an image listed twice with two identities (or partitions) is always an error.
 * Annotation files are size-checked before they are read.
 */
export function loadCeleba(dir: string, options: LoadCelebaOptions = {}): CelebaDataset {
  const { badLines = 'throw', maxFileBytes = 64 << 20 } = options;
  const root = resolve(dir);
  if (!isDirectory(root)) throw new DatasetLayoutError(`CelebA folder not found: ${root}`);
  const at = (p: string) => (isAbsolute(p) ? p : join(root, p));

  let imageDir: string | undefined;
  let listing: ReturnType<typeof listImages> | undefined;
  if (options.imageDir !== undefined) {
    imageDir = at(options.imageDir);
    if (!isDirectory(imageDir)) throw new DatasetLayoutError(`CelebA image folder not found: ${imageDir}`);
    listing = listImages(imageDir);
  } else {
    for (const candidate of IMAGE_FOLDERS) {
      const d = resolve(root, candidate);
      if (!isDirectory(d)) continue;
      const l = listImages(d);
      if (l.files.size > 0) {
        [imageDir, listing] = [d, l];
        break;
      }
    }
    if (!imageDir || !listing) {
      throw new DatasetLayoutError(`${root}: no CelebA images (NNNNNN.jpg or .png) here or in ${IMAGE_FOLDERS.slice(1).join(', ')} (option imageDir)`);
    }
  }

  const identityFile = options.identityFile !== undefined ? at(options.identityFile) : IDENTITY_FILES.map(at).find((f) => existsSync(f));
  if (identityFile === undefined) throw new DatasetLayoutError(`${root}: ${IDENTITY_FILES.join(' or ')} not found (option identityFile)`);
  const partitionFile =
    options.partitionFile === null ? undefined : options.partitionFile !== undefined ? at(options.partitionFile) : PARTITION_FILES.map(at).find((f) => existsSync(f));

  const st: ParseState = { badLines, malformed: 0, duplicateLines: 0, warnings: [] };
  const identities = parseListing(readLinesFile(identityFile, { maxBytes: maxFileBytes }), identityFile, st, 'identity', (field, line) => parseIntField(field, 'identity', identityFile, line, 0));
  const partitions = partitionFile
    ? parseListing(readLinesFile(partitionFile, { maxBytes: maxFileBytes }), partitionFile, st, 'partition', (field, line) => {
        if (!/^[012]$/.test(field)) throw new DatasetFormatError(partitionFile, line, `partition must be 0 (train), 1 (val) or 2 (test), got ${JSON.stringify(field)}`);
        return Number(field);
      })
    : undefined;
  for (const message of listing.duplicateExamples) warn(st, message);

  const images: CelebaImage[] = [];
  const ids = new Set<number>();
  let unpartitioned = 0;
  let unlisted = 0;
  const numbers = [...listing.files.keys()].sort((a, b) => a - b);
  for (const n of numbers) {
    const identity = identities.get(n);
    if (identity === -1) {
      unlisted++;
      continue;
    }
    const code = partitions?.get(n) ?? -1;
    if (partitions && code === -1) {
      unpartitioned++;
      if (unpartitioned <= 3) warn(st, `${partitionFile}: does not list ${listing.files.get(n)} (image ${n} of ${identityFile})`);
    }
    ids.add(identity);
    images.push({ number: n, path: join(imageDir, listing.files.get(n)!), identity, ...(code >= 0 ? { partition: CELEBA_PARTITIONS[code]! } : {}), line: identities.line[n]! });
  }
  return {
    imageDir,
    identityFile,
    ...(partitionFile ? { partitionFile } : {}),
    images,
    counts: {
      listed: identities.listed,
      present: listing.files.size,
      rows: images.length,
      identities: ids.size,
      missing: identities.listed - images.length,
      unlisted,
      malformed: st.malformed,
      duplicateLines: st.duplicateLines,
      duplicateFiles: listing.duplicateFiles,
      unpartitioned,
    },
    warnings: st.warnings,
  };
}

export interface CelebaMerged {
  /** One row per file number, by number; the path is the first source's that has the image. */
  readonly images: readonly CelebaImage[];
  /** Per source, in order: its rows, and how many of them an earlier source already gave. */
  readonly sources: readonly { readonly imageDir: string; readonly images: number; readonly duplicates: number }[];
  /** Rows given by more than one source (kept once). */
  readonly duplicates: number;
  /** Distinct identities among the rows. */
  readonly identities: number;
}

/**
 * Joins several CelebA folders (public copies hold different subsets) by file number: each
 * image once, from the first source that has it. A file number that two sources give
 * different identities (or different partitions) is a `file:line:` error naming both lines;
 * a partition one source lacks is taken from another.
 */
export function mergeCelebaSources(sources: readonly Pick<CelebaDataset, 'imageDir' | 'identityFile' | 'images'>[]): CelebaMerged {
  const byNumber = new Map<number, { image: CelebaImage; source: number }>();
  const perSource = sources.map((s, k) => {
    let duplicates = 0;
    for (const image of s.images) {
      const before = byNumber.get(image.number);
      if (!before) {
        byNumber.set(image.number, { image, source: k });
        continue;
      }
      duplicates++;
      const a = before.image;
      const earlier = `${sources[before.source]!.identityFile}:${a.line}`;
      const name = String(image.number).padStart(6, '0');
      if (a.identity !== image.identity) {
        throw new DatasetFormatError(s.identityFile, image.line, `image ${name} has identity ${image.identity} here but ${a.identity} in ${earlier}: the sources disagree`);
      }
      if (a.partition !== undefined && image.partition !== undefined && a.partition !== image.partition) {
        throw new DatasetFormatError(s.identityFile, image.line, `image ${name} is in partition ${image.partition} here but ${a.partition} in the source of ${earlier}: the sources disagree`);
      }
      if (a.partition === undefined && image.partition !== undefined) before.image = { ...a, partition: image.partition };
    }
    return { imageDir: s.imageDir, images: s.images.length, duplicates };
  });
  const images = [...byNumber.values()].map((e) => e.image).sort((a, b) => a.number - b.number);
  return { images, sources: perSource, duplicates: perSource.reduce((t, s) => t + s.duplicates, 0), identities: new Set(images.map((i) => i.identity)).size };
}

export interface CelebaSfcOptions {
  /** Keep only images of these partitions (images without a partition are then left out); default: all images. */
  partitions?: readonly CelebaPartition[];
  /** Identity name prefix (default `celeba-`: identity 2880 → `celeba-2880`). */
  identityPrefix?: string;
  /** Write image paths relative to this folder (e.g. the manifest's) instead of absolute. */
  relativeTo?: string;
  /** Seed of the timestamps (default 0). */
  seed?: number;
  /** Timestamps are drawn in [start, start + span) seconds (default 1,400,000,000 and 10^8: 2014–2017). */
  start?: number;
  span?: number;
}

/**
 * SFC-format rows for CelebA images: identity `celeba-<id>`, the image path, and a timestamp
 * drawn from a generator seeded with the file number (CelebA has no capture times), so each
 * image's time, and with it the SFC time split, is the same whatever other images or sources
 * a manifest holds.
 */
export function celebaToSfcRows(images: Iterable<CelebaImage>, options: CelebaSfcOptions = {}): SfcRow[] {
  const { partitions, identityPrefix = 'celeba-', relativeTo, seed = 0, start = 1_400_000_000, span = 1e8 } = options;
  if (!(Number.isFinite(start) && Number.isFinite(span) && span > 0)) throw new RangeError(`celebaToSfcRows: start must be finite and span > 0, got ${start}, ${span}`);
  const keep = partitions ? new Set<CelebaPartition>(partitions) : undefined;
  const rows: SfcRow[] = [];
  for (const image of images) {
    if (keep && (image.partition === undefined || !keep.has(image.partition))) continue;
    const timestamp = Math.floor(start + mulberry32(mixSeed(seed, 0xce1eba, image.number)).next() * span);
    rows.push({ identity: `${identityPrefix}${image.identity}`, image: relativeTo === undefined ? image.path : relative(relativeTo, image.path), timestamp });
  }
  return rows;
}

/** Writes CelebA images as an SFC-format manifest (atomically, through `writeSfcManifest`); returns the row count. */
export function writeCelebaSfcManifest(file: string, images: Iterable<CelebaImage>, options: CelebaSfcOptions & SfcWriterOptions = {}): number {
  return writeSfcManifest(file, celebaToSfcRows(images, options), options);
}
