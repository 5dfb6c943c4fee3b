/** YouTube Faces text formats and frame-pair sampling (no file system: usable in the browser). */
import { DatasetFormatError } from './errors';
import { checkPathSegment, parseIntField, parseNumberField, splitLines } from './lines';
import { mixSeed, mulberry32 } from './rng';

/** A video reference `Name/number` as written in splits.txt. */
export interface YtfVideo {
  readonly name: string;
  readonly video: string;
}

export interface YtfPair {
  /** 1-based split (fold). */
  readonly split: number;
  readonly pairId: number;
  readonly first: YtfVideo;
  readonly second: YtfVideo;
  readonly same: boolean;
  readonly line: number;
}

function parseVideo(value: string, what: string, file: string, line: number): YtfVideo {
  const parts = value.split('/');
  if (parts.length !== 2 || parts[0]!.length === 0 || parts[1]!.length === 0) {
    throw new DatasetFormatError(file, line, `${what} must be \`Name/video\`, got ${JSON.stringify(value)}`);
  }
  // Both parts become folders under the frame root: `../x`, `Ann/..` or `C:/x` would leave it.
  checkPathSegment(parts[0]!, `${what}'s name`, file, line);
  checkPathSegment(parts[1]!, `${what}'s video`, file, line);
  return { name: parts[0]!, video: parts[1]! };
}

/** The official header line, compared with case and spacing ignored. */
const YTF_HEADER = 'split number,pair id,first name,second name,is same';
const normalizeHeader = (text: string): string =>
  text
    .split(',')
    .map((f) => f.trim().toLowerCase().replace(/\s+/g, ' '))
    .join(',');

/**
 * Parses `splits.txt`: rows `split, pair, Name/video, Name/video, same` with an optional
 * header line (the official file has `split number, pair id, first name, second name, is same`;
 * some copies drop it). Only that header is skipped: any other first line is read as a row, so
 * a malformed first row is an error, never silently dropped. A video pair listed twice in one
 * split (in either order), a video paired with itself and a name with `..`, `/`, `\` or a drive
 * prefix are errors too.
 */
export function parseYtfSplits(text: string, file = 'splits.txt'): YtfPair[] {
  const lines = splitLines(text);
  if (lines.length === 0) throw new DatasetFormatError(file, undefined, 'file is empty');
  const start = normalizeHeader(lines[0]!.text) === YTF_HEADER ? 1 : 0;
  const pairs: YtfPair[] = [];
  const seen = new Map<string, number>();
  const seenVideos = new Map<string, number>();
  for (let k = start; k < lines.length; k++) {
    const { line, text: t } = lines[k]!;
    const f = t.split(',').map((s) => s.trim());
    if (f.length !== 5) {
      throw new DatasetFormatError(file, line, `expected 5 comma-separated fields \`split, pair, Name/video, Name/video, same\`, got ${f.length}: ${JSON.stringify(t)}`);
    }
    const split = parseIntField(f[0], 'split number', file, line, 1);
    const pairId = parseIntField(f[1], 'pair id', file, line, 1);
    const first = parseVideo(f[2]!, 'first video', file, line);
    const second = parseVideo(f[3]!, 'second video', file, line);
    if (f[4] !== '0' && f[4] !== '1') throw new DatasetFormatError(file, line, `same must be 0 or 1, got ${JSON.stringify(f[4])}`);
    const same = f[4] === '1';
    if (same && first.name !== second.name) {
      throw new DatasetFormatError(file, line, `marked same (1) but the videos are of different people (${first.name}, ${second.name})`);
    }
    const key = `${split}:${pairId}`;
    const previous = seen.get(key);
    if (previous !== undefined) throw new DatasetFormatError(file, line, `split ${split} pair ${pairId} already appears on line ${previous}`);
    seen.set(key, line);
    const a = `${first.name}/${first.video}`;
    const b = `${second.name}/${second.video}`;
    if (a === b) throw new DatasetFormatError(file, line, `pairs video ${a} with itself`);
    const videos = `${split}:${a < b ? `${a}|${b}` : `${b}|${a}`}`;
    const earlier = seenVideos.get(videos);
    if (earlier !== undefined) throw new DatasetFormatError(file, line, `videos ${a} and ${b} are already paired in split ${split} on line ${earlier}`);
    seenVideos.set(videos, line);
    pairs.push({ split, pairId, first, second, same, line });
  }
  return pairs;
}

/** A face box from `Name.labeled_faces.txt`, converted from centre to top-left corner. */
export interface YtfFaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Parses `Name.labeled_faces.txt`: rows `Name\video\frame.jpg,ignored,cx,cy,w,h,ignored,ignored`
 * where (cx, cy) is the face centre. Returns `video/frame.jpg` → box.
 */
export function parseYtfLabeledFaces(text: string, file = 'labeled_faces.txt'): Map<string, YtfFaceBox> {
  const out = new Map<string, YtfFaceBox>();
  for (const { line, text: t } of splitLines(text)) {
    const f = t.split(',');
    if (f.length < 6) throw new DatasetFormatError(file, line, `expected \`file,_,cx,cy,w,h,…\` (at least 6 fields), got ${f.length}: ${JSON.stringify(t)}`);
    const parts = f[0]!.trim().split(/[\\/]/);
    if (parts.length < 2) throw new DatasetFormatError(file, line, `frame path must be \`Name\\video\\frame.jpg\`, got ${JSON.stringify(f[0])}`);
    const cx = parseNumberField(f[2], 'face centre x', file, line);
    const cy = parseNumberField(f[3], 'face centre y', file, line);
    const width = parseNumberField(f[4], 'face width', file, line);
    const height = parseNumberField(f[5], 'face height', file, line);
    if (width <= 0 || height <= 0) throw new DatasetFormatError(file, line, `face box must have positive size, got ${width}×${height}`);
    out.set(parts.slice(-2).join('/'), { x: cx - width / 2, y: cy - height / 2, width, height });
  }
  return out;
}

export interface YtfFramePair {
  readonly pair: YtfPair;
  readonly frame1: string;
  readonly frame2: string;
  readonly same: boolean;
}

/**
 * Draws `count` frame pairs for one video pair, one frame from each video, uniformly.
 * Pairs are distinct while the videos have enough frame combinations; otherwise (tiny
 * videos) they repeat. The stream is seeded by (seed, split, pair id), so a pair's frames
 * do not depend on which other pairs were sampled or in what order.
 */
export function sampleYtfFramePairs(
  pair: YtfPair,
  frames1: readonly string[],
  frames2: readonly string[],
  count: number,
  seed: number,
): YtfFramePair[] {
  if (frames1.length === 0 || frames2.length === 0) throw new RangeError(`split ${pair.split} pair ${pair.pairId}: a video has no frames`);
  const rng = mulberry32(mixSeed(seed, pair.split, pair.pairId));
  const combos = frames1.length * frames2.length;
  const distinct = combos >= count;
  const used = new Set<number>();
  const out: YtfFramePair[] = [];
  while (out.length < count) {
    const i = rng.int(frames1.length);
    const j = rng.int(frames2.length);
    if (distinct) {
      const key = i * frames2.length + j;
      if (used.has(key)) continue;
      used.add(key);
    }
    out.push({ pair, frame1: frames1[i]!, frame2: frames2[j]!, same: pair.same });
  }
  return out;
}

