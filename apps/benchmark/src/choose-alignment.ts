// `pnpm --filter @deepface-ts/benchmark-app choose-alignment [--data dir] [variant …]`
//
// Chooses the benchmark's crop framing and 2D alignment on LFW View 1 (the development set:
// pairsDevTrain 2,200 + pairsDevTest 1,000 pairs), never on View 2. For each variant (see
// alignment-variants.ts) every View 1 image is cropped and described by LBP; the χ² threshold
// is set on the training pairs and accuracy read on the test pairs; AUC is over all 3,200.
// Landmarks are detected once and cached in node_modules/.cache/deepface-ts/. The last stdout
// line is one JSON object with every variant's figures.
import { decodeImage, loadLfw } from '@deepface-ts/datasets';
import { userCwd } from '@deepface-ts/cli';
import { createFaceDetector } from '@deepface-ts/detect';
import { chooseFace } from '@deepface-ts/frontalize';
import { lbpDescriptor } from '@deepface-ts/lbp';
import { accuracyAtThreshold, auc, bestThreshold, chiSquareDistance, rocCurve, writeFileAtomic } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cropRecipe, parseAlignmentVariant } from './alignment-variants';
import { ALIGNMENT_VERSION, createDescriptor } from './describe';

const DEFAULT_VARIANTS = [
  'raw-0.4', 'raw-0.45', 'raw-0.5',
  '3d-0.32', '3d-0.36', '3d-0.4',
  '2d-0.32-six-0', '2d-0.36-six-0', '2d-0.4-six-0',
  '2d-0.32-all-0', '2d-0.36-all-0', '2d-0.4-all-0',
  '2d-0.36-six-4', '2d-0.36-all-4',
];
const SIZE = 100;
// Where an aligned variant finds no face: the raw crop framed about like the default template.
const FALLBACK_FRACTION = 0.45;

const argv = process.argv.slice(2).filter((a) => a !== '--');
const cwd = userCwd();
let data = process.env.DEEPFACE_DATASETS ?? resolve(cwd, '../shared/datasets');
const names: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--data') data = resolve(cwd, argv[++i] ?? '');
  else names.push(argv[i]!);
}
const variants = (names.length ? names : DEFAULT_VARIANTS).map(parseAlignmentVariant);
const lfwDir = existsSync(join(data, 'lfw', 'pairsDevTrain.txt')) ? join(data, 'lfw') : data;
const lfw = loadLfw(lfwDir, { checkImages: false, view2Shape: null });
const { train, test } = lfw.view1();
const paths = [...new Set([...train, ...test].flatMap((p) => [p.path1, p.path2]))];

// Landmarks of the face nearest the centre of every image, detected once (NaN row: no face).
const cacheDir = resolve(cwd, 'node_modules/.cache/deepface-ts');
const cacheFile = join(cacheDir, `view1-landmarks-${ALIGNMENT_VERSION}.json`);
let landmarks = new Map<string, number[] | null>();
if (existsSync(cacheFile)) {
  try {
    landmarks = new Map(Object.entries(JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, number[] | null>));
  } catch (error) {
    console.error(`${cacheFile}: unreadable (${(error as Error).message}); detecting again`);
  }
}
const detector = await createFaceDetector();
const todo = paths.filter((p) => !landmarks.has(p));
if (todo.length) {
  const progress = createProgress({ label: 'View 1: landmarks', total: todo.length, unit: 'img' });
  for (const path of todo) {
    try {
      const image = await decodeImage(path);
      const face = chooseFace(await detector.detect(image), 'nearest-centre', image.width, image.height);
      landmarks.set(path, face ? Array.from(face.landmarks) : null);
    } catch (error) {
      console.error(`${path}: ${(error as Error).message}`);
    }
    progress.tick();
  }
  progress.done();
  await mkdir(cacheDir, { recursive: true });
  await writeFileAtomic(cacheFile, JSON.stringify(Object.fromEntries(landmarks)));
}
console.error(`${paths.length} View 1 images, ${paths.filter((p) => !landmarks.get(p)).length} without a detected face (raw crop ${FALLBACK_FRACTION} used)`);

const lbp = await createDescriptor('lbp');
const results: { variant: string; test_accuracy: number; train_accuracy: number; auc: number }[] = [];
for (const variant of variants) {
  const recipe = cropRecipe(variant, SIZE, { detector, fallbackFraction: FALLBACK_FRACTION });
  const descriptors = new Map<string, Float32Array>();
  const progress = createProgress({ label: variant.name, total: paths.length, unit: 'img' });
  for (const path of paths) {
    try {
      const crop = await recipe(await decodeImage(path), landmarks.get(path) ?? undefined, path);
      descriptors.set(path, await lbp.describe(crop, path));
    } catch (error) {
      console.error(`${variant.name}: ${path}: ${(error as Error).message} (its pairs count as different)`);
    }
    progress.tick();
  }
  progress.done();
  const score = (pairs: typeof train) =>
    Float64Array.from(pairs, (p) => {
      const a = descriptors.get(p.path1);
      const b = descriptors.get(p.path2);
      return a && b ? -chiSquareDistance(a, b) : -Infinity;
    });
  const trainScores = score(train);
  const testScores = score(test);
  const fit = bestThreshold(trainScores, train.map((p) => p.same));
  const testAccuracy = accuracyAtThreshold(testScores, test.map((p) => p.same), fit.threshold);
  const all = auc(rocCurve(Float64Array.from([...trainScores, ...testScores]), [...train, ...test].map((p) => p.same)));
  results.push({ variant: variant.name, train_accuracy: Number(fit.accuracy.toFixed(4)), test_accuracy: Number(testAccuracy.toFixed(4)), auc: Number(all.toFixed(4)) });
  console.log(`${variant.name.padEnd(16)} train ${fit.accuracy.toFixed(4)}  test ${testAccuracy.toFixed(4)}  AUC ${all.toFixed(4)}`);
}
detector.dispose();
const best = (prefix: string) => results.filter((r) => r.variant.startsWith(prefix)).sort((a, b) => b.auc - a.auc)[0]?.variant ?? null;
console.log(JSON.stringify({ set: 'lfw-view1', descriptor: 'lbp', metric: 'chi2', variants: results, best_raw: best('raw'), best_2d: best('2d'), best_3d: best('3d') }));
