/**
 * Speed of the alignment, per face, on LFW photos (synthetic ones when the datasets are absent):
 * - frontalize_ms: camera fit + piecewise-affine warp to 152×152 from 68 points, against a
 *   baseline in the same run — the same warp with no precomputed pixel→triangle table
 *   (each pixel searches the mesh for its triangle);
 * - align2d_warp_ms: one similarity warp to 152×152;
 * - detect_ms (per 250×250 LFW image) and landmarks_ms (per face), with @deepface-ts/detect.
 * Last stdout line: one JSON object.
 *
 *   pnpm --filter @deepface-ts/frontalize bench [--faces 300] [--images 30]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '@deepface-ts/image';
import {
  createFrontalizer, fitAffineCamera, invertAffine, similarityToAnchors, syntheticFace, warpAffine,
} from '../src/index.js';
import { sampleRgb } from '../src/warp.js';
import { affineFromTriangles } from '../src/frontalize.js';
import { datasetsRoot, intArg, LandmarkCache, lfwView2Images, loadRgb, parseArgs, pickCentralFace, spread } from './lib.js';

const args = parseArgs();
const faceCount = intArg(args, 'faces', 300);
const imageCount = intArg(args, 'images', 30);
const frontalizer = createFrontalizer();
const { template } = frontalizer;

// Inputs: LFW images with cached (or freshly detected) landmarks, else synthetic faces.
const inputs: Array<{ image: RgbImage<Uint8Array>; landmarks: Float64Array }> = [];
const haveData = existsSync(join(datasetsRoot, 'lfw/pairs.txt'));
let detector: import('@deepface-ts/detect').FaceDetector | undefined;
let detectMs: number | null = null;
let landmarksMs: number | null = null;
let detectorError: string | null = null;
try {
  const { createFaceDetector } = await import('@deepface-ts/detect');
  detector = await createFaceDetector();
} catch (err) {
  detectorError = (err as Error).message;
  console.error(`bench: no detector (${detectorError}); detect_ms and landmarks_ms are skipped`);
}

if (haveData) {
  const paths = spread(lfwView2Images(), imageCount);
  const images = await Promise.all(paths.map((p) => loadRgb(join(datasetsRoot, p))));
  if (detector) {
    await detector.detect(images[0]!); // warm-up (backend init, kernel compilation)
    const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const found = [];
    const detectTimes: number[] = [];
    for (const img of images) {
      const t = performance.now();
      found.push(await detector.detect(img));
      detectTimes.push(performance.now() - t);
    }
    detectMs = median(detectTimes);
    const boxes = found.map((faces, i) => pickCentralFace(faces, images[i]!.width, images[i]!.height));
    const withFace = images.map((img, i) => ({ img, face: boxes[i] })).filter((x) => x.face);
    const landmarkTimes: number[] = [];
    for (const { img, face } of withFace) {
      const t = performance.now();
      await detector.landmarks(img, face!.box);
      landmarkTimes.push(performance.now() - t);
    }
    landmarksMs = landmarkTimes.length ? median(landmarkTimes) : null;
    for (const { img, face } of withFace) inputs.push({ image: img, landmarks: Float64Array.from(face!.landmarks) });
  } else {
    const cache = new LandmarkCache('landmarks-ssd');
    paths.forEach((p, i) => {
      const c = cache.get(p);
      if (c) inputs.push({ image: images[i]!, landmarks: Float64Array.from(c.landmarks) });
    });
  }
}
if (inputs.length === 0) {
  // Synthetic: the generic face projected at a few yaws into a 250×250 noise image.
  const shape = syntheticFace();
  const image: RgbImage<Uint8Array> = { width: 250, height: 250, channels: 3, data: Uint8Array.from({ length: 250 * 250 * 3 }, (_, i) => (i * 7919) % 256) };
  for (let k = 0; k < 10; k++) {
    const yaw = ((k - 5) * 8 * Math.PI) / 180;
    const lm = new Float64Array(136);
    for (let i = 0; i < 68; i++) {
      lm[2 * i] = 125 + 45 * (Math.cos(yaw) * shape[3 * i]! + Math.sin(yaw) * shape[3 * i + 2]!);
      lm[2 * i + 1] = 125 + 45 * shape[3 * i + 1]!;
    }
    inputs.push({ image, landmarks: lm });
  }
}
detector?.dispose();

/**
 * Milliseconds per call of fn, cycling through the inputs after a warm-up: each call is
 * timed on its own and the median is reported (with the fastest call and the 90th
 * percentile), so that the moments another process takes the CPU do not inflate the figure.
 */
const spreads: Record<string, { min: number; p90: number }> = {};
function timePerFace(fn: (input: (typeof inputs)[number]) => void, count: number, name?: string): number {
  for (let i = 0; i < Math.min(30, count); i++) fn(inputs[i % inputs.length]!);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    fn(inputs[i % inputs.length]!);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  if (name) spreads[name] = { min: +times[0]!.toFixed(3), p90: +times[Math.floor(0.9 * (count - 1))]!.toFixed(3) };
  return times[Math.floor(count / 2)]!;
}

const shape68 = template.vertices.subarray(0, 204);
const fitMs = timePerFace(({ landmarks }) => fitAffineCamera(shape68, landmarks), faceCount);
const frontalizeMs = timePerFace(({ image, landmarks }) => frontalizer.frontalize(image, landmarks, { dtype: 'uint8' }), faceCount, 'frontalize_ms');
const frontalizeFloatMs = timePerFace(({ image, landmarks }) => frontalizer.frontalize(image, landmarks, { dtype: 'float32' }), faceCount);
const frontalizeNoResidualMs = timePerFace(({ image, landmarks }) => frontalizer.frontalize(image, landmarks, { dtype: 'uint8', residualScale: 0 }), faceCount);
const warp2dMs = timePerFace(({ image, landmarks }) => warpAffine(image, invertAffine(similarityToAnchors(landmarks, template)), template.size, template.size, { dtype: 'uint8' }), faceCount);

/** Baseline: the same camera fit and warp, but every pixel searches all triangles for the one containing it. */
function naiveFrontalize(image: RgbImage<Uint8Array>, landmarks: Float64Array): Uint8Array {
  const { triangles, frontal, vertices, size } = template;
  const fit = fitAffineCamera(shape68, landmarks);
  const v = frontal.length / 2;
  const src = new Float64Array(2 * v);
  for (let i = 0; i < v; i++) {
    if (i < 68) {
      src[2 * i] = landmarks[2 * i]!;
      src[2 * i + 1] = landmarks[2 * i + 1]!;
    } else {
      const [x, y, z] = [vertices[3 * i]!, vertices[3 * i + 1]!, vertices[3 * i + 2]!];
      const c = fit.camera;
      src[2 * i] = c[0]! * x + c[1]! * y + c[2]! * z + c[3]!;
      src[2 * i + 1] = c[4]! * x + c[5]! * y + c[6]! * z + c[7]!;
    }
  }
  const t = triangles.length / 3;
  const maps = new Float64Array(6 * t);
  for (let k = 0; k < t; k++) affineFromTriangles(frontal, triangles[3 * k]!, triangles[3 * k + 1]!, triangles[3 * k + 2]!, src, triangles[3 * k]!, triangles[3 * k + 1]!, triangles[3 * k + 2]!, maps, 6 * k);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    let owner = 0;
    for (let k = 0; k < t; k++) {
      const [a, b, c] = [triangles[3 * k]!, triangles[3 * k + 1]!, triangles[3 * k + 2]!];
      const [ax, ay, bx, by, cx, cy] = [frontal[2 * a]!, frontal[2 * a + 1]!, frontal[2 * b]!, frontal[2 * b + 1]!, frontal[2 * c]!, frontal[2 * c + 1]!];
      const d = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
      const l1 = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / d;
      const l2 = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / d;
      if (l1 >= 0 && l2 >= 0 && l1 + l2 <= 1) {
        owner = k;
        break;
      }
    }
    const m = 6 * owner;
    sampleRgb(image.data, image.width, image.height, maps[m]! * x + maps[m + 1]! * y + maps[m + 2]!, maps[m + 3]! * x + maps[m + 4]! * y + maps[m + 5]!, out, 3 * (y * size + x), false);
  }
  return out;
}
const naiveMs = timePerFace(({ image, landmarks }) => naiveFrontalize(image, landmarks), Math.max(10, Math.floor(faceCount / 10)), 'baseline_naive_triangle_search_ms');

const result = {
  faces_source: haveData && inputs.length ? 'lfw' : 'synthetic',
  faces: faceCount,
  frontalize_ms: +frontalizeMs.toFixed(3),
  frontalize_float32_ms: +frontalizeFloatMs.toFixed(3),
  frontalize_no_residuals_ms: +frontalizeNoResidualMs.toFixed(3),
  camera_fit_ms: +fitMs.toFixed(3),
  baseline_naive_triangle_search_ms: +naiveMs.toFixed(3),
  speedup_vs_naive: +(naiveMs / frontalizeMs).toFixed(1),
  align2d_warp_ms: +warp2dMs.toFixed(3),
  detect_ms: detectMs === null ? null : +detectMs.toFixed(1),
  landmarks_ms: landmarksMs === null ? null : +landmarksMs.toFixed(1),
  detect_images: detectMs === null ? 0 : imageCount,
  detector_error: detectorError,
  timing: 'median of per-call times (min and p90 in spread)',
  spread: spreads,
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
};
console.log(JSON.stringify(result));
