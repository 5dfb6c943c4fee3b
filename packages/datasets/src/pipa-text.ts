/** PIPA text formats and the PIPER head → body estimate (no file system: usable in the browser). */
import { DatasetFormatError } from './errors';
import { parseIntField, splitLines } from './lines';

/** PIPA subset codes, as the counts in all_data.txt establish them. */
export const PIPA_SUBSETS = { 0: 'leftover', 1: 'train', 2: 'val', 3: 'test' } as const;
export type PipaSubset = (typeof PIPA_SUBSETS)[keyof typeof PIPA_SUBSETS];

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PipaInstance {
  /** Flickr ids are kept as strings: photoset ids exceed 2^53 and would lose digits as numbers. */
  readonly photosetId: string;
  readonly photoId: string;
  /** Head box in pixels (x, y may be negative: heads cut by the photo border). */
  readonly head: Box;
  readonly identityId: number;
  readonly subset: PipaSubset;
  /** Split files only: which half (0 or 1) of the val/test set the instance is in. */
  readonly half?: 0 | 1;
  readonly line: number;
}

export const ID = /^\d+$/;

/**
 * Parses `all_data.txt` (8 columns `photoset_id photo_id x y w h identity_id subset_id`) or a
 * `split_{val,test}_{original,album,time,day}.txt` file (the same plus a 0/1 half column).
 * A photo with the same head box twice, or the same identity twice, is an error (the
 * published files have neither).
 */
export function parsePipaAnnotations(text: string, file = 'all_data.txt'): PipaInstance[] {
  const out: PipaInstance[] = [];
  let columns: number | undefined;
  // A head box, and a person, appear once per photo: photo + box → line, photo + identity → line.
  const boxes = new Map<string, number>();
  const people = new Map<string, number>();
  for (const { line, text: t } of splitLines(text)) {
    const f = t.split(/\s+/);
    if (f.length !== 8 && f.length !== 9) {
      throw new DatasetFormatError(file, line, `expected 8 columns \`photoset_id photo_id x y w h identity_id subset_id\` (9 with the split half), got ${f.length}: ${JSON.stringify(t)}`);
    }
    if (columns === undefined) columns = f.length;
    else if (f.length !== columns) throw new DatasetFormatError(file, line, `has ${f.length} columns but earlier lines have ${columns}`);
    if (!ID.test(f[0]!)) throw new DatasetFormatError(file, line, `photoset id must be digits, got ${JSON.stringify(f[0])}`);
    if (!ID.test(f[1]!)) throw new DatasetFormatError(file, line, `photo id must be digits, got ${JSON.stringify(f[1])}`);
    const x = parseIntField(f[2], 'head x', file, line, Number.MIN_SAFE_INTEGER);
    const y = parseIntField(f[3], 'head y', file, line, Number.MIN_SAFE_INTEGER);
    const width = parseIntField(f[4], 'head width', file, line, 1);
    const height = parseIntField(f[5], 'head height', file, line, 1);
    const identityId = parseIntField(f[6], 'identity id', file, line, 0);
    const code = parseIntField(f[7], 'subset id', file, line, 0);
    if (code > 3) throw new DatasetFormatError(file, line, `subset id must be 0 (leftover), 1 (train), 2 (val) or 3 (test), got ${code}`);
    const photo = `${f[0]} ${f[1]}`;
    const box = `${photo} ${x} ${y} ${width} ${height}`;
    const boxLine = boxes.get(box);
    if (boxLine !== undefined) throw new DatasetFormatError(file, line, `photo ${photo} has the head box ${x} ${y} ${width} ${height} already on line ${boxLine}`);
    boxes.set(box, line);
    const person = `${photo} ${identityId}`;
    const personLine = people.get(person);
    if (personLine !== undefined) throw new DatasetFormatError(file, line, `photo ${photo} has identity ${identityId} already on line ${personLine} (a person appears once in a photo)`);
    people.set(person, line);
    let half: 0 | 1 | undefined;
    if (f.length === 9) {
      if (f[8] !== '0' && f[8] !== '1') throw new DatasetFormatError(file, line, `half must be 0 or 1, got ${JSON.stringify(f[8])}`);
      half = f[8] === '1' ? 1 : 0;
    }
    out.push({
      photosetId: f[0]!,
      photoId: f[1]!,
      head: { x, y, width, height },
      identityId,
      subset: PIPA_SUBSETS[code as 0 | 1 | 2 | 3],
      ...(half === undefined ? {} : { half }),
      line,
    });
  }
  return out;
}

export interface PipaSubsetCounts {
  readonly instances: number;
  readonly identities: number;
}

/** Instances and distinct identities per subset. */
export function countPipaSubsets(instances: readonly PipaInstance[]): Record<PipaSubset, PipaSubsetCounts> {
  const ids: Record<PipaSubset, Set<number>> = { train: new Set(), val: new Set(), test: new Set(), leftover: new Set() };
  const n: Record<PipaSubset, number> = { train: 0, val: 0, test: 0, leftover: 0 };
  for (const inst of instances) {
    n[inst.subset]++;
    ids[inst.subset].add(inst.identityId);
  }
  const entry = (s: PipaSubset): PipaSubsetCounts => ({ instances: n[s], identities: ids[s].size });
  return { train: entry('train'), val: entry('val'), test: entry('test'), leftover: entry('leftover') };
}

/** The four ways of splitting val/test into halves (PIPER's original split and Oh et al.'s three harder ones). */
export const PIPA_SPLITS = ['original', 'album', 'time', 'day'] as const;
export type PipaSplit = (typeof PIPA_SPLITS)[number];

export interface HeadToBodyOptions {
  /** Body width in head widths, centred on the head (default 3). */
  widthScale?: number;
  /** Body height in head heights, from the top of the head down (default 6). */
  heightScale?: number;
  /** Clip the box to an image of this size. */
  imageSize?: { width: number; height: number };
}

/**
 * Estimates the body box from a head box. PIPER (§4.1) says only that the body is found
 * "by setting approximate offset and scaling factor"; it gives no numbers. Ours: the body
 * is 3 head widths wide, centred on the head (shoulders span about 2.5–3 head widths), and
 * 6 head heights tall from the top of the head (head plus torso to the hips of an upright
 * person, the part that PIPA photos mostly show). Both are options.
 */
export function headToBody(head: Box, options: HeadToBodyOptions = {}): Box {
  const { widthScale = 3, heightScale = 6, imageSize } = options;
  if (!(head.width > 0 && head.height > 0)) throw new RangeError(`headToBody: head box must have positive size, got ${head.width}×${head.height}`);
  const width = head.width * widthScale;
  let x0 = head.x + head.width / 2 - width / 2;
  let y0 = head.y;
  let x1 = x0 + width;
  let y1 = y0 + head.height * heightScale;
  if (imageSize) {
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(imageSize.width, x1);
    y1 = Math.min(imageSize.height, y1);
    if (x1 <= x0 || y1 <= y0) throw new RangeError(`headToBody: the body box lies outside the ${imageSize.width}×${imageSize.height} image`);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

