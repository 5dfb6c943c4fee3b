/**
 * Quality of the alignment on real photos (DeepFace §2, the paper's Fig. 1):
 * - LFW View 2 images and CFP profile images: detect → 2D alignment (iterated with
 *   re-detection) → 3D frontalization; success = a crop was produced;
 * - NME: the 68 landmarks re-detected on each output crop against the template positions,
 *   mean point distance divided by the template's inter-ocular distance;
 * - the Procrustes distance of the package's 3D shape to the reference one;
 * - a contact sheet PNG (original with landmarks and mesh, visibility shading, 2D crop,
 *   3D crop) written to --out, outside the repository.
 * Last stdout line: one JSON object.
 *
 *   pnpm --filter @deepface-ts/frontalize eval [--lfw 1000] [--cfp 2000] [--sheet 12] [--out DIR] [--shape face.csv] [--fallback-score 0.2]
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FaceDetector } from '@deepface-ts/detect';
import type { RgbImage } from '@deepface-ts/image';
import { createProgress } from '@deepface-ts/progress';
import {
  align2d, applyAffine, createFrontalizer, createTemplate, DEFAULT_SHAPE, parseShapeCsv, procrustes,
  warpAffine, type FrontalizeResult, type FrontalTemplate,
} from '../src/index.js';
import { blankRgb, blit, drawDot, drawLine, fillTriangle, type Rgb } from './draw.js';
import {
  cfpImages, collectLandmarks, datasetsRoot, intArg, LandmarkCache, lfwView2Images, loadRgb, parseArgs, referenceShapeCsv, requireDatasets, savePng, spread, writeFileAtomic,
} from './lib.js';

const args = parseArgs();
requireDatasets('eval');
const lfwCount = intArg(args, 'lfw', 1000);
const cfpCount = intArg(args, 'cfp', 2000);
const sheetRows = intArg(args, 'sheet', 12);
const outDir = resolve(args.get('out') ?? join(tmpdir(), 'deepface-ts', 'frontalize-eval'));
const shapePath = args.get('shape');
const shape = shapePath ? parseShapeCsv(readFileSync(shapePath, 'utf8'), shapePath) : DEFAULT_SHAPE;

const template = createTemplate({ shape });
const frontalizer = createFrontalizer(template);
const { createFaceDetector } = await import('@deepface-ts/detect');
const detector: FaceDetector = await createFaceDetector();
const cache = new LandmarkCache('landmarks-ssd');

interface Sample {
  path: string;
  image: RgbImage<Uint8Array>;
  landmarks: Float64Array;
  box: { x: number; y: number; width: number; height: number };
  crop2d: RgbImage<Uint8Array>;
  front: FrontalizeResult<Uint8Array>;
}

/** Mean landmark distance to the template, in template inter-ocular distances. */
function nme(points: ArrayLike<number>, tpl: FrontalTemplate): number {
  let s = 0;
  for (let i = 0; i < 68; i++) s += Math.hypot(points[2 * i]! - tpl.landmarks[2 * i]!, points[2 * i + 1]! - tpl.landmarks[2 * i + 1]!);
  return s / 68 / tpl.interOcularPixels;
}

interface SetResult {
  images: number;
  /** Faces found at the detector's default score. */
  detectedFirstPass: number;
  detected: number;
  success: number;
  nme2d: number[];
  nme3d: number[];
  /** NME of the 3D crop warped onto the generic shape (residualScale 0). */
  nme3dGeneric: number[];
  yaw: number[];
  mirroredFraction: number[];
  samples: Sample[];
}

/**
 * Second chance for images where the detector found nothing at its default score 0.5: the
 * same detector at score ≥ `fallbackScore` (profiles score low), still taking the central face.
 */
const fallbackScore = Number(args.get('fallback-score') ?? 0.2);
let fallbackDetector: FaceDetector | undefined;
const fallbackCache = new LandmarkCache(`landmarks-ssd-min${fallbackScore}`);

async function evaluate(name: string, paths: string[], keep: number): Promise<SetResult> {
  const faces = await collectLandmarks(paths, cache, `detect ${name}`, async () => detector);
  const missed = paths.filter((p) => !faces.get(p));
  const firstPass = paths.length - missed.length;
  if (missed.length && fallbackScore > 0 && fallbackScore < 0.5) {
    const second = await collectLandmarks(missed, fallbackCache, `detect ${name} (score ≥ ${fallbackScore})`, async () => (fallbackDetector ??= await createFaceDetector({ minScore: fallbackScore })));
    for (const [p, f] of second) if (f) faces.set(p, f);
  }
  const progress = createProgress({ label: `align ${name}`, total: paths.length, unit: 'img' });
  const succeeded: Array<{ path: string; box: Sample['box']; landmarks: number[] }> = [];
  const result: SetResult = { images: paths.length, detectedFirstPass: firstPass, detected: 0, success: 0, nme2d: [], nme3d: [], nme3dGeneric: [], yaw: [], mirroredFraction: [], samples: [] };
  let failures = 0;
  for (const path of paths) {
    const face = faces.get(path);
    if (face) {
      result.detected++;
      try {
        const image = await loadRgb(join(datasetsRoot, path));
        const aligned = await align2d(image, face.landmarks, { template, detector, dtype: 'uint8', source: path });
        const front = frontalizer.frontalize(image, aligned.landmarks, { dtype: 'uint8', source: path });
        result.success++;
        const generic = frontalizer.frontalize(image, aligned.landmarks, { dtype: 'uint8', residualScale: 0, source: path });
        const [on2d, on3d, on3dGeneric] = [
          await detector.landmarks(aligned.image, template.faceBox),
          await detector.landmarks(front.image, template.faceBox),
          await detector.landmarks(generic.image, template.faceBox),
        ];
        result.nme2d.push(nme(on2d, template));
        result.nme3d.push(nme(on3d, template));
        result.nme3dGeneric.push(nme(on3dGeneric, template));
        result.yaw.push(front.pose.yaw);
        result.mirroredFraction.push(front.mirrored.reduce((s, v) => s + v, 0) / front.mirrored.length);
        succeeded.push({ path, box: face.box, landmarks: face.landmarks });
      } catch (err) {
        failures++;
        console.error(`${path}: ${(err as Error).message}`);
      }
    }
    const mean = (xs: number[]): string => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3) : '-');
    progress.tick(1, `nme2d ${mean(result.nme2d)} nme3d ${mean(result.nme3d)}${failures ? `, ${failures} failed` : ''}`);
  }
  progress.done();
  // Contact-sheet rows: `keep` successes spread over the set, aligned again (cheap) so that
  // no image has to be held in memory during the run.
  for (const { path, box, landmarks } of spread(succeeded, keep)) {
    const image = await loadRgb(join(datasetsRoot, path));
    const aligned = await align2d(image, landmarks, { template, detector, dtype: 'uint8', source: path });
    const front = frontalizer.frontalize(image, aligned.landmarks, { dtype: 'uint8', source: path });
    result.samples.push({ path, image, landmarks: aligned.landmarks, box, crop2d: aligned.image, front });
  }
  return result;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (args.has('detect-only')) {
  // Fill the landmark cache only (e.g. ahead of a run, or on another machine).
  await collectLandmarks(spread(lfwView2Images(), lfwCount), cache, 'detect lfw', async () => detector);
  await collectLandmarks(spread(cfpImages('profile'), cfpCount), cache, 'detect cfp-profile', async () => detector);
  detector.dispose();
  process.exit(0);
}
const lfw = await evaluate('lfw', spread(lfwView2Images(), lfwCount), sheetRows);
const cfp = await evaluate('cfp-profile', spread(cfpImages('profile'), cfpCount), sheetRows);
detector.dispose();
fallbackDetector?.dispose();

let procrustesToReference: number | null = null;
if (existsSync(referenceShapeCsv)) {
  procrustesToReference = procrustes(shape, parseShapeCsv(readFileSync(referenceShapeCsv, 'utf8'), referenceShapeCsv)).distance;
}

// Contact sheet: one row per sample, four panels (original + landmarks + mesh, visibility, 2D, 3D),
// LFW samples in the left half and CFP profile samples in the right.
const tile = template.size;
const gap = 4;
const rows = Math.max(lfw.samples.length, cfp.samples.length);
const sheet = blankRgb(8 * tile + 9 * gap, rows * (tile + gap) + gap, [32, 32, 32]);
const meshTriangles = Array.from({ length: template.triangles.length / 3 }, (_, k) => k).filter((k) => {
  const t = template.triangles;
  return t[3 * k]! < 68 && t[3 * k + 1]! < 68 && t[3 * k + 2]! < 68;
});

function panels(s: Sample): RgbImage<Uint8Array>[] {
  // Original view: a square around the face box, 1.6× its size, resampled to one tile.
  const side = 1.6 * Math.max(s.box.width, s.box.height);
  const scale = side / tile;
  const x0 = s.box.x + s.box.width / 2 - side / 2;
  const y0 = s.box.y + s.box.height / 2 - side / 2;
  const toPanel = [1 / scale, 0, -x0 / scale, 0, 1 / scale, -y0 / scale];
  const view = (): RgbImage<Uint8Array> => warpAffine(s.image, [scale, 0, x0, 0, scale, y0], tile, tile, { dtype: 'uint8', border: 'zero' }) as RgbImage<Uint8Array>;
  const verts = applyAffine(toPanel, s.front.sourceVertices);
  const original = view();
  const shading = view();
  const t = template.triangles;
  for (const k of meshTriangles) {
    const [a, b, c] = [t[3 * k]!, t[3 * k + 1]!, t[3 * k + 2]!];
    for (const [p, q] of [[a, b], [b, c], [c, a]] as const) drawLine(original, verts[2 * p]!, verts[2 * p + 1]!, verts[2 * q]!, verts[2 * q + 1]!, [80, 200, 255], 0.6);
    // Visible triangles in green (brighter when facing the camera), hidden ones red, mirrored-filled ones blue.
    const f = s.front.facing[k]!;
    const colour: Rgb = s.front.mirrored[k] ? [40, 90, 255] : s.front.visible[k] ? [0, Math.round(80 + 175 * f), 0] : [255, 30, 30];
    fillTriangle(shading, verts, a, b, c, colour, 0.45);
  }
  for (let i = 0; i < 68; i++) drawDot(original, verts[2 * i]!, verts[2 * i + 1]!, [255, 220, 0], 1);
  return [original, shading, s.crop2d, s.front.image];
}

for (const [half, set] of [lfw, cfp].entries()) {
  set.samples.forEach((s, r) => {
    panels(s).forEach((p, c) => blit(sheet, p, gap + (half * 4 + c) * (tile + gap), gap + r * (tile + gap)));
  });
}
const sheetPath = join(outDir, 'contact-sheet.png');
await savePng(sheetPath, sheet);

const summary = {
  lfw_images: lfw.images,
  lfw_detected_at_default_score: lfw.detectedFirstPass / lfw.images,
  lfw_success: lfw.success / lfw.images,
  lfw_nme_2d: mean(lfw.nme2d),
  lfw_nme_3d: mean(lfw.nme3d),
  lfw_nme_3d_generic_shape: mean(lfw.nme3dGeneric),
  lfw_nme_2d_median: median(lfw.nme2d),
  lfw_nme_3d_median: median(lfw.nme3d),
  cfp_profile_images: cfp.images,
  cfp_profile_detected_at_default_score: cfp.detectedFirstPass / cfp.images,
  cfp_profile_detected: cfp.detected / cfp.images,
  fallback_min_score: fallbackScore,
  cfp_profile_success: cfp.success / cfp.images,
  cfp_profile_nme_2d: mean(cfp.nme2d),
  cfp_profile_nme_3d: mean(cfp.nme3d),
  cfp_profile_nme_3d_generic_shape: mean(cfp.nme3dGeneric),
  cfp_profile_mean_abs_yaw: mean(cfp.yaw.map(Math.abs)),
  cfp_profile_mirrored_fraction: mean(cfp.mirroredFraction),
  shape: shapePath ?? 'default (estimated by scripts/estimate-shape.ts)',
  shape_procrustes_to_reference: procrustesToReference,
  contact_sheet: sheetPath,
};
writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
console.error(`contact sheet: ${sheetPath}`);
console.log(JSON.stringify(summary));
