/** LFW on disk: finding the image folder, indexing it, and the View 1 / View 2 / unrestricted protocols. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { lfwImageName, parseLfwPairs, parseLfwPeople, type LfwPairLine, type LfwPairsFile, type LfwPeopleFile } from './lfw-text';

/** Image folders that LFW is distributed as, tried in this order below the given folder. */
const KNOWN_IMAGE_FOLDERS = ['lfw-deepfunneled', 'lfw_deepfunneled', 'lfw-funneled', 'lfw_funneled', 'lfw', 'lfw-original', 'images'];

/** True when `dir` holds `Name/Name_0001.jpg` folders (checks a few entries, not all). */
function looksLikeImageRoot(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  let checked = 0;
  for (const name of entries) {
    if (existsSync(join(dir, name, `${name}_0001.jpg`))) return true;
    if (++checked >= 50) break;
  }
  return false;
}

/**
 * Finds the folder of `Name/` image folders: `dir` itself, or a known subfolder such as
 * `lfw-deepfunneled/`, or any subfolder up to two levels down (Kaggle's copy nests
 * `lfw-deepfunneled/lfw-deepfunneled/`).
 */
export function findLfwImageRoot(dir: string): string {
  if (!existsSync(dir)) throw new DatasetLayoutError(`LFW folder not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new DatasetLayoutError(`${dir}: expected the LFW folder (holding pairs.txt and the images), got a file`);
  if (looksLikeImageRoot(dir)) return dir;
  // A symlinked folder (`lfw-deepfunneled -> /data/lfw-deepfunneled`) counts: follow the link with stat.
  const isFolder = (parent: string, e: { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }): boolean => {
    if (e.isDirectory()) return true;
    if (!e.isSymbolicLink()) return false;
    try {
      return statSync(join(parent, e.name)).isDirectory();
    } catch {
      return false; // a dangling link
    }
  };
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((e) => isFolder(dir, e))
    .map((e) => e.name)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const child of children) {
    const sub = join(dir, child);
    if (looksLikeImageRoot(sub)) return sub;
  }
  for (const child of children) {
    const sub = join(dir, child);
    for (const grandchild of readdirSync(sub, { withFileTypes: true })) {
      if (isFolder(sub, grandchild) && looksLikeImageRoot(join(sub, grandchild.name))) return join(sub, grandchild.name);
    }
  }
  throw new DatasetLayoutError(
    `${dir}: no LFW image folder found (expected Name/Name_0001.jpg folders here or in one of ${KNOWN_IMAGE_FOLDERS.join(', ')})`,
  );
}

function rank(name: string): number {
  const i = KNOWN_IMAGE_FOLDERS.indexOf(name);
  return i < 0 ? KNOWN_IMAGE_FOLDERS.length : i;
}

/**
 * Which image numbers exist for each person: one `readdir` per person folder, which is
 * much faster than one `stat` per referenced image.
 */
export function indexLfwImages(imageRoot: string): Map<string, Set<number>> {
  const index = new Map<string, Set<number>>();
  for (const entry of readdirSync(imageRoot, { withFileTypes: true })) {
    if (!entry.isDirectory() && !(entry.isSymbolicLink() && statSync(join(imageRoot, entry.name)).isDirectory())) continue;
    const numbers = imageNumbers(entry.name, readdirSync(join(imageRoot, entry.name)));
    if (numbers.size > 0) index.set(entry.name, numbers);
  }
  return index;
}

/** The same index as {@link indexLfwImages}, with `concurrency` folder reads in flight (does not block the event loop). */
export async function indexLfwImagesAsync(imageRoot: string, concurrency = 16): Promise<Map<string, Set<number>>> {
  const entries = await readdir(imageRoot, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && statSync(join(imageRoot, e.name)).isDirectory())).map((e) => e.name);
  const found: (Set<number> | undefined)[] = new Array(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const k = next++;
      found[k] = imageNumbers(names[k]!, await readdir(join(imageRoot, names[k]!)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  // Same insertion order as the sync index (directory order), whatever order the reads finished in.
  const index = new Map<string, Set<number>>();
  names.forEach((name, k) => {
    if (found[k]!.size > 0) index.set(name, found[k]!);
  });
  return index;
}

/** The image numbers among a person folder's files (`Name_NNNN.jpg`). */
function imageNumbers(name: string, files: readonly string[]): Set<number> {
  const prefix = `${name}_`;
  const numbers = new Set<number>();
  for (const file of files) {
    // Name_NNNN.jpg: the number is the 4 digits before ".jpg".
    if (file.length === prefix.length + 8 && file.startsWith(prefix) && file.endsWith('.jpg')) {
      const n = Number(file.slice(prefix.length, prefix.length + 4));
      if (Number.isInteger(n) && n > 0) numbers.add(n);
    }
  }
  return numbers;
}

/** A pair with the image paths resolved. */
export interface LfwPair extends LfwPairLine {
  readonly path1: string;
  readonly path2: string;
}

export interface LfwIdentity {
  readonly name: string;
  /** Absolute paths of Name_0001.jpg … Name_NNNN.jpg. */
  readonly images: readonly string[];
}

export interface LfwFold {
  /** 1-based fold number. */
  readonly fold: number;
  /** The pairs of the other folds. */
  readonly train: readonly LfwPair[];
  readonly test: readonly LfwPair[];
}

export interface LoadLfwOptions {
  /** Check that every image referenced by the pair and people files exists (default true). */
  checkImages?: boolean;
  /** The folder of Name/ image folders, when it is not `dir` or below it (default: found by findLfwImageRoot). */
  imageRoot?: string;
  /** Expected View 2 shape, checked when pairs.txt is present (default 10 folds × 300; null skips). */
  view2Shape?: { folds: number; pairsPerClass: number } | null;
}

/** An LFW folder with its protocol files parsed and its images indexed. */
export class LfwDataset {
  /** Person name → image numbers present on disk. */
  readonly images: Map<string, Set<number>>;
  readonly view2?: LfwPairsFile;
  readonly view1Train?: LfwPairsFile;
  readonly view1Test?: LfwPairsFile;
  /** people.txt: the people of each View 2 fold (for the unrestricted protocol). */
  readonly people?: LfwPeopleFile;
  readonly peopleDevTrain?: LfwPeopleFile;
  readonly peopleDevTest?: LfwPeopleFile;

  constructor(
    readonly dir: string,
    readonly imageRoot: string,
    options: LoadLfwOptions = {},
    /** A ready index (from indexLfwImagesAsync); built here when absent. */
    images?: Map<string, Set<number>>,
  ) {
    this.images = images ?? indexLfwImages(imageRoot);
    const read = <T>(name: string, parse: (text: string, file: string) => T): T | undefined => {
      const file = join(dir, name);
      return existsSync(file) ? parse(readFileSync(file, 'utf8'), file) : undefined;
    };
    this.view2 = read('pairs.txt', parseLfwPairs);
    this.view1Train = read('pairsDevTrain.txt', parseLfwPairs);
    this.view1Test = read('pairsDevTest.txt', parseLfwPairs);
    this.people = read('people.txt', parseLfwPeople);
    this.peopleDevTrain = read('peopleDevTrain.txt', parseLfwPeople);
    this.peopleDevTest = read('peopleDevTest.txt', parseLfwPeople);
    const shape = options.view2Shape === undefined ? { folds: 10, pairsPerClass: 300 } : options.view2Shape;
    if (this.view2 && shape) {
      if (this.view2.folds.length !== shape.folds || this.view2.pairsPerClass !== shape.pairsPerClass) {
        throw new DatasetFormatError(
          this.view2.file,
          1,
          `View 2 must be ${shape.folds} folds × (${shape.pairsPerClass} + ${shape.pairsPerClass}) pairs, the header declares ${this.view2.folds.length} × (${this.view2.pairsPerClass} + ${this.view2.pairsPerClass})`,
        );
      }
    }
    if (options.checkImages ?? true) this.checkImages();
  }

  get imageCount(): number {
    let n = 0;
    for (const s of this.images.values()) n += s.size;
    return n;
  }

  /** Absolute path of image `index` (1-based) of `name`. */
  imagePath(name: string, index: number): string {
    return join(this.imageRoot, lfwImageName(name, index));
  }

  /**
   * Checks that every image named by a pair or people file exists, and that people files
   * agree with the folders. Throws with the first faults, each as `file:line: …`.
   */
  checkImages(): void {
    const faults: string[] = [];
    const has = (name: string, i: number): boolean => this.images.get(name)?.has(i) ?? false;
    for (const pf of [this.view2, this.view1Train, this.view1Test]) {
      if (!pf) continue;
      for (const fold of pf.folds) {
        for (const p of fold) {
          if (!has(p.name1, p.index1)) faults.push(`${pf.file}:${p.line}: image not found: ${this.imagePath(p.name1, p.index1)}`);
          if (!has(p.name2, p.index2)) faults.push(`${pf.file}:${p.line}: image not found: ${this.imagePath(p.name2, p.index2)}`);
        }
      }
    }
    for (const pf of [this.people, this.peopleDevTrain, this.peopleDevTest]) {
      if (!pf) continue;
      for (const fold of pf.folds) {
        for (const person of fold) {
          const onDisk = this.images.get(person.name);
          if (!onDisk) {
            faults.push(`${pf.file}:${person.line}: no image folder for ${person.name} in ${this.imageRoot}`);
            continue;
          }
          for (let i = 1; i <= person.images; i++) {
            if (!onDisk.has(i)) {
              faults.push(`${pf.file}:${person.line}: ${person.name} has ${person.images} images listed but ${this.imagePath(person.name, i)} is missing`);
              break;
            }
          }
        }
      }
    }
    if (faults.length > 0) {
      const shown = faults.slice(0, 10).join('\n  ');
      throw new DatasetLayoutError(`${faults.length} missing LFW image(s):\n  ${shown}${faults.length > 10 ? `\n  … and ${faults.length - 10} more` : ''}`);
    }
  }

  private resolve(p: LfwPairLine): LfwPair {
    return { ...p, path1: this.imagePath(p.name1, p.index1), path2: this.imagePath(p.name2, p.index2) };
  }

  private needFile<T>(file: T | undefined, name: string): T {
    if (!file) throw new DatasetLayoutError(`${join(this.dir, name)}: file not found (needed for this protocol)`);
    return file;
  }

  /** View 2: for each of the 10 folds, the test pairs of that fold and the train pairs of the other 9. */
  *view2Folds(): Generator<LfwFold> {
    const view2 = this.needFile(this.view2, 'pairs.txt');
    const folds = view2.folds.map((f) => f.map((p) => this.resolve(p)));
    for (let k = 0; k < folds.length; k++) {
      yield { fold: k + 1, train: folds.filter((_, j) => j !== k).flat(), test: folds[k]! };
    }
  }

  /** View 1 (development): pairsDevTrain.txt and pairsDevTest.txt. */
  view1(): { train: LfwPair[]; test: LfwPair[] } {
    const train = this.needFile(this.view1Train, 'pairsDevTrain.txt');
    const test = this.needFile(this.view1Test, 'pairsDevTest.txt');
    return { train: train.folds.flat().map((p) => this.resolve(p)), test: test.folds.flat().map((p) => this.resolve(p)) };
  }

  /**
   * Unrestricted protocol, fold `testFold` (1-based): the identities of the other folds of
   * people.txt with all their images, usable to form any training pairs.
   */
  unrestrictedTraining(testFold: number): LfwIdentity[] {
    const people = this.needFile(this.people, 'people.txt');
    if (!(Number.isInteger(testFold) && testFold >= 1 && testFold <= people.folds.length)) {
      throw new RangeError(`unrestrictedTraining: testFold must be 1..${people.folds.length}, got ${testFold}`);
    }
    const out: LfwIdentity[] = [];
    people.folds.forEach((fold, k) => {
      if (k === testFold - 1) return;
      for (const person of fold) {
        out.push({ name: person.name, images: Array.from({ length: person.images }, (_, i) => this.imagePath(person.name, i + 1)) });
      }
    });
    return out;
  }

  /** Every image on disk, sorted by person then number (for decoding the whole set). */
  allImages(): string[] {
    const out: string[] = [];
    for (const name of [...this.images.keys()].sort()) {
      for (const i of [...this.images.get(name)!].sort((a, b) => a - b)) out.push(this.imagePath(name, i));
    }
    return out;
  }
}

/**
 * Opens an LFW folder: the protocol files (`pairs.txt`, `pairsDev*.txt`, `people*.txt`)
 * are read from `dir`, the images from `dir` itself or its image subfolder.
 */
export function loadLfw(dir: string, options: LoadLfwOptions = {}): LfwDataset {
  if (!existsSync(dir)) throw new DatasetLayoutError(`LFW folder not found: ${dir}`);
  return new LfwDataset(dir, options.imageRoot ?? findLfwImageRoot(dir), options);
}

/** {@link loadLfw} with the image folders read in parallel, off the event loop. */
export async function loadLfwAsync(dir: string, options: LoadLfwOptions = {}): Promise<LfwDataset> {
  if (!existsSync(dir)) throw new DatasetLayoutError(`LFW folder not found: ${dir}`);
  const imageRoot = options.imageRoot ?? findLfwImageRoot(dir);
  return new LfwDataset(dir, imageRoot, options, await indexLfwImagesAsync(imageRoot));
}
