/**
 * What the package's scripts (estimate-shape, eval, bench) share: dataset paths, JPEG
 * decoding, the detector, and a landmark cache so repeated runs skip detection.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '@deepface-ts/image';
import sharp from 'sharp';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(packageRoot, '../..');
export const datasetsRoot = process.env.DEEPFACE_DATASETS ?? resolve(repoRoot, '../shared/datasets');
export const referenceShapeCsv = join(datasetsRoot, 'face3d/meanshape68.csv');

export function requireDatasets(what: string): void {
  if (!existsSync(datasetsRoot)) {
    console.error(`${what}: the datasets folder ${datasetsRoot} is missing (set DEEPFACE_DATASETS)`);
    process.exit(2);
  }
}

/** --name value and --flag arguments. */
export function parseArgs(argv = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[i + 1]?.startsWith('--') === false ? argv[++i]! : 'true'];
    args.set(k!, v!);
  }
  return args;
}

export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const v = args.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

export async function loadRgb(path: string): Promise<RgbImage<Uint8Array>> {
  const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: decoded to ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function savePng(path: string, image: RgbImage<Uint8Array>): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}.png`;
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(tmp);
  renameSync(tmp, path);
}

/** Writes via a temporary file and a rename, so a crash never leaves a half-written file. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** LFW View 2 (pairs.txt) image paths in file order, without repeats. */
export function lfwView2Images(): string[] {
  const lines = readFileSync(join(datasetsRoot, 'lfw/pairs.txt'), 'utf8').trim().split(/\r?\n/).slice(1);
  const seen = new Set<string>();
  const name = (person: string, i: string): string => `lfw/lfw-deepfunneled/${person}/${person}_${i.padStart(4, '0')}.jpg`;
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    const pair = f.length === 3 ? [name(f[0]!, f[1]!), name(f[0]!, f[2]!)] : [name(f[0]!, f[1]!), name(f[2]!, f[3]!)];
    for (const p of pair) seen.add(p);
  }
  return [...seen];
}

/** LFW View 1 training people's images (disjoint from the View 2 evaluation only in spirit: LFW reuses people). */
export function lfwDevTrainImages(): string[] {
  const lines = readFileSync(join(datasetsRoot, 'lfw/peopleDevTrain.txt'), 'utf8').trim().split(/\r?\n/).slice(1);
  const out: string[] = [];
  for (const line of lines) {
    const [person, count] = line.trim().split(/\s+/);
    for (let i = 1; i <= Number(count); i++) out.push(`lfw/lfw-deepfunneled/${person}/${person}_${String(i).padStart(4, '0')}.jpg`);
  }
  return out;
}

/** CFP images of one kind ('frontal' or 'profile') from Protocol/Pair_list_{F,P}.txt, in list order. */
export function cfpImages(kind: 'frontal' | 'profile'): string[] {
  const list = readFileSync(join(datasetsRoot, `cfp/Protocol/Pair_list_${kind === 'frontal' ? 'F' : 'P'}.txt`), 'utf8').trim().split(/\r?\n/);
  return list.map((line) => {
    const rel = line.trim().split(/\s+/)[1]!.replace(/^\.\.\//, '');
    // The list says Data/Images/NNN/…; the copy here splits people into train/ and test/.
    const m = /Data\/Images\/(\d+)\/(.*)$/.exec(rel);
    if (!m) throw new Error(`cfp Pair_list: cannot parse "${line}"`);
    for (const split of ['train', 'test']) {
      const p = `cfp/Data/Images/${split}/${m[1]}/${m[2]}`;
      if (existsSync(join(datasetsRoot, p))) return p;
    }
    return `cfp/${rel}`;
  });
}

/** Every k-th element so that about n are taken, spread over the whole list. */
export function spread<T>(items: T[], n: number): T[] {
  if (n >= items.length) return items.slice();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)]!);
  return out;
}

export interface CachedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: number[];
  width: number;
  height: number;
}

/** Detections per dataset-relative path (null: no face found), kept in node_modules/.cache. */
export class LandmarkCache {
  readonly path: string;
  private entries: Record<string, CachedFace | null>;
  private dirty = 0;
  constructor(name: string) {
    this.path = join(repoRoot, 'node_modules/.cache/deepface-ts/frontalize', `${name}.json`);
    this.entries = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, CachedFace | null>) : {};
  }
  has(key: string): boolean {
    return key in this.entries;
  }
  get(key: string): CachedFace | null | undefined {
    return this.entries[key];
  }
  set(key: string, value: CachedFace | null): void {
    this.entries[key] = value;
    if (++this.dirty >= 50) this.save();
  }
  save(): void {
    if (this.dirty === 0) return;
    // Merge with what other runs wrote meanwhile (an eval and a shape estimate may share the cache).
    if (existsSync(this.path)) {
      try {
        this.entries = { ...(JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, CachedFace | null>), ...this.entries };
      } catch {
        // A corrupt cache is simply rewritten.
      }
    }
    writeFileAtomic(this.path, JSON.stringify(this.entries));
    this.dirty = 0;
  }
}

/** The face whose box centre is nearest the image centre among the confident ones (LFW and CFP are centred on the subject). */
export function pickCentralFace<F extends { box: { x: number; y: number; width: number; height: number }; score: number }>(faces: F[], width: number, height: number): F | undefined {
  let best: F | undefined;
  let bestCost = Infinity;
  for (const f of faces) {
    const cx = f.box.x + f.box.width / 2 - width / 2;
    const cy = f.box.y + f.box.height / 2 - height / 2;
    const cost = Math.hypot(cx, cy) / Math.max(width, height) - 0.5 * f.score - 0.5 * (f.box.width / width);
    if (cost < bestCost) {
      bestCost = cost;
      best = f;
    }
  }
  return best;
}

/**
 * Detected landmarks of the central face of each image, from the cache or by running the
 * detector (created on first need). A failing image is logged and counted, never fatal.
 */
export async function collectLandmarks(
  paths: string[],
  cache: LandmarkCache,
  label: string,
  getDetector: () => Promise<import('@deepface-ts/detect').FaceDetector>,
): Promise<Map<string, CachedFace | null>> {
  const { createProgress } = await import('@deepface-ts/progress');
  const out = new Map<string, CachedFace | null>();
  const todo = paths.filter((p) => !cache.has(p));
  for (const p of paths) if (cache.has(p)) out.set(p, cache.get(p)!);
  if (todo.length === 0) return out;
  const progress = createProgress({ label, total: todo.length, unit: 'img' });
  let failures = 0;
  const detector = await getDetector();
  for (const p of todo) {
    try {
      const img = await loadRgb(join(datasetsRoot, p));
      const faces = await detector.detect(img);
      const face = pickCentralFace(faces, img.width, img.height);
      const entry = face ? { box: face.box, score: face.score, landmarks: Array.from(face.landmarks), width: img.width, height: img.height } : null;
      cache.set(p, entry);
      out.set(p, entry);
    } catch (err) {
      failures++;
      console.error(`${p}: ${(err as Error).message}`);
      out.set(p, null);
    }
    progress.tick(1, failures ? `${failures} failed` : undefined);
  }
  cache.save();
  progress.done();
  return out;
}
