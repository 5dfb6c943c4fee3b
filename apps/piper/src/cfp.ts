/**
 * CFP as a PIPER dataset: instances = the 7,000 CFP images (500 people × 10 frontal + 4 profile).
 * Parts:
 *   global  (fires on every image): appearance descriptor of the whole image (hair, clothes, background);
 *   face    (fires when our detector finds a face with score ≥ FACE_MIN_SCORE and 3D
 *           frontalization fits it within FACE_MAX_YAW): the DeepFace descriptor of the
 *           frontalized crop, through @deepface-ts/describer (the path verify and identify use;
 *           `face: 'dlib'` for dlib's ResNet on its chip instead);
 *   profile (fires on profile views): descriptor of the face box from CFP's 30 fiducials.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeImage, loadCfp, type CfpImage } from '@deepface-ts/datasets';
import { createDescriber, type DescriptorName } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { appearanceDescriptor, descriptorLength, type CropBox } from '@deepface-ts/piper';
import { createProgress } from '@deepface-ts/progress';

export const CFP_PARTS = ['global', 'face', 'profile'] as const;
const DESCRIPTOR_VERSION = 'v4-global64-2lvl-describer-face-s0.8-y45-profile80-3lvl-grad8';
/** The face part fires only on confident detections… */
export const FACE_MIN_SCORE = 0.8;
/** …whose frontalization camera is within this yaw (degrees): beyond it most of the crop is mirrored. */
export const FACE_MAX_YAW = 45;
/** Whole image: colour matters (hair, clothes, background), coarse layout. */
const GLOBAL_DESCRIPTOR = { width: 64, height: 64, levels: 2, gradientGrid: 4 };
/** Profile crops: finer texture grid (LBP and gradients on 4×4 and 8×8 cells), as in LBP face descriptors. */
const FACE_DESCRIPTOR = { width: 80, height: 80, levels: 3, gradientGrid: 8 };

export interface CfpFeatures {
  /** 1-based CFP identity per instance. */
  identities: Int32Array;
  pose: ('frontal' | 'profile')[];
  paths: string[];
  /** Per part: n×d descriptors (zeros where the part does not fire) and fires. */
  parts: { name: string; X: Float32Array; d: number; fires: Uint8Array }[];
  /** Images that could not be used, with the reason (the run goes on without them). */
  failures: { path: string; reason: string }[];
}

/** Square box around the fiducials, enlarged by `margin` of its side on each side. */
export function fiducialBox(points: Float32Array, margin = 0.2): CropBox {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]);
    x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    y1 = Math.max(y1, points[i + 1]);
  }
  const side = Math.max(x1 - x0, y1 - y0) * (1 + 2 * margin);
  return { x: (x0 + x1) / 2 - side / 2, y: (y0 + y1) / 2 - side / 2, width: side, height: side };
}

function cachePath(dir: string, root: string): string {
  const key = createHash('sha1').update(`${dir}|${DESCRIPTOR_VERSION}`).digest('hex').slice(0, 12);
  return join(root, 'node_modules', '.cache', 'deepface-ts', `piper-cfp-${key}.bin`);
}

interface CacheHeader {
  n: number;
  d: number[];
  identities: number[];
  pose: ('frontal' | 'profile')[];
  paths: string[];
  fires: number[][];
  failures: { path: string; reason: string }[];
}

function readCache(file: string): CfpFeatures | undefined {
  if (!existsSync(file)) return undefined;
  const buf = readFileSync(file);
  const headerLen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as CacheHeader;
  const body = buf.subarray(4 + headerLen);
  const floats = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const offsets = [0];
  for (const d of header.d) offsets.push(offsets[offsets.length - 1] + header.n * d);
  if (floats.length !== offsets[offsets.length - 1]) return undefined;
  return {
    identities: Int32Array.from(header.identities),
    pose: header.pose,
    paths: header.paths,
    failures: header.failures,
    parts: CFP_PARTS.map((name, p) => ({ name, d: header.d[p], X: floats.slice(offsets[p], offsets[p + 1]), fires: Uint8Array.from(header.fires[p]) })),
  };
}

/** Written to a temp file then renamed, so an interrupted run never leaves a half-written cache. */
function writeCache(file: string, f: CfpFeatures): void {
  mkdirSync(dirname(file), { recursive: true });
  const n = f.identities.length;
  const header: CacheHeader = { n, d: f.parts.map((p) => p.d), identities: Array.from(f.identities), pose: f.pose, paths: f.paths, fires: f.parts.map((p) => Array.from(p.fires)), failures: f.failures };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length, 0);
  const body = Buffer.concat(f.parts.map((p) => Buffer.from(p.X.buffer, p.X.byteOffset, p.X.byteLength)));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([len, h, body]));
  renameSync(tmp, file);
}

/** Decodes every CFP image and computes the three parts' descriptors (cached under node_modules/.cache). */
export async function cfpFeatures(dir: string, repoRoot: string, opts: { limitIdentities?: number; silent?: boolean; face?: DescriptorName } = {}): Promise<CfpFeatures> {
  const cfp = loadCfp(dir);
  let images: CfpImage[] = [...cfp.frontal, ...cfp.profile];
  if (opts.limitIdentities) images = images.filter((im) => im.identity <= opts.limitIdentities!);
  // The face part: the shared describer (DeepFace by default, as in the PIPER paper).
  const describer = await createDescriber({ descriptor: opts.face ?? 'deepface', requireThreshold: false });
  const cache = cachePath(`${dir}|${opts.limitIdentities ?? 'all'}|${describer.id}`, repoRoot);
  const cached = readCache(cache);
  if (cached) {
    describer.dispose();
    if (!opts.silent) console.error(`CFP features from cache ${cache}`);
    return cached;
  }
  const dGlobal = descriptorLength(GLOBAL_DESCRIPTOR);
  const dFace = describer.dim;
  const dProfile = descriptorLength(FACE_DESCRIPTOR);
  const n = images.length;
  const identities = new Int32Array(n);
  const pose: ('frontal' | 'profile')[] = [];
  const paths: string[] = [];
  const parts = CFP_PARTS.map((name, p) => {
    const d = [dGlobal, dFace, dProfile][p]!;
    return { name, d, X: new Float32Array(n * d), fires: new Uint8Array(n) };
  });
  const failures: { path: string; reason: string }[] = [];
  const bar = createProgress({ label: `CFP descriptors (face: ${describer.id})`, total: n, unit: 'img', silent: opts.silent });
  let kept = 0;
  let faceFires = 0;
  for (const im of images) {
    try {
      const img = (await decodeImage(im.path)) as RgbImage<Uint8Array>;
      const j = kept;
      parts[0].X.set(appearanceDescriptor(img, undefined, GLOBAL_DESCRIPTOR), j * dGlobal);
      parts[0].fires[j] = 1;
      const face = chooseFace(await describer.detect(img), 'largest', img.width, img.height);
      if (face && face.score >= FACE_MIN_SCORE) {
        const [described] = await describer.describeFaces(img, [face], im.path);
        // The yaw gate is the 3D frontalization's (no yaw for other alignments).
        if (described && (described.yaw === undefined || Math.abs(described.yaw) <= FACE_MAX_YAW)) {
          parts[1].X.set(described.feature, j * dFace);
          parts[1].fires[j] = 1;
          faceFires++;
        }
      }
      if (im.pose === 'profile') {
        parts[2].X.set(appearanceDescriptor(img, fiducialBox(cfp.fiducials(im)), FACE_DESCRIPTOR), j * dProfile);
        parts[2].fires[j] = 1;
      }
      identities[j] = im.identity;
      pose.push(im.pose);
      paths.push(im.path);
      kept++;
    } catch (error) {
      failures.push({ path: im.path, reason: error instanceof Error ? error.message : String(error) });
    }
    bar.tick();
  }
  describer.dispose();
  bar.done(`${kept} images, face part fired on ${faceFires}, ${failures.length} failed`);
  const out: CfpFeatures = {
    identities: identities.slice(0, kept),
    pose,
    paths,
    failures,
    parts: parts.map((p) => ({ ...p, X: p.X.slice(0, kept * p.d), fires: p.fires.slice(0, kept) })),
  };
  writeCache(cache, out);
  return out;
}
