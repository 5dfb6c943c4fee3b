/**
 * YouTube Faces: `splits.txt` (5,000 video pairs in 10 splits), the frame folders
 * (`frame_images_DB` or `aligned_images_DB`), `Name.labeled_faces.txt` face boxes, and
 * DeepFace's frame-pair sampling (50 frame pairs per training video pair, 100 per test pair).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { parseYtfLabeledFaces, parseYtfSplits, sampleYtfFramePairs, type YtfFaceBox, type YtfFramePair, type YtfPair, type YtfVideo } from './ytf-text';

export * from './ytf-text';

/** Reads splits.txt from disk (see {@link parseYtfSplits}). */
export function loadYtfSplits(file: string): YtfPair[] {
  if (!existsSync(file)) throw new DatasetFormatError(file, undefined, 'file not found');
  return parseYtfSplits(readFileSync(file, 'utf8'), file);
}

/** The trailing frame number of `0.555.jpg` or `aligned_detect_0.555.jpg` (NaN when absent). */
function frameNumber(file: string): number {
  const m = /(\d+)\.(?:jpe?g|png)$/i.exec(file);
  return m ? Number(m[1]) : Number.NaN;
}

/** A name that becomes one folder or file name under the frame root (no `..`, separators or drive prefix). */
function plainName(value: string, what: string): void {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value) || /^[A-Za-z]:/.test(value)) {
    throw new RangeError(`YtfFrames: ${what} must be a plain folder name, got ${JSON.stringify(value)}`);
  }
}

/**
 * The frames of a YTF copy: `root` may be the `frame_images_DB` / `aligned_images_DB`
 * folder itself or a folder containing one of them (frame_images_DB preferred).
 */
export class YtfFrames {
  readonly framesDir: string;
  readonly layout: 'frame_images_DB' | 'aligned_images_DB' | 'plain';
  private readonly cache = new Map<string, string[]>();

  constructor(root: string) {
    if (!existsSync(root)) throw new DatasetLayoutError(`YTF frame folder not found: ${root}`);
    const candidates = ['frame_images_DB', 'aligned_images_DB'] as const;
    const base = root.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
    const inside = candidates.find((c) => c === base);
    if (inside) {
      this.framesDir = root;
      this.layout = inside;
    } else {
      const found = candidates.find((c) => existsSync(join(root, c)));
      this.framesDir = found ? join(root, found) : root;
      this.layout = found ?? 'plain';
    }
  }

  /** Frame files of a video, sorted by frame number; throws naming the folder when there are none. */
  frames(video: YtfVideo): readonly string[] {
    plainName(video.name, 'video name');
    plainName(video.video, 'video number');
    const key = `${video.name}/${video.video}`;
    let list = this.cache.get(key);
    if (!list) {
      const dir = join(this.framesDir, video.name, video.video);
      if (!existsSync(dir)) throw new DatasetLayoutError(`YTF video folder not found: ${dir}`);
      list = readdirSync(dir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort((a, b) => frameNumber(a) - frameNumber(b) || a.localeCompare(b))
        .map((f) => join(dir, f));
      if (list.length === 0) throw new DatasetLayoutError(`YTF video folder has no frames: ${dir}`);
      this.cache.set(key, list);
    }
    return list;
  }

  /** Face boxes of one person from `Name.labeled_faces.txt` (frame_images_DB only); undefined when absent. */
  faceBoxes(name: string): Map<string, YtfFaceBox> | undefined {
    plainName(name, 'person name');
    const file = join(this.framesDir, `${name}.labeled_faces.txt`);
    return existsSync(file) ? parseYtfLabeledFaces(readFileSync(file, 'utf8'), file) : undefined;
  }
}

export interface YtfFoldOptions {
  /** Seed of all sampling (default 0). */
  seed?: number;
  /** Frame pairs per training video pair (DeepFace: 50). */
  trainPairsPerVideoPair?: number;
  /** Frame pairs per test video pair (DeepFace: 100; the score is their mean similarity). */
  testPairsPerVideoPair?: number;
}

export interface YtfFold {
  readonly split: number;
  /** Frame pairs from the video pairs of the other splits. */
  readonly train: YtfFramePair[];
  /** For each test video pair, its sampled frame pairs. */
  readonly test: { pair: YtfPair; framePairs: YtfFramePair[] }[];
}

/** The 10-fold protocol: for test split k, frame pairs of the other splits for training and of split k for testing. */
export function ytfFold(pairs: readonly YtfPair[], frames: YtfFrames, testSplit: number, options: YtfFoldOptions = {}): YtfFold {
  const { seed = 0, trainPairsPerVideoPair = 50, testPairsPerVideoPair = 100 } = options;
  if (!pairs.some((p) => p.split === testSplit)) throw new RangeError(`ytfFold: no pairs in split ${testSplit}`);
  const train: YtfFramePair[] = [];
  const test: YtfFold['test'] = [];
  for (const p of pairs) {
    const f1 = frames.frames(p.first);
    const f2 = frames.frames(p.second);
    if (p.split === testSplit) test.push({ pair: p, framePairs: sampleYtfFramePairs(p, f1, f2, testPairsPerVideoPair, seed) });
    else train.push(...sampleYtfFramePairs(p, f1, f2, trainPairsPerVideoPair, seed));
  }
  return { split: testSplit, train, test };
}
