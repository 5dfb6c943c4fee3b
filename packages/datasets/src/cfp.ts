/**
 * CFP (Celebrities in Frontal-Profile): images `Data/Images/NNN/{frontal,profile}/NN.jpg`,
 * 30-point fiducials, and the 10-fold frontal–frontal (FF) and frontal–profile (FP)
 * protocols whose pair files index `Protocol/Pair_list_F.txt` / `Pair_list_P.txt`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

function parsePairList(file: string, pose: CfpPose, images: Map<string, string>): CfpImage[] {
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
    const path = existsSync(listed) ? listed : images.get(`${identity}/${pose}/${number}`);
    if (path === undefined) throw new DatasetFormatError(file, line, `image not found: ${listed} (nor NNN/${pose}/NN under Data/Images)`);
    out.push({ index, identity, pose, number, path });
  }
  return out;
}

/** A CFP folder (the one holding Data/ and Protocol/). */
export class CfpDataset {
  readonly names: string[];
  readonly frontal: CfpImage[];
  readonly profile: CfpImage[];
  /** folds.FF[k] and folds.FP[k]: the pairs of fold k+1. */
  readonly folds: { FF: CfpPair[][]; FP: CfpPair[][] };

  constructor(readonly dir: string) {
    const imagesDir = join(dir, 'Data', 'Images');
    if (!existsSync(imagesDir)) throw new DatasetLayoutError(`${dir}: Data/Images not found (is this a CFP folder?)`);
    const index = indexCfpImages(imagesDir);
    const namesFile = ['list_name.txt', 'list_names.txt'].map((n) => join(dir, 'Data', n)).find((f) => existsSync(f));
    this.names = namesFile ? readLinesFile(namesFile).map((l) => l.text) : [];
    this.frontal = parsePairList(join(dir, 'Protocol', 'Pair_list_F.txt'), 'frontal', index);
    this.profile = parsePairList(join(dir, 'Protocol', 'Pair_list_P.txt'), 'profile', index);
    this.folds = { FF: this.readProtocol('FF'), FP: this.readProtocol('FP') };
  }

  private readProtocol(kind: 'FF' | 'FP'): CfpPair[][] {
    const base = join(this.dir, 'Protocol', 'Split', kind);
    if (!existsSync(base)) throw new DatasetLayoutError(`${base}: protocol folder not found`);
    const folders = readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
    const second = kind === 'FF' ? this.frontal : this.profile;
    return folders.map((folder, k) => {
      const fold = k + 1;
      if (Number(folder) !== fold) throw new DatasetLayoutError(`${base}: fold folders must be 01..NN without gaps; found ${folder} where ${String(fold).padStart(2, '0')} was expected`);
      const pairs: CfpPair[] = [];
      for (const which of ['same', 'diff'] as const) {
        const file = join(base, folder, `${which}.txt`);
        if (!existsSync(file)) throw new DatasetFormatError(file, undefined, 'file not found');
        for (const { line, i, j } of parseCfpPairFile(readFileSync(file, 'utf8'), file, this.frontal.length, second.length)) {
          const first = this.frontal[i - 1]!;
          const other = second[j - 1]!;
          if ((first.identity === other.identity) !== (which === 'same')) {
            throw new DatasetFormatError(file, line, `a ${which} pair joins identities ${first.identity} and ${other.identity}`);
          }
          pairs.push({ fold, same: which === 'same', first, second: other });
        }
      }
      return pairs;
    });
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

export function loadCfp(dir: string): CfpDataset {
  return new CfpDataset(dir);
}
