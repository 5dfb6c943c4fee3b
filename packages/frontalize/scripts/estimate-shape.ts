/**
 * Estimates the package's generic 68-point 3D face from real photos: runs the detector over
 * LFW and CFP (frontal + profile, for pose variety), then affine structure from motion
 * (rank-3 factorisation + metric upgrade), mirror-symmetrisation and normalisation.
 * Writes src/default-shape.ts (atomically) and prints one JSON line.
 *
 *   pnpm --filter @deepface-ts/frontalize estimate-shape [--lfw 300] [--cfp-frontal 200] [--cfp-profile 400] [--trim 0.2] [--out src/default-shape.ts]
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { FaceDetector } from '@deepface-ts/detect';
import {
  affineStructureFromMotion, asymmetry, assertLandmarks, normalizeShape, parseShapeCsv, procrustes, symmetrizeShape,
} from '../src/index.js';
import {
  cfpImages, collectLandmarks, intArg, LandmarkCache, lfwDevTrainImages, packageRoot, parseArgs, referenceShapeCsv, repoRoot, requireDatasets, savePng, spread, writeFileAtomic,
} from './lib.js';
import { blankRgb, drawDot, drawLine } from './draw.js';

const args = parseArgs();
requireDatasets('estimate-shape');
const counts = { lfw: intArg(args, 'lfw', 300), cfpFrontal: intArg(args, 'cfp-frontal', 200), cfpProfile: intArg(args, 'cfp-profile', 400) };
const trim = Number(args.get('trim') ?? 0.2);
const outPath = resolve(packageRoot, args.get('out') ?? 'src/default-shape.ts');

let detector: FaceDetector | undefined;
const getDetector = async (): Promise<FaceDetector> => {
  const { createFaceDetector } = await import('@deepface-ts/detect');
  return (detector ??= await createFaceDetector());
};
const cache = new LandmarkCache('landmarks-ssd');
const sets = {
  lfw: spread(lfwDevTrainImages(), counts.lfw),
  cfpFrontal: spread(cfpImages('frontal'), counts.cfpFrontal),
  cfpProfile: spread(cfpImages('profile'), counts.cfpProfile),
};
const views: Float64Array[] = [];
const used: Record<string, number> = {};
for (const [name, paths] of Object.entries(sets)) {
  const found = await collectLandmarks(paths, cache, `detect ${name}`, getDetector);
  used[name] = 0;
  for (const face of found.values()) {
    if (!face) continue;
    try {
      assertLandmarks(face.landmarks);
    } catch {
      continue;
    }
    views.push(Float64Array.from(face.landmarks));
    used[name]++;
  }
}
detector?.dispose();

const sfm = affineStructureFromMotion(views, { trim });
const canonical = normalizeShape(sfm.shape, 'structure-from-motion shape');
const rawAsymmetry = asymmetry(canonical);
const shape = normalizeShape(symmetrizeShape(canonical), 'symmetrised shape');
const sv = sfm.singularValues;
let reference: { distance: number; rms: number } | undefined;
// Front (x, y) and side (z, y) views of the shape, with the reference aligned onto it.
const plotPath = resolve(args.get('plot') ?? join(tmpdir(), 'deepface-ts', 'frontalize-shape.png'));
const plot = blankRgb(640, 320, [20, 20, 24]);
const draw = (points: ArrayLike<number>, colour: readonly [number, number, number]): void => {
  for (let i = 0; i < 68; i++) {
    const [x, y, z] = [points[3 * i]!, points[3 * i + 1]!, points[3 * i + 2]!];
    drawDot(plot, 160 + 100 * x, 150 + 100 * y, colour, 2);
    drawDot(plot, 480 - 100 * z, 150 + 100 * y, colour, 2);
  }
};
if (existsSync(referenceShapeCsv)) {
  const ref = parseShapeCsv(readFileSync(referenceShapeCsv, 'utf8'), referenceShapeCsv);
  const p = procrustes(shape, ref);
  reference = { distance: p.distance, rms: p.rms };
  const refOnOurs = procrustes(ref, shape).aligned;
  for (let i = 0; i < 68; i++) {
    drawLine(plot, 160 + 100 * shape[3 * i]!, 150 + 100 * shape[3 * i + 1]!, 160 + 100 * refOnOurs[3 * i]!, 150 + 100 * refOnOurs[3 * i + 1]!, [120, 120, 120]);
    drawLine(plot, 480 - 100 * shape[3 * i + 2]!, 150 + 100 * shape[3 * i + 1]!, 480 - 100 * refOnOurs[3 * i + 2]!, 150 + 100 * refOnOurs[3 * i + 1]!, [120, 120, 120]);
  }
  draw(refOnOurs, [80, 200, 255]);
}
draw(shape, [255, 210, 0]);
await savePng(plotPath, plot);
console.error(`plot (yellow: ours, blue: reference; left front, right side with the face looking left): ${plotPath}`);
const rows: string[] = [];
for (let i = 0; i < 68; i++) rows.push(`  ${[0, 1, 2].map((d) => (Math.abs(shape[3 * i + d]!) < 5e-6 ? 0 : shape[3 * i + d]!).toFixed(5)).join(", ")},`);
const command = `pnpm --filter @deepface-ts/frontalize estimate-shape --lfw ${counts.lfw} --cfp-frontal ${counts.cfpFrontal} --cfp-profile ${counts.cfpProfile} --trim ${trim}`;
const text = `/**
 * The package's own generic 3D face: 68 landmarks (iBUG / dlib order), x right, y down,
 * z toward the viewer, centroid at the origin, inter-ocular distance 1.
 *
 * Estimated by scripts/estimate-shape.ts from the 68-point detections of
 * @deepface-ts/detect on ${views.length} public photos (LFW ${used.lfw}, CFP frontal ${used.cfpFrontal},
 * CFP profile ${used.cfpProfile}) by affine structure from motion: rank-3 factorisation of the
 * centred 2F×68 measurement matrix, metric upgrade, ${Math.round(trim * 100)} % of views with the largest
 * reprojection error dropped (${sfm.kept.length} kept), then mirror-symmetrised and normalised.
 * Singular values σ1…σ6: ${Array.from(sv, (v) => v.toFixed(0)).join(', ')}.
 * Generated file: rerun \`${command}\` instead of editing it.
 */
// prettier-ignore
export const DEFAULT_SHAPE: Float64Array = Float64Array.of(
${rows.join('\n')}
);
`;
writeFileAtomic(outPath, text);
console.error(`wrote ${relative(repoRoot, outPath)} from ${views.length} views (${sfm.kept.length} kept); asymmetry before symmetrising ${rawAsymmetry.toFixed(4)} IOD`);
console.log(JSON.stringify({
  views: views.length, kept: sfm.kept.length, used,
  singular_values: Array.from(sv, (v) => +v.toFixed(2)),
  asymmetry_before_symmetrising: +rawAsymmetry.toFixed(5),
  shape_procrustes_to_reference: reference ? +reference.distance.toFixed(5) : null,
  shape_rms_to_reference_iod: reference ? +reference.rms.toFixed(5) : null,
}));
