/**
 * Train a DeepFace network on an SFC-format manifest.
 *
 *   pnpm train --manifest <sfc.csv> --out <dir> [--align 3d|2d|none] [--config default|full]
 *              [--epochs 12] [--batch 32] [--lr 0.01] [--momentum 0.9] [--weight-decay 5e-4]
 *              [--init he|paper] [--seed 1] [--resume] [--float16] [--cache <dir>] [--backend wasm|cpu]
 *              [--optimizer momentum|adam] [--warmup <epochs>] [--patience 2] [--min-lr 1e-4] [--flip] [--shift <px>]
 *
 * The manifest's time split holds out each identity's most recent 5 % of images for
 * validation. Crops are made once into a cache (`--cache`, default ~/.cache/deepface-ts);
 * checkpoints go to <out>/checkpoints (`--resume` continues from there); the final model,
 * with its F7 normalisation maxima, is <out>/model.safetensors. The last stdout line is JSON.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSfcManifest, sfcTimeSplit } from '@deepface-ts/datasets';
import { createFaceDetector } from '@deepface-ts/detect';
import { initBackend, tf } from '@deepface-ts/kernels';
import {
  ComponentMaxima,
  cropCacheExamples,
  countParameters,
  deepFaceConfig,
  DeepFaceModel,
  defaultTrainingConfig,
  evaluate,
  loadCropCache,
  saveCropCache,
  saveWeightsFile,
  train,
  type InitScheme,
} from '@deepface-ts/network';
import { buildCrops, createAligner, type Alignment, type CropJob } from './crops';

const args = process.argv.slice(2);
// `pnpm train …` runs in apps/train: read the user's relative paths from where they ran it.
const userDir = process.env.INIT_CWD ?? process.cwd();
const path = (p: string) => resolve(userDir, p);
const has = (name: string) => args.includes(name);
const flag = (name: string, fallback?: string): string | undefined => (has(name) ? args[args.indexOf(name) + 1] : fallback);
const num = (name: string, fallback: number): number => {
  const v = flag(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
};

async function main(): Promise<void> {
  const manifestArg = flag('--manifest');
  const outArg = flag('--out');
  if (!manifestArg || !outArg) {
    console.error('usage: pnpm train --manifest <sfc.csv> --out <dir> [--align 3d|2d|none] [--epochs N] …  (see apps/train/README.md)');
    process.exit(2);
  }
  const manifestPath = path(manifestArg);
  const out = path(outArg);
  const align = (flag('--align', '3d') as Alignment);
  if (!['3d', '2d', 'none'].includes(align)) throw new Error(`--align must be 3d, 2d or none, got ${align}`);
  const configName = flag('--config', 'default')!;
  const epochs = num('--epochs', 12);
  const batchSize = num('--batch', 32);
  const seed = num('--seed', 1);
  const init = flag('--init', 'he') as InitScheme;
  const backend = flag('--backend', 'wasm') as 'wasm' | 'cpu';
  const cacheDir = path(flag('--cache', join(homedir(), '.cache', 'deepface-ts'))!);
  mkdirSync(out, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  await initBackend(backend);

  const manifest = readSfcManifest(manifestPath, { badRows: 'skip' });
  if (manifest.skipped.count) console.error(`${manifestPath}: skipped ${manifest.skipped.count} malformed rows, e.g. ${manifest.skipped.examples[0]}`);
  const split = sfcTimeSplit(manifest);
  const testRows = new Set(split.test);
  const numClasses = manifest.identities.length;
  const config = configName === 'full' ? deepFaceConfig({ numClasses }) : defaultTrainingConfig(numClasses);
  const size = config.inputSize;

  // Crops, made once per (manifest contents, alignment, size).
  const key = createHash('sha256').update(`${resolve(manifestPath)}|${statSync(manifestPath).size}|${statSync(manifestPath).mtimeMs}|${align}|${size}`).digest('hex').slice(0, 16);
  const cachePath = join(cacheDir, `crops-${align}-${size}-${key}.bin`);
  let cache;
  if (existsSync(cachePath)) {
    cache = await loadCropCache(cachePath);
    console.error(`crops: ${cache.count} from ${cachePath}`);
  } else {
    const jobs: CropJob[] = [];
    for (let r = 0; r < manifest.rows; r++) jobs.push({ identity: manifest.identities[manifest.identity[r]!]!, path: manifest.imagePath(r), heldOut: testRows.has(r) });
    const detector = align === 'none' ? undefined : await createFaceDetector({ backend });
    const report = await buildCrops(jobs, size, createAligner(align, size, detector), { label: `crops (${align})` });
    detector?.dispose();
    for (const f of report.failures.slice(0, 5)) console.error(`  skipped ${f.path}: ${f.reason}`);
    cache = report.cache;
    await saveCropCache(cachePath, cache);
  }
  // Labels index the cache's identity list; the model's classes are the manifest's identities.
  const classOf = Int32Array.from(cache.identities, (name) => manifest.identities.indexOf(name));
  const heldOut = new Set((cache.meta.heldOut as number[] | undefined) ?? []);
  const trainIdx = Int32Array.from({ length: cache.count }, (_, i) => i).filter((i) => !heldOut.has(i));
  const valIdx = Int32Array.from(heldOut);
  const trainSet = cropCacheExamples(cache, config.inputMode, trainIdx, classOf);
  const valSet = cropCacheExamples(cache, config.inputMode, valIdx, classOf);
  const params = countParameters(config);
  console.error(`${config.name}: ${params.total.toLocaleString('en-US')} parameters; ${trainSet.count} training and ${valSet.count} validation crops of ${numClasses} identities`);

  const model = DeepFaceModel.create(config, { seed, init });
  const history = await train(model, trainSet, valSet, {
    epochs,
    batchSize,
    learningRate: num('--lr', 0.01),
    momentum: num('--momentum', 0.9),
    weightDecay: num('--weight-decay', 5e-4),
    patience: num('--patience', 2),
    // The paper's floor (1e-4) suits its SGD rates; Adam's are ~30× smaller, so lower it there.
    minLearningRate: num('--min-lr', 1e-4),
    optimizer: flag('--optimizer', 'momentum') as 'momentum' | 'adam',
    warmupEpochs: num('--warmup', 0),
    augment: { flip: has('--flip'), shift: num('--shift', 0) },
    seed,
    checkpointDir: join(out, 'checkpoints'),
    resume: has('--resume'),
    onEpoch: (s) =>
      console.error(
        `epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)} acc ${s.trainAccuracy.toFixed(4)} | val loss ${s.valLoss?.toFixed(4)} acc ${s.valAccuracy?.toFixed(4)} | lr ${Number(s.learningRate.toPrecision(3))} | ${s.imagesPerSecond.toFixed(1)} img/s`,
      ),
  });

  // F7 normalisation maxima over the training crops (no dropout).
  const maxima = new ComponentMaxima(model.representationSize);
  for (let start = 0; start < trainSet.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, trainSet.count - start) }, (_, i) => start + i);
    const { x } = await trainSet.load(idx);
    const input = tf.tensor4d(x, [idx.length, size, size, 3]);
    maxima.add(await model.representation(input));
    input.dispose();
  }
  model.representationMax = maxima.floored();
  const final = history[history.length - 1]!;
  const val = await evaluate(model, valSet, batchSize);
  const command = `pnpm train ${args.join(' ')}`;
  const modelPath = join(out, 'model.safetensors');
  const bytes = await saveWeightsFile(
    modelPath,
    model.toWeights({
      command,
      data: `${manifest.rows} rows, ${numClasses} identities (${manifestPath}); align ${align}; ${trainSet.count} train / ${valSet.count} val crops`,
      epochs: String(history.length),
      final_train_loss: final.trainLoss.toFixed(4),
      final_train_accuracy: final.trainAccuracy.toFixed(4),
      final_val_loss: val.loss.toFixed(4),
      final_val_accuracy: val.accuracy.toFixed(4),
    }),
    has('--float16') ? 'float16' : 'float32',
  );
  console.log(
    JSON.stringify({
      model: modelPath,
      bytes,
      config: config.name,
      params: params.total,
      epochs: history.length,
      final_train_loss: +final.trainLoss.toFixed(4),
      final_train_accuracy: +final.trainAccuracy.toFixed(4),
      final_val_loss: +val.loss.toFixed(4),
      final_val_accuracy: +val.accuracy.toFixed(4),
      train_img_per_s: +final.imagesPerSecond.toFixed(1),
    }),
  );
  model.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
