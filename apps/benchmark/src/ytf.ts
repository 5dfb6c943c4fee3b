/**
 * YouTube Faces, DeepFace protocol (SPEC §6): each of the 5,000 video pairs of splits.txt is
 * scored by the mean similarity of 50 frame pairs (one frame from each video), each frame cut
 * around its labelled face box and described like a still image.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatasetLayoutError, loadYtfSplits, sampleYtfFramePairs, YtfFrames, type YtfFaceBox, type YtfPair } from '@deepface-ts/datasets';
import type { RgbImage } from '@deepface-ts/image';
import { chiSquareDistance, cosineSimilarity, writeFileAtomic } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import type { Align } from './args';
import { describeImages, type CropSpec, type Descriptor, type DescribeResult } from './describe';

/** Frame pairs per video pair (the DeepFace paper: 50 per training pair, 100 per test pair). */
export const YTF_FRAME_PAIRS = 50;
/** The region cut around a face box is this many box sides wide, so alignment sees the head; the raw crop is its centre 1 / YTF_CONTEXT. */
export const YTF_CONTEXT = 2;
/** Video pairs described together; their frame descriptors are dropped once the pairs are scored (500 K frames would not fit in memory). */
const CHUNK_PAIRS = 100;

/**
 * Opens `dir` (the folder holding splits.txt): the frames must be in `dir/frame_images_DB`,
 * with one `<person>.labeled_faces.txt` per person of the splits. Errors name what is missing.
 */
export function openYtf(dir: string): { pairs: YtfPair[]; frames: YtfFrames; splitsFile: string } {
  const framesDir = join(dir, 'frame_images_DB');
  if (!existsSync(framesDir)) {
    throw new DatasetLayoutError(
      `YTF frames not found: ${framesDir} does not exist (expected ${join(framesDir, '<person>', '<video>', '*.jpg')} and ${join(framesDir, '<person>.labeled_faces.txt')} from the YouTube Faces release)`,
    );
  }
  const splitsFile = join(dir, 'splits.txt');
  const pairs = loadYtfSplits(splitsFile);
  for (const name of new Set(pairs.flatMap((p) => [p.first.name, p.second.name]))) {
    const file = join(framesDir, `${name}.labeled_faces.txt`);
    if (!existsSync(file)) throw new DatasetLayoutError(`${file}: face boxes not found (every person of ${splitsFile} needs one)`);
  }
  return { pairs, frames: new YtfFrames(framesDir), splitsFile };
}

/** The square of side `side` centred on (cx, cy), zero outside the image. */
function squareRegion(image: RgbImage<Uint8Array>, cx: number, cy: number, side: number): RgbImage<Uint8Array> {
  const x0 = Math.round(cx - side / 2);
  const y0 = Math.round(cy - side / 2);
  const data = new Uint8Array(side * side * 3);
  const xa = Math.max(0, x0);
  const xb = Math.min(image.width, x0 + side);
  for (let y = Math.max(0, y0); y < Math.min(image.height, y0 + side); y++) {
    if (xb > xa) data.set(image.data.subarray((y * image.width + xa) * 3, (y * image.width + xb) * 3), ((y - y0) * side + (xa - x0)) * 3);
  }
  return { width: side, height: side, channels: 3, data };
}

/** The crop region of a frame: YTF_CONTEXT × the longer side of its labelled face box, centred on the box. */
export function ytfBoxRegion(frames: YtfFrames): NonNullable<CropSpec['region']> {
  const boxes = new Map<string, Map<string, YtfFaceBox>>();
  return {
    key: `ytfbox${YTF_CONTEXT}`,
    of(image, path) {
      const video = basename(dirname(path));
      const person = basename(dirname(dirname(path)));
      let forPerson = boxes.get(person);
      if (!forPerson) boxes.set(person, (forPerson = frames.faceBoxes(person) ?? new Map()));
      const box = forPerson.get(`${video}/${basename(path)}`);
      if (!box) throw new Error(`no face box for ${video}/${basename(path)} in ${join(frames.framesDir, `${person}.labeled_faces.txt`)}`);
      const side = Math.max(3, Math.round(YTF_CONTEXT * Math.max(box.width, box.height)));
      return squareRegion(image, box.x + box.width / 2, box.y + box.height / 2, side);
    },
  };
}

export interface YtfScores {
  /** Mean −χ² and mean cosine over each video pair's frame pairs. */
  chi: Float64Array;
  cos: Float64Array;
  /** Video pairs none of whose frame pairs could be scored. */
  missing: number[];
  /** Frames described in this run, frames that failed, frames without a detected face. */
  described: number;
  failed: DescribeResult['failed'];
  unaligned: number;
  /** Video pairs whose scores came from the score cache. */
  fromCache: number;
  seconds: number;
}

type CachedScore = [chi: number, cos: number] | null;

/**
 * Scores every video pair: samples `framePairs` frame pairs (seeded per split and pair),
 * describes their frames chunk by chunk and averages −χ² and cosine over the frame pairs
 * whose two frames were described. Frame descriptors are not cached (there are ~500 K);
 * the video-pair scores are, in `cacheDir/ytf-scores-….json`, so a rerun takes seconds.
 */
export async function ytfScores(
  pairs: readonly YtfPair[],
  frames: YtfFrames,
  options: { descriptor: Descriptor; align: Align; crop: CropSpec; cacheDir: string | null; workers: number; seed: number; framePairs?: number },
): Promise<YtfScores> {
  const { descriptor, align, crop, seed, framePairs = YTF_FRAME_PAIRS } = options;
  const t0 = performance.now();
  const key = [descriptor.version, align, `c${crop.fraction}`, `s${crop.size}`, crop.region?.key, `seed${seed}`, `fp${framePairs}`, frames.framesDir].join('|');
  const file = options.cacheDir ? join(options.cacheDir, `ytf-scores-${descriptor.version}-${align}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.json`) : null;
  const scores = new Map<string, CachedScore>();
  if (file && existsSync(file)) {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { key: string; scores: Record<string, CachedScore> };
      if (saved.key !== key) throw new Error(`written for ${saved.key}`);
      for (const [k, v] of Object.entries(saved.scores)) scores.set(k, v);
    } catch (error) {
      console.warn(`YTF score cache ${file} is unusable (${(error as Error).message}); starting afresh`);
    }
  }
  const pairKey = (p: YtfPair) => `${p.split}:${p.pairId}:${p.first.name}/${p.first.video}:${p.second.name}/${p.second.video}`;
  const fromCache = pairs.filter((p) => scores.has(pairKey(p))).length;
  const todo = pairs.filter((p) => !scores.has(pairKey(p)));
  const chunks: { pair: YtfPair; frames: [string, string][] }[][] = [];
  for (let i = 0; i < todo.length; i += CHUNK_PAIRS) {
    chunks.push(todo.slice(i, i + CHUNK_PAIRS).map((p) => ({ pair: p, frames: sampleYtfFramePairs(p, frames.frames(p.first), frames.frames(p.second), framePairs, seed).map((f) => [f.frame1, f.frame2] as [string, string]) })));
  }
  const chunkFrames = chunks.map((c) => [...new Set(c.flatMap((p) => p.frames.flat()))]);
  const progress = todo.length ? createProgress({ label: 'ytf: describe frames', total: chunkFrames.reduce((s, c) => s + c.length, 0), unit: 'img' }) : undefined;
  const failed = new Map<string, string>();
  let unaligned = 0;
  for (const [k, chunk] of chunks.entries()) {
    const d = await describeImages(chunkFrames[k]!, { descriptor, align, crop, cacheDir: null, workers: options.workers, label: 'ytf: describe frames', progress });
    for (const f of d.failed) failed.set(f.path, f.error);
    unaligned += d.unaligned;
    for (const { pair, frames: fp } of chunk) {
      let chi = 0;
      let cos = 0;
      let n = 0;
      for (const [f1, f2] of fp) {
        const a = d.descriptors.get(f1);
        const b = d.descriptors.get(f2);
        if (!a || !b) continue;
        chi -= chiSquareDistance(a, b);
        cos += cosineSimilarity(a, b);
        n++;
      }
      scores.set(pairKey(pair), n ? [chi / n, cos / n] : null);
    }
    if (file) await writeFileAtomic(file, JSON.stringify({ key, scores: Object.fromEntries(scores) }));
  }
  progress?.done([failed.size ? `${failed.size} frames failed` : '', unaligned ? `${unaligned} without a detected face (raw box crop used)` : ''].filter(Boolean).join('; ') || undefined);
  const chi = new Float64Array(pairs.length);
  const cos = new Float64Array(pairs.length);
  const missing: number[] = [];
  pairs.forEach((p, i) => {
    const s = scores.get(pairKey(p));
    if (s) [chi[i], cos[i]] = s;
    else missing.push(i);
  });
  return {
    chi,
    cos,
    missing,
    described: progress?.state().count ?? 0,
    failed: [...failed].map(([path, error]) => ({ path, error })),
    unaligned,
    fromCache,
    seconds: (performance.now() - t0) / 1000,
  };
}
