// `pnpm --filter @deepface-ts/verify-app train-ensemble [--data dir] [--cache dir] [--model file.safetensors] [--out file.json]`
//
// Trains the SVM of `pnpm verify a.jpg b.jpg --descriptor ensemble` on LFW View 1 (never View 2):
// every image of pairsDevTrain and pairsDevTest is described by each member (DeepFace on its 3D
// crop, dlib on its mirrored chip: the describers' defaults, as verify uses them), on the face
// nearest the image centre (LFW images are centred on their subject), detected once per image.
// The kernel SVM (C = 1, Σ_m −|x_m − y_m|^β over the standardised member distances) is trained
// on all 2,200 pairsDevTrain pairs with a descriptor under every member and read on the 1,000
// pairsDevTest pairs (a pair with a missing face counts as "different"); the result is written
// to apps/verify/ensemble.json (or --out) with its provenance. Descriptors are cached per
// describer in --cache. The last stdout line is one JSON object.
import { datasetsRoot, decodeImage, loadLfw } from '@deepface-ts/datasets';
import { choiceOption, parseCommandLine, runMain, userCwd } from '@deepface-ts/cli';
import { createDescriber, DescriptorCache, type Describer } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import { accuracyAtThreshold, auc, rocCurve, writeFileAtomic } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultEnsembleFile, ENSEMBLE_MEMBERS, ensembleScores, formatEnsembleFile, memberDistance, parseEnsembleModel, TRAIN_ENSEMBLE_COMMAND, trainEnsembleModel, type EnsembleModel } from './ensemble';

const USAGE = `usage: ${TRAIN_ENSEMBLE_COMMAND} [--data <datasets dir>] [--cache <dir>] [--model <deepface.safetensors>] [--out <file.json>] [--backend wasm|cpu]
Trains --descriptor ensemble's SVM on LFW View 1 pairsDevTrain, reads it on pairsDevTest, writes --out (default apps/verify/ensemble.json).`;

/** Part of the descriptor cache key: the face nearest the centre, described by the describer (bump when that changes). */
const CACHE_KEY = 'verify-ensemble-nearest-centre-v1';

/** Each image's descriptor under each describer (a map per describer), from the caches or described now; images with no usable face are absent. */
async function describeAll(paths: readonly string[], describers: readonly Describer[], cacheDir: string | null): Promise<{ maps: Map<string, Float32Array>[]; failed: string[] }> {
  const caches = await Promise.all(describers.map((d) => DescriptorCache.open(cacheDir, `${CACHE_KEY}-${d.id}`, d.dim)));
  const maps = describers.map(() => new Map<string, Float32Array>());
  const todo: string[] = [];
  for (const p of paths) {
    const rows = caches.map((c) => c.get(p));
    if (rows.every((r) => r !== undefined)) rows.forEach((r, j) => maps[j]!.set(p, r!));
    else todo.push(p);
  }
  const failed: string[] = [];
  const bar = createProgress({ label: 'View 1: describe', total: todo.length, unit: 'img' });
  for (const path of todo) {
    try {
      const image = await decodeImage(path);
      const face = chooseFace(await describers[0]!.detect(image), 'nearest-centre', image.width, image.height);
      if (!face) throw new Error('no face found');
      for (const [j, d] of describers.entries()) {
        const row = (await d.describeFaces(image, [face], path))[0]!.feature;
        maps[j]!.set(path, row);
        caches[j]!.set(path, row);
      }
    } catch (e) {
      failed.push(`${path}: ${(e as Error).message}`);
    }
    if (caches[0]!.unsaved >= 500) for (const c of caches) await c.save();
    bar.tick(1, failed.length ? `${failed.length} failed` : undefined);
  }
  bar.done(failed.length ? `${failed.length} images without a usable face (their pairs: left out of training, "different" in the test)` : undefined);
  for (const c of caches) await c.save();
  return { maps, failed };
}

/** The member distances (n × M) of the pairs every member described, and which pairs those are. */
function distanceRows(pairs: readonly { path1: string; path2: string }[], maps: readonly Map<string, Float32Array>[]): { rows: Float64Array; kept: number[] } {
  const M = ENSEMBLE_MEMBERS.length;
  const kept = pairs.flatMap((p, i) => (maps.every((m) => m.has(p.path1) && m.has(p.path2)) ? [i] : []));
  const rows = new Float64Array(kept.length * M);
  kept.forEach((i, k) => ENSEMBLE_MEMBERS.forEach((name, j) => (rows[k * M + j] = memberDistance(name, maps[j]!.get(pairs[i]!.path1)!, maps[j]!.get(pairs[i]!.path2)!))));
  return { rows, kept };
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    options: { data: { type: 'string' }, cache: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' } },
  });
  const cwd = userCwd();
  const backend = choiceOption(values.backend, 'backend', ['wasm', 'cpu'] as const, 'wasm');
  const data = values.data ? resolve(cwd, values.data) : datasetsRoot();
  const cacheDir = resolve(cwd, values.cache ?? 'node_modules/.cache/deepface-ts/descriptors');
  const out = values.out ? resolve(cwd, values.out) : defaultEnsembleFile();
  const lfwDir = existsSync(join(data, 'lfw', 'pairsDevTrain.txt')) ? join(data, 'lfw') : data;
  const { train, test } = loadLfw(lfwDir, { checkImages: false, view2Shape: null }).view1();
  const paths = [...new Set([...train, ...test].flatMap((p) => [p.path1, p.path2]))];

  const describers: Describer[] = [];
  let maps: Map<string, Float32Array>[];
  let failed: string[];
  try {
    for (const name of ENSEMBLE_MEMBERS) {
      describers.push(await createDescriber({ descriptor: name, model: name === 'deepface' && values.model ? resolve(cwd, values.model) : undefined, backend, detector: describers[0]?.detector, requireThreshold: false }));
    }
    ({ maps, failed } = await describeAll(paths, describers, cacheDir));
  } finally {
    for (const d of [...describers].reverse()) d.dispose();
  }
  for (const f of failed.slice(0, 10)) console.error(f);
  if (failed.length > 10) console.error(`… and ${failed.length - 10} more`);

  const tr = distanceRows(train, maps);
  const trainLabels = tr.kept.map((i) => train[i]!.same);
  const members = ENSEMBLE_MEMBERS.map((descriptor, j) => ({ descriptor, describer: describers[j]!.id }));
  const { model: fitted, trainAccuracy } = await trainEnsembleModel(tr.rows, trainLabels, members);
  const te = distanceRows(test, maps);
  const scored = ensembleScores(fitted, te.rows);
  const testScores = new Float64Array(test.length).fill(Math.min(0, ...scored) - 1);
  te.kept.forEach((i, k) => (testScores[i] = scored[k]!));
  const testLabels = test.map((p) => p.same);
  const model: EnsembleModel = {
    ...fitted,
    trainedOn: { set: 'LFW View 1 pairsDevTrain', pairs: trainLabels.length, same: trainLabels.filter(Boolean).length, accuracy: +trainAccuracy.toFixed(4) },
    evaluatedOn: {
      set: 'LFW View 1 pairsDevTest',
      pairs: test.length,
      accuracy: +accuracyAtThreshold(testScores, testLabels, 0).toFixed(4),
      auc: +auc(rocCurve(testScores, testLabels)).toFixed(4),
      missing: test.length - te.kept.length,
    },
    command: TRAIN_ENSEMBLE_COMMAND,
    created: new Date().toISOString(),
  };
  const text = formatEnsembleFile(model);
  parseEnsembleModel(text, out); // what verify will load
  await writeFileAtomic(out, text);
  console.log(`trained on ${model.trainedOn.pairs} pairsDevTrain pairs (training accuracy ${trainAccuracy.toFixed(4)}); ${model.supportVectors.length} support vectors`);
  console.log(`pairsDevTest: accuracy ${model.evaluatedOn!.accuracy.toFixed(4)}, AUC ${model.evaluatedOn!.auc!.toFixed(4)} (${model.evaluatedOn!.missing} of ${test.length} pairs without a face under some member, counted "different")`);
  console.log(`written: ${out}`);
  console.log(
    JSON.stringify({
      set: 'lfw-view1',
      file: out,
      members,
      train_pairs: model.trainedOn.pairs,
      train_accuracy: model.trainedOn.accuracy,
      test_accuracy: model.evaluatedOn!.accuracy,
      test_auc: model.evaluatedOn!.auc,
      support_vectors: model.supportVectors.length,
      failed_images: failed.length,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
    }),
  );
}

if (process.argv[1] && /train-ensemble\.ts$/.test(process.argv[1])) {
  void runMain(main, USAGE);
}
