// `pnpm --filter @deepface-ts/benchmark-app calibrate [--data dir] [--write] [variant …]`
//
// Chooses and calibrates the network descriptors on LFW View 1, the development view
// (pairsDevTrain 2,200 + pairsDevTest 1,000 pairs), never on View 2. For each variant every
// View 1 image goes through the benchmark's describe path (the cached face nearest the centre
// → @deepface-ts/describer's alignment and network, as in verify and identify):
//   - the same-person threshold on cosine similarity is the most accurate one on pairsDevTrain;
//   - accuracy is read at that threshold on pairsDevTest (the figure that picks defaults);
//   - the open-set threshold is the score that at most 1 % of pairsDevTrain's different-person
//     pairs reach (1 % false accepts), for identify.
// --write stores verify / open-set thresholds in packages/describer/src/calibration.json under
// the describer's id. The last stdout line is one JSON object with every variant's figures.
import { datasetsRoot, loadLfw } from '@deepface-ts/datasets';
import { parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { decodeWeightsFile, encodeWeightsFile, readWeightsFileBytes } from '@deepface-ts/network';
import { accuracyAtThreshold, auc, bestThreshold, rocCurve, writeFileAtomic } from '@deepface-ts/metrics';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createDescriptor, describeImages, type DescriptorOptions } from './describe';
import type { Align } from './args';

/** Open-set false-accept rate the identify threshold is set at. */
export const OPEN_SET_FAR = 0.01;

export interface CalibrationVariant {
  name: string;
  descriptor: 'dlib' | 'deepface';
  align: Align;
  options: DescriptorOptions;
}

/**
 * `dlib-chip`, `dlib-chip-mirror`, `dlib-chip-mirror-jitter10`, `dlib-chip-mirror-lm`, `dlib-box`, `dlib-3d`, `deepface-3d`,
 * `deepface-3d-proj`, … (`-lm`: landmarks averaged with the mirrored box's; `-proj`: a distilled DeepFace model's projection
 * instead of its normalised F7)
 */
export function parseCalibrationVariant(name: string, model?: string): CalibrationVariant {
  const m = /^(dlib|deepface)-(chip|box|3d|2d)((?:-mirror)?)((?:-jitter\d+)?)((?:-lm)?)((?:-proj)?)$/.exec(name);
  if (!m) throw new Error(`unknown variant "${name}": expected <dlib|deepface>-<chip|box|3d|2d>[-mirror][-jitterN][-lm][-proj], e.g. dlib-chip-mirror`);
  const [, descriptor, align, mirror, jitter, lm, proj] = m as unknown as [string, 'dlib' | 'deepface', Align, string, string, string, string];
  if (descriptor === 'deepface' && (mirror || jitter)) throw new Error(`${name}: mirror and jitter are dlib options`);
  if (descriptor === 'dlib' && proj) throw new Error(`${name}: -proj is a DeepFace option`);
  const landmarkMirror = lm !== '';
  const deepface = { ...(model ? { model } : {}), ...(proj ? { representation: 'projection' as const } : {}) };
  return { name, descriptor, align, options: { align, landmarkMirror, ...(descriptor === 'dlib' ? { mirror: mirror !== '', jitter: jitter ? Number(jitter.slice(7)) : 0 } : deepface) } };
}

/** Gallery sizes (enrolled images) the open-set threshold is tabulated at. */
export const OPEN_SET_GALLERY_SIZES = [1, 10, 100, 1000, 10000];

/**
 * Open-set thresholds by gallery size. A probe of someone not enrolled is accepted when its
 * best score over the N gallery images reaches the threshold; with impostor pair scores
 * independent, P(accept) = 1 − (1 − q)^N where q is the per-pair tail, so 1 % false accepts
 * per probe needs q = 1 − 0.99^(1/N): a bigger gallery needs a higher threshold. q is read
 * from every different-identity pair among the images (`impostorScores`, millions of pairs on
 * View 1). Sizes whose q leaves fewer than 5 impostor pairs above the threshold are left out
 * (too few to estimate).
 */
export function openSetTable(impostorScores: Float64Array, far: number, sizes = OPEN_SET_GALLERY_SIZES): { images: number; threshold: number }[] {
  const sorted = Float64Array.from(impostorScores).sort();
  const out: { images: number; threshold: number }[] = [];
  for (const n of sizes) {
    const q = 1 - (1 - far) ** (1 / n);
    if (q * sorted.length < 5) break;
    out.push({ images: n, threshold: thresholdAtFar(sorted, q) });
  }
  return out;
}

/** Scores of every pair of images of different identities (dot products of unit descriptors). */
export function allImpostorScores(items: { identity: string; feature: Float32Array }[]): Float64Array {
  const n = items.length;
  let count = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (items[i]!.identity !== items[j]!.identity) count++;
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const a = items[i]!.feature;
    for (let j = i + 1; j < n; j++) {
      if (items[i]!.identity === items[j]!.identity) continue;
      const b = items[j]!.feature;
      let s = 0;
      for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
      out[k++] = s;
    }
  }
  return out;
}

/** The score that at most `far` of the impostor scores reach (score ≥ threshold = accepted). */
export function thresholdAtFar(impostorScores: ArrayLike<number>, far: number): number {
  const s = Float64Array.from(impostorScores).sort();
  if (s.length === 0) throw new Error('thresholdAtFar: no impostor scores');
  const allowed = Math.floor(far * s.length); // impostors allowed at or above the threshold
  const k = s.length - allowed; // s[k - 1] must be rejected
  return k >= s.length ? s[s.length - 1]! + 1e-6 : (s[k - 1]! + s[k]!) / 2;
}

const DEFAULT_VARIANTS = ['dlib-chip', 'dlib-chip-mirror', 'dlib-box', 'dlib-3d', 'deepface-3d'];
const USAGE = `usage: pnpm --filter @deepface-ts/benchmark-app calibrate [--data <datasets dir>] [--cache <dir>] [--model <deepface.safetensors>] [--stamp <out.safetensors>] [--write] [variant …]
variants: <dlib|deepface>-<chip|box|3d|2d>[-mirror][-jitterN][-lm][-proj] (default: ${DEFAULT_VARIANTS.join(' ')})
--stamp <out>: with --model and one deepface variant, writes a copy of the model whose metadata carries the View 1
threshold (verify_threshold, verify_threshold_source), as a shipped model needs.`;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    allowPositionals: true,
    options: { data: { type: 'string' }, write: { type: 'boolean', default: false }, cache: { type: 'string' }, model: { type: 'string' }, stamp: { type: 'string' } },
  });
  const cwd = userCwd();
  const model = values.model ? resolve(cwd, values.model) : undefined;
  const data = values.data ? resolve(cwd, values.data) : datasetsRoot();
  const cacheDir = resolve(cwd, values.cache ?? 'node_modules/.cache/deepface-ts/descriptors');
  const variants = (positionals.length ? positionals : DEFAULT_VARIANTS).map((v) => parseCalibrationVariant(v, model));
  const stamp = values.stamp ? resolve(cwd, values.stamp) : undefined;
  if (stamp && (!model || variants.length !== 1 || variants[0]!.descriptor !== 'deepface')) throw new UsageError('--stamp needs --model and exactly one deepface variant', { usage: USAGE });
  const lfwDir = existsSync(join(data, 'lfw', 'pairsDevTrain.txt')) ? join(data, 'lfw') : data;
  const lfw = loadLfw(lfwDir, { checkImages: false, view2Shape: null });
  const { train, test } = lfw.view1();
  const paths = [...new Set([...train, ...test].flatMap((p) => [p.path1, p.path2]))];
  const calibrationFile = join(dirname(createRequire(import.meta.url).resolve('@deepface-ts/describer/package.json')), 'src', 'calibration.json');
  const results = [];
  for (const v of variants) {
    const descriptor = await createDescriptor(v.descriptor, v.options);
    const d = await describeImages(paths, { descriptor, align: v.align, crop: { fraction: 0.5, size: descriptor.inputSize ?? 150 }, cacheDir, workers: 2, label: `View 1: ${v.name}` });
    const score = (pairs: typeof train) =>
      Float64Array.from(pairs, (p) => {
        const a = d.descriptors.get(p.path1);
        const b = d.descriptors.get(p.path2);
        if (!a || !b) return -Infinity;
        let s = 0;
        for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
        return s;
      });
    const trainScores = score(train);
    const testScores = score(test);
    const fit = bestThreshold(trainScores, train.map((p) => p.same));
    const testAccuracy = accuracyAtThreshold(testScores, test.map((p) => p.same), fit.threshold);
    const testAuc = auc(rocCurve(testScores, test.map((p) => p.same)));
    const openSet = thresholdAtFar(trainScores.filter((_, i) => !train[i]!.same), OPEN_SET_FAR);
    // Every different-identity pair among pairsDevTrain's images, for thresholds by gallery size.
    const items = new Map<string, { identity: string; feature: Float32Array }>();
    for (const p of train) {
      for (const [path, name] of [[p.path1, p.name1], [p.path2, p.name2]] as const) {
        const f = d.descriptors.get(path);
        if (f && !items.has(path)) items.set(path, { identity: name, feature: f });
      }
    }
    const impostors = allImpostorScores([...items.values()]);
    const byGallery = openSetTable(impostors, OPEN_SET_FAR);
    const row = {
      variant: v.name,
      id: descriptor.version,
      threshold: +fit.threshold.toFixed(6),
      train_accuracy: +fit.accuracy.toFixed(4),
      test_accuracy: +testAccuracy.toFixed(4),
      test_auc: +testAuc.toFixed(5),
      open_set_threshold: +openSet.toFixed(6),
      open_set_by_gallery: byGallery.map((r) => ({ images: r.images, threshold: +r.threshold.toFixed(6) })),
      impostor_pairs: impostors.length,
      unaligned: d.unaligned,
      failed: d.failed.length,
    };
    results.push(row);
    descriptor.describer?.dispose();
    console.log(`${v.name.padEnd(28)} threshold ${row.threshold.toFixed(4)}  devTrain ${row.train_accuracy.toFixed(4)}  devTest ${row.test_accuracy.toFixed(4)}  AUC ${row.test_auc.toFixed(4)}  open-set@1%FAR ${row.open_set_threshold.toFixed(4)}`);
    console.log(`${''.padEnd(28)} open set by gallery size (1 % of impostor probes accepted, ${impostors.length} impostor pairs): ${row.open_set_by_gallery.map((r) => `${r.images}: ${r.threshold.toFixed(4)}`).join(', ')}`);
    if (stamp) {
      const content = decodeWeightsFile(await readWeightsFileBytes(model!), model!);
      content.metadata.verify_threshold = String(row.threshold);
      content.metadata.verify_threshold_source = `LFW View 1 (${v.name}): most accurate on pairsDevTrain (${train.length} pairs, ${row.train_accuracy.toFixed(4)}); pairsDevTest ${row.test_accuracy.toFixed(4)} (pnpm --filter @deepface-ts/benchmark-app calibrate ${v.name} --model <file> --stamp <out>)`;
      await writeFileAtomic(stamp, encodeWeightsFile(content, content.storedDtype ?? 'float32'));
      console.log(`${stamp}: ${model} with verify_threshold ${row.threshold}`);
    }
    if (values.write) {
      const all = existsSync(calibrationFile) ? (JSON.parse(readFileSync(calibrationFile, 'utf8')) as Record<string, unknown>) : {};
      all[descriptor.version] = {
        verify: row.threshold,
        openSet: row.open_set_threshold,
        openSetFar: OPEN_SET_FAR,
        openSetByGallery: row.open_set_by_gallery,
        source: `LFW View 1: most accurate on pairsDevTrain (${train.length} pairs, ${row.train_accuracy.toFixed(4)}); pairsDevTest ${row.test_accuracy.toFixed(4)}; open set at ${OPEN_SET_FAR * 100} % of pairsDevTrain's different-person pairs, and by gallery size from its ${impostors.length} different-identity image pairs (pnpm --filter @deepface-ts/benchmark-app calibrate ${v.name} --write)`,
      };
      await writeFileAtomic(calibrationFile, `${JSON.stringify(all, null, 2)}\n`);
    }
  }
  console.log(JSON.stringify({ set: 'lfw-view1', metric: 'cosine', variants: results }));
}

if (process.argv[1] && /calibrate\.ts$/.test(process.argv[1])) {
  void runMain(main, USAGE);
}
