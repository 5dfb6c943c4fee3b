/**
 * CFP (Celebrities in Frontal-Profile): images `Data/Images/NNN/{frontal,profile}/NN.jpg`,
 * 30-point fiducials, and the 10-fold frontal–frontal (FF) and frontal–profile (FP)
 * protocols whose pair files index `Protocol/Pair_list_F.txt` / `Pair_list_P.txt`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { parseIntField } from './lines';
import { readLinesFile } from './read-lines';
import { parseCfpFiducials, parseCfpPairFile, type CfpFold, type CfpImage, type CfpPair, type CfpPose } from './cfp-text';

export * from './cfp-text';

const LIST_PATH = /(?:^|[\\/])(\d+)[\\/](frontal|profile)[\\/](\d+)\.(?:jpe?g|png)$/i;

/**
 * Indexes the image files under `Data/Images`, which some copies split further into
 * `train/` and `test/` (or other) subfolders: `NNN/pose/NN` → path.
 */
function indexCfpImages(imagesDir: string): Map<string, string> {
  const index = new Map<string, string>();
  const addIdentity = (dir: string, id: string): void => {
    for (const pose of ['frontal', 'profile']) {
      const poseDir = join(dir, pose);
      if (!existsSync(poseDir)) continue;
      for (const file of readdirSync(poseDir)) {
        const m = /^(\d+)\.(?:jpe?g|png)$/i.exec(file);
        if (m) index.set(`${Number(id)}/${pose}/${Number(m[1])}`, join(poseDir, file));
      }
    }
  };
  const visit = (dir: string, depth: number): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (/^\d+$/.test(e.name)) addIdentity(join(dir, e.name), e.name);
      else if (depth < 2) visit(join(dir, e.name), depth + 1);
    }
  };
  visit(imagesDir, 0);
  return index;
}

function parsePairList(file: string, pose: CfpPose, images: Map<string, string>, root: string): CfpImage[] {
  const out: CfpImage[] = [];
  for (const { line, text } of readLinesFile(file)) {
    const f = text.split(/\s+/);
    if (f.length !== 2) throw new DatasetFormatError(file, line, `expected \`index path\`, got ${JSON.stringify(text)}`);
    const index = parseIntField(f[0], 'index', file, line, 1);
    if (index !== out.length + 1) throw new DatasetFormatError(file, line, `indices must run 1, 2, 3, …; expected ${out.length + 1}, got ${index}`);
    const m = LIST_PATH.exec(f[1]!);
    if (!m) throw new DatasetFormatError(file, line, `path must end in NNN/frontal/NN.jpg or NNN/profile/NN.jpg, got ${JSON.stringify(f[1])}`);
    if (m[2]!.toLowerCase() !== pose) throw new DatasetFormatError(file, line, `a ${pose} list names a ${m[2]} image: ${f[1]}`);
    const identity = Number(m[1]);
    const number = Number(m[3]);
    // The listed path is relative to Protocol/; fall back to the index for copies that moved folders.
    const listed = resolve(dirname(file), f[1]!);
    const inside = relative(resolve(root), listed);
    if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) throw new DatasetFormatError(file, line, `path ${JSON.stringify(f[1])} leads outside the CFP folder ${root}`);
    const path = existsSync(listed) ? listed : images.get(`${identity}/${pose}/${number}`);
    if (path === undefined) throw new DatasetFormatError(file, line, `image not found: ${listed} (nor NNN/${pose}/NN under Data/Images)`);
    out.push({ index, identity, pose, number, path });
  }
  return out;
}

export interface LoadCfpOptions {
  /**
   * The protocol shape to insist on: `folds` folders under each of Split/FF and Split/FP, each
   * with `pairsPerClass` rows in same.txt and in diff.txt. Default the published 10 × (350 + 350);
   * `null` checks only that the folds agree with one another (equal sizes, none empty).
   */
  protocolShape?: { folds: number; pairsPerClass: number } | null;
}

/** What the published CFP files have that the loader accepts, counts and reports. */
export interface CfpWarnings {
  /**
   * FF rows `j,i` in a file that already has `i,j`: the same pair twice. The published FF
   * protocol has 130 (129 in same.txt files, 1 in FF/05/diff.txt); they are kept, as published.
   */
  readonly reversedRepeats: number;
  /** The first 20 warnings, each `file:line: what`. */
  readonly examples: readonly string[];
}

const MAX_WARNINGS = 20;

/** A CFP folder (the one holding Data/ and Protocol/). */
export class CfpDataset {
  readonly names: string[];
  readonly frontal: CfpImage[];
  readonly profile: CfpImage[];
  /** folds.FF[k] and folds.FP[k]: the pairs of fold k+1. */
  readonly folds: { FF: CfpPair[][]; FP: CfpPair[][] };
  /** Quirks of the protocol files that are accepted (see {@link CfpWarnings}). */
  readonly warnings: CfpWarnings;
  private readonly shape: { folds: number; pairsPerClass: number } | null;

  constructor(
    readonly dir: string,
    options: LoadCfpOptions = {},
  ) {
    this.shape = options.protocolShape === undefined ? { folds: 10, pairsPerClass: 350 } : options.protocolShape;
    const imagesDir = join(dir, 'Data', 'Images');
    if (!existsSync(imagesDir)) throw new DatasetLayoutError(`${dir}: Data/Images not found (is this a CFP folder?)`);
    const index = indexCfpImages(imagesDir);
    const namesFile = ['list_name.txt', 'list_names.txt'].map((n) => join(dir, 'Data', n)).find((f) => existsSync(f));
    this.names = namesFile ? readLinesFile(namesFile).map((l) => l.text) : [];
    this.frontal = parsePairList(join(dir, 'Protocol', 'Pair_list_F.txt'), 'frontal', index, dir);
    this.profile = parsePairList(join(dir, 'Protocol', 'Pair_list_P.txt'), 'profile', index, dir);
    const warnings = { reversedRepeats: 0, examples: [] as string[] };
    this.folds = { FF: this.readProtocol('FF', warnings), FP: this.readProtocol('FP', warnings) };
    if (this.folds.FF.length !== this.folds.FP.length) {
      throw new DatasetLayoutError(`${join(dir, 'Protocol', 'Split')}: FF has ${this.folds.FF.length} fold folders but FP has ${this.folds.FP.length}`);
    }
    this.warnings = warnings;
  }

  private readProtocol(kind: 'FF' | 'FP', warnings: { reversedRepeats: number; examples: string[] }): CfpPair[][] {
    const base = join(this.dir, 'Protocol', 'Split', kind);
    if (!existsSync(base)) throw new DatasetLayoutError(`${base}: protocol folder not found`);
    const folders = readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
    if (folders.length === 0) throw new DatasetLayoutError(`${base}: no fold folders (01, 02, …)`);
    if (this.shape && folders.length !== this.shape.folds) {
      throw new DatasetLayoutError(`${base}: expected ${this.shape.folds} fold folders 01..${String(this.shape.folds).padStart(2, '0')}, found ${folders.length} (${folders.join(', ')}); pass protocolShape to read another shape`);
    }
    const second = kind === 'FF' ? this.frontal : this.profile;
    const symmetric = kind === 'FF';
    // Every pair of this protocol (FF: in either order) → where it first appears, to refuse a pair in two folds.
    const where = new Map<string, { file: string; line: number }>();
    // Rows per which-file of fold 1, for folds to agree with when no shape is imposed.
    const firstSizes = new Map<string, { file: string; count: number }>();
    return folders.map((folder, k) => {
      const fold = k + 1;
      if (Number(folder) !== fold) throw new DatasetLayoutError(`${base}: fold folders must be 01..NN without gaps; found ${folder} where ${String(fold).padStart(2, '0')} was expected`);
      const pairs: CfpPair[] = [];
      for (const which of ['same', 'diff'] as const) {
        const file = join(base, folder, `${which}.txt`);
        if (!existsSync(file)) throw new DatasetFormatError(file, undefined, 'file not found');
        const rows = parseCfpPairFile(readFileSync(file, 'utf8'), file, this.frontal.length, second.length, { symmetric });
        this.checkFoldSize(file, rows, which, firstSizes);
        for (const { line, i, j, reverseOf } of rows) {
          const first = this.frontal[i - 1]!;
          const other = second[j - 1]!;
          if ((first.identity === other.identity) !== (which === 'same')) {
            throw new DatasetFormatError(file, line, `a ${which} pair joins identities ${first.identity} and ${other.identity}`);
          }
          const key = symmetric && j < i ? `${j},${i}` : `${i},${j}`;
          const earlier = where.get(key);
          if (earlier && earlier.file !== file) throw new DatasetFormatError(file, line, `pair ${i},${j} is already in ${earlier.file}:${earlier.line} (a pair may be in one fold only)`);
          if (!earlier) where.set(key, { file, line });
          if (reverseOf !== undefined) {
            warnings.reversedRepeats++;
            if (warnings.examples.length < MAX_WARNINGS) warnings.examples.push(`${file}:${line}: pair ${i},${j} repeats ${j},${i} of line ${reverseOf} (kept, as published)`);
          }
          pairs.push({ fold, same: which === 'same', first, second: other });
        }
      }
      return pairs;
    });
  }

  /** A fold's same.txt / diff.txt must not be empty and must have the size of the shape (or of fold 1's). */
  private checkFoldSize(file: string, rows: readonly { line: number }[], which: 'same' | 'diff', firstSizes: Map<string, { file: string; count: number }>): void {
    if (rows.length === 0) throw new DatasetFormatError(file, undefined, `has no pairs (every fold needs its ${which} pairs)`);
    const reference = firstSizes.get(which);
    const expected = this.shape ? this.shape.pairsPerClass : reference?.count;
    if (expected !== undefined && rows.length !== expected) {
      const at = rows.length > expected ? rows[expected]!.line : rows.at(-1)!.line;
      const why = this.shape ? `the protocol has ${expected} ${which} pairs per fold` : `${reference!.file} has ${expected}`;
      throw new DatasetFormatError(file, at, `has ${rows.length} pairs, but ${why}`);
    }
    if (!reference) firstSizes.set(which, { file, count: rows.length });
  }

  /** The 10-fold protocol: for each fold, its pairs as test and the other folds' as train. */
  *protocol(kind: 'FF' | 'FP'): Generator<CfpFold> {
    const folds = this.folds[kind];
    for (let k = 0; k < folds.length; k++) {
      yield { fold: k + 1, train: folds.filter((_, j) => j !== k).flat(), test: folds[k]! };
    }
  }

  /** The 30 fiducial points of an image, from Data/Fiducials/NNN/pose/NN.txt. */
  fiducials(image: CfpImage): Float32Array {
    const file = join(this.dir, 'Data', 'Fiducials', String(image.identity).padStart(3, '0'), image.pose, `${String(image.number).padStart(2, '0')}.txt`);
    if (!existsSync(file)) throw new DatasetFormatError(file, undefined, 'fiducials file not found');
    return parseCfpFiducials(readFileSync(file, 'utf8'), file);
  }
}

export function loadCfp(dir: string, options: LoadCfpOptions = {}): CfpDataset {
  return new CfpDataset(dir, options);
}
