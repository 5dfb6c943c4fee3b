/**
 * Train a DeepFace network on an SFC-format manifest.
 *
 *   pnpm train --manifest <sfc.csv> --out <dir> [--align 3d|2d|none] [--config default|full]
 *              [--epochs 12] [--batch 32] [--lr 0.01] [--momentum 0.9] [--weight-decay 5e-4]
 *              [--init he|paper] [--seed 1] [--resume] [--float16] [--cache <dir>] [--backend wasm|cpu]
 *              [--optimizer momentum|adam] [--warmup <epochs>] [--patience 2] [--min-lr 1e-4] [--flip] [--shift <px>]
 *   pnpm train --manifest <sfc.csv> --out <dir> --teacher dlib --teacher-cache <dir> [--workers 2] [--f7 512]
 *              [--regression 1] [--pairwise 1] [--identity 0.1] [--distill-loss cosine|mse] [--epochs …] [--batch …] [--lr …] …
 *
 * With --teacher the network learns by distillation from the teacher cache (teacher-cache.ts:
 * K augmented views per image, the teacher's dlib-chip descriptor and our 3D crop of each) on
 * --workers data-parallel threads; see distill-train.ts.
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
import { choiceOption, numberOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { buildCrops, createAligner, type Alignment, type CropJob } from './crops';
import { packBatch, trainDistilled, type DistillSample } from './distill-train';
import { loadTeacherCache } from './teacher-cache';

const USAGE = `usage: pnpm train --manifest <sfc.csv> --out <dir> [--align 3d|2d|none] [--config default|full]
                  [--epochs 12] [--batch 32] [--lr 0.01] [--momentum 0.9] [--weight-decay 5e-4]
                  [--init he|paper] [--seed 1] [--resume] [--float16] [--cache <dir>] [--backend wasm|cpu]
                  [--optimizer momentum|adam] [--warmup <epochs>] [--patience 2] [--min-lr 1e-4] [--flip] [--shift <px>]
       pnpm train --manifest <sfc.csv> --out <dir> --teacher dlib --teacher-cache <dir> [--workers 2] [--f7 512]
                  [--regression 1] [--pairwise 1] [--identity 0.1] [--distill-loss cosine|mse] [--epochs 12] [--batch 32]
                  [--lr 3e-4] [--min-lr 3e-6] [--warmup <epochs>] [--weight-decay 5e-4] [--seed 1] [--resume] [--float16] [--flip]
(see apps/train/README.md)`;

// One leading "--" (from `pnpm train -- …`) is dropped; the rest is recorded in the model's metadata.
const args = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);

/** The command line, checked before anything is read or written: every option declared, every number in range. */
function parseTrainArgs(argv: readonly string[]) {
  const { values } = parseCommandLine(argv, {
    usage: USAGE,
    options: {
      manifest: { type: 'string' },
      out: { type: 'string' },
      align: { type: 'string' },
      config: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      init: { type: 'string' },
      seed: { type: 'string' },
      resume: { type: 'boolean', default: false },
      float16: { type: 'boolean', default: false },
      cache: { type: 'string' },
      backend: { type: 'string' },
      optimizer: { type: 'string' },
      warmup: { type: 'string' },
      patience: { type: 'string' },
      'min-lr': { type: 'string' },
      flip: { type: 'boolean', default: false },
      shift: { type: 'string' },
      teacher: { type: 'string' },
      'teacher-cache': { type: 'string' },
      workers: { type: 'string' },
      f7: { type: 'string' },
      regression: { type: 'string' },
      pairwise: { type: 'string' },
      identity: { type: 'string' },
      'distill-loss': { type: 'string' },
    },
  });
  const teacher = values.teacher === undefined ? undefined : choiceOption(values.teacher, 'teacher', ['dlib'], 'dlib');
  if (teacher && !values['teacher-cache']) throw new UsageError('--teacher dlib needs --teacher-cache <dir> (build it with `pnpm --filter @deepface-ts/train-app teacher-cache`)');
  if (!teacher) {
    for (const k of ['teacher-cache', 'workers', 'f7', 'regression', 'pairwise', 'identity', 'distill-loss'] as const) {
      if (values[k] !== undefined) throw new UsageError(`--${k} is an option of distillation (--teacher dlib)`);
    }
  }
  if (!values.manifest) throw new UsageError('missing --manifest <sfc.csv>');
  if (!values.out) throw new UsageError('missing --out <dir>');
  // `pnpm train …` runs in apps/train: read the user's relative paths from where they ran it.
  const path = (p: string) => resolve(userCwd(), p);
  return {
    manifestPath: path(values.manifest),
    out: path(values.out),
    align: choiceOption(values.align, 'align', ['3d', '2d', 'none'], '3d') satisfies Alignment,
    configName: choiceOption(values.config, 'config', ['default', 'full'], 'default'),
    epochs: numberOption(values.epochs, 'epochs', { integer: true, min: 1, default: 12 }),
    batchSize: numberOption(values.batch, 'batch', { integer: true, min: 1, default: 32 }),
    learningRate: numberOption(values.lr, 'lr', { greaterThan: 0, default: 0.01 }),
    momentum: numberOption(values.momentum, 'momentum', { min: 0, max: 1, default: 0.9 }),
    weightDecay: numberOption(values['weight-decay'], 'weight-decay', { min: 0, default: 5e-4 }),
    init: choiceOption(values.init, 'init', ['he', 'paper'], 'he') satisfies InitScheme,
    seed: numberOption(values.seed, 'seed', { integer: true, min: 0, default: 1 }),
    resume: values.resume,
    float16: values.float16,
    cacheDir: path(values.cache ?? join(homedir(), '.cache', 'deepface-ts')),
    backend: choiceOption(values.backend, 'backend', ['wasm', 'cpu'], 'wasm'),
    optimizer: choiceOption(values.optimizer, 'optimizer', ['momentum', 'adam'], 'momentum'),
    warmupEpochs: numberOption(values.warmup, 'warmup', { min: 0, default: 0 }),
    patience: numberOption(values.patience, 'patience', { integer: true, min: 1, default: 2 }),
    // The paper's floor (1e-4) suits its SGD rates; Adam's are ~30× smaller, so lower it there.
    minLearningRate: numberOption(values['min-lr'], 'min-lr', { min: 0, default: 1e-4 }),
    flip: values.flip,
    shift: numberOption(values.shift, 'shift', { integer: true, min: 0, default: 0 }),
    distill: teacher
      ? {
          teacher,
          teacherCache: path(values['teacher-cache']!),
          workers: numberOption(values.workers, 'workers', { integer: true, min: 1, max: 64, default: 2 }),
          f7: numberOption(values.f7, 'f7', { integer: true, min: 1, default: 512 }),
          loss: {
            regression: numberOption(values.regression, 'regression', { min: 0, default: 1 }),
            pairwise: numberOption(values.pairwise, 'pairwise', { min: 0, default: 1 }),
            identity: numberOption(values.identity, 'identity', { min: 0, default: 0.1 }),
          },
          kind: choiceOption(values['distill-loss'], 'distill-loss', ['cosine', 'mse'], 'cosine'),
          // Adam's rates: the distillation default (3e-4) and a floor 100× lower.
          learningRate: numberOption(values.lr, 'lr', { greaterThan: 0, default: 3e-4 }),
          minLearningRate: numberOption(values['min-lr'], 'min-lr', { min: 0, default: 3e-6 }),
        }
      : undefined,
  };
}

type TrainArgs = ReturnType<typeof parseTrainArgs>;

/** The F7 normalisation maxima over `count` training inputs (no dropout), read in batches of `batchSize` by `load(start, end)`. */
async function representationMaxima(model: DeepFaceModel, count: number, batchSize: number, load: (start: number, end: number) => Promise<Float32Array>): Promise<Float32Array> {
  const size = model.config.inputSize;
  const maxima = new ComponentMaxima(model.representationSize);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const input = tf.tensor4d(await load(start, end), [end - start, size, size, 3]);
    maxima.add(await model.representation(input));
    input.dispose();
  }
  return maxima.floored();
}

/** Distillation from the teacher cache (see distill-train.ts). */
async function mainDistill(a: TrainArgs, d: NonNullable<TrainArgs['distill']>): Promise<void> {
  const { manifestPath, out, epochs, batchSize, seed, backend } = a;
  mkdirSync(out, { recursive: true });
  await initBackend(backend);
  const manifest = readSfcManifest(manifestPath, { badRows: 'skip' });
  if (manifest.skipped.count) console.error(`${manifestPath}: skipped ${manifest.skipped.count} malformed rows, e.g. ${manifest.skipped.examples[0]}`);
  const split = sfcTimeSplit(manifest);
  const heldOut = new Set(split.test);
  const cache = await loadTeacherCache(d.teacherCache);
  const numClasses = manifest.identities.length;
  const base = defaultTrainingConfig(numClasses);
  const config = deepFaceConfig({ inputSize: cache.size, f7: d.f7, numClasses, kernels: { c1: 5, c3: 5, l4: 5, l5: 3, l6: 3 } });
  if (cache.size !== base.inputSize || d.f7 !== 512) console.error(`student: ${config.name} (the default is ${base.name})`);
  const train: DistillSample[] = [];
  const val: DistillSample[] = [];
  let missing = 0;
  for (let r = 0; r < manifest.rows; r++) {
    const views = cache.byPath.get(manifest.imagePath(r));
    if (!views) {
      missing++;
      continue;
    }
    (heldOut.has(r) ? val : train).push({ views, label: manifest.identity[r]! });
  }
  const params = countParameters(config);
  console.error(
    `${config.name}: ${params.total.toLocaleString('en-US')} parameters; ${train.length} training and ${val.length} held-out images of ${numClasses} identities, ` +
      `${cache.entries.length} cached views (${missing} manifest images not in the teacher cache: no face, or not built)`,
  );
  const { weights, history } = await trainDistilled(config, cache, train, val, {
    epochs,
    batchSize,
    learningRate: d.learningRate,
    minLearningRate: d.minLearningRate,
    warmupSteps: Math.round(a.warmupEpochs * Math.floor(train.length / batchSize)),
    weightDecay: a.weightDecay,
    loss: d.loss,
    kind: d.kind,
    workers: d.workers,
    seed,
    flip: a.flip,
    checkpointDir: join(out, 'checkpoints'),
    resume: a.resume,
    onEpoch: (s) =>
      console.error(
        `epoch ${s.epoch}: loss ${s.loss.toFixed(4)} (regression ${s.regression.toFixed(4)}, pairwise ${s.pairwise.toFixed(4)}, identity ${s.identity.toFixed(4)}) | ` +
          `held-out cos ${s.valCosine.toFixed(4)}${Number.isNaN(s.valAccuracy) ? '' : ` acc ${s.valAccuracy.toFixed(4)}`} | lr ${s.learningRate.toPrecision(3)} | ${s.imagesPerSecond.toFixed(1)} img/s`,
      ),
  });

  // F7 normalisation maxima over the training images' view 0 (no dropout), as the paper's descriptor needs.
  const model = DeepFaceModel.fromWeights(weights);
  model.representationMax = await representationMaxima(model, train.length, batchSize, async (start, end) =>
    packBatch(cache, config, train.slice(start, end).map((s) => s.views.find((e) => cache.entries[e]!.view === 0) ?? s.views[0]!)).x,
  );
  const final = history[history.length - 1]!;
  const modelPath = join(out, 'model.safetensors');
  const content = model.toWeights({
    command: `pnpm train ${args.join(' ')}`,
    data: `${manifest.rows} rows, ${numClasses} identities (${manifestPath}); teacher ${d.teacher} (${d.teacherCache}); ${train.length} train / ${val.length} held-out images`,
    epochs: String(history.length),
    distill_loss: JSON.stringify({ ...d.loss, kind: d.kind }),
    final_loss: final.loss.toFixed(4),
    final_regression: final.regression.toFixed(4),
    final_val_cosine: final.valCosine.toFixed(4),
    ...(Number.isNaN(final.valAccuracy) ? {} : { final_val_accuracy: final.valAccuracy.toFixed(4) }),
    history: JSON.stringify(history.map((h) => ({ epoch: h.epoch, loss: +h.loss.toFixed(4), regression: +h.regression.toFixed(4), pairwise: +h.pairwise.toFixed(4), identity: +h.identity.toFixed(4), val_cosine: +h.valCosine.toFixed(4), val_accuracy: Number.isNaN(h.valAccuracy) ? null : +h.valAccuracy.toFixed(4) }))),
  });
  const bytes = await saveWeightsFile(modelPath, { ...content, projection: weights.projection }, a.float16 ? 'float16' : 'float32');
  model.dispose();
  console.log(
    JSON.stringify({
      model: modelPath,
      bytes,
      config: config.name,
      params: params.total,
      epochs: history.length,
      workers: d.workers,
      final_loss: +final.loss.toFixed(4),
      final_regression: +final.regression.toFixed(4),
      final_val_cosine: +final.valCosine.toFixed(4),
      final_val_accuracy: Number.isNaN(final.valAccuracy) ? null : +final.valAccuracy.toFixed(4),
      train_img_per_s: +final.imagesPerSecond.toFixed(1),
      epoch_seconds: +final.seconds.toFixed(1),
    }),
  );
}

async function main(): Promise<void> {
  const parsed = parseTrainArgs(args);
  if (parsed.distill) return mainDistill(parsed, parsed.distill);
  const { manifestPath, out, align, configName, epochs, batchSize, seed, init, backend, cacheDir, ...opts } = parsed;
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
    learningRate: opts.learningRate,
    momentum: opts.momentum,
    weightDecay: opts.weightDecay,
    patience: opts.patience,
    minLearningRate: opts.minLearningRate,
    optimizer: opts.optimizer,
    warmupEpochs: opts.warmupEpochs,
    augment: { flip: opts.flip, shift: opts.shift },
    seed,
    checkpointDir: join(out, 'checkpoints'),
    resume: opts.resume,
    onEpoch: (s) =>
      console.error(
        `epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)} acc ${s.trainAccuracy.toFixed(4)} | val loss ${s.valLoss?.toFixed(4)} acc ${s.valAccuracy?.toFixed(4)} | lr ${Number(s.learningRate.toPrecision(3))} | ${s.imagesPerSecond.toFixed(1)} img/s`,
      ),
  });

  // F7 normalisation maxima over the training crops (no dropout).
  model.representationMax = await representationMaxima(model, trainSet.count, batchSize, async (start, end) =>
    (await trainSet.load(Int32Array.from({ length: end - start }, (_, i) => start + i))).x,
  );
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
    opts.float16 ? 'float16' : 'float32',
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

void runMain(main, USAGE);
