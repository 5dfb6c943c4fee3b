import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadCfp, loadLfw } from '@deepface-ts/datasets';
import { cmc, cmcChartSpec, dirAtFar, dirChartSpec, dirCurve, writeChart, writeFileAtomic } from '@deepface-ts/metrics';
import type { BenchmarkArgs, DescriptorName } from './args';
import { RESULT_FILE, ROC_FILE, rocRecord } from './compare';
import { createDescriptor, describeImages, type CropSpec, type DescribeResult } from './describe';
import { ENSEMBLE_BETA, ensembleMetrics, MEMBER_ALIGN, MEMBER_DISTANCE, pairDistanceRows, type DistanceSet } from './ensemble';
import { closedSetLists, openSetLists, scoreMatrix, type ImageRef, type Person } from './identification';
import { KERNEL_SVM_TRAIN_PAIRS, restrictedMetrics } from './restricted';
import { foldIdentityPairs, UNRESTRICTED_MAX_SAME_PAIRS, unrestrictedMetrics } from './unrestricted';
import { drawRoc, unsupervisedMetrics, verificationTable, verify, type MetricResult, type VerificationPair } from './verification';
import { openYtf, YTF_CONTEXT, YTF_FRAME_PAIRS, ytfBoxRegion, ytfScores } from './ytf';

/** The machine-readable summary printed as the last stdout line. */
const ALIGN_TEXT: Record<string, string> = { '2d': '2D similarity alignment', '3d': '3D frontalization', chip: "dlib's face chip", box: "face-api's upright landmark-box crop" };

export type Summary = Record<string, unknown> & { protocol: string; descriptor: string; align: string };

/** Raw-crop geometry per dataset: LFW deep-funneled 250×250 → centre 100×100; CFP's looser, variable-size face crops → centre 80 %, resized to 100×100. */
const CROPS: Record<'lfw' | 'cfp', CropSpec> = { lfw: { fraction: 0.4, size: 100 }, cfp: { fraction: 0.8, size: 100 } };
const rawCropOf = (args: BenchmarkArgs, dataset: 'lfw' | 'cfp'): CropSpec => (args.rawCrop ? { ...CROPS[dataset], fraction: args.rawCrop } : CROPS[dataset]);

/** The descriptor of a single-descriptor run (`--descriptor ensemble` has its own path, and the parser allows it only where that path runs). */
function single(args: BenchmarkArgs): DescriptorName {
  if (args.descriptor === 'ensemble') throw new Error(`--descriptor ensemble does not apply to ${args.protocol}`);
  return args.descriptor;
}

/** What a run describes with, for report titles: the descriptor and its alignment, or the ensemble's members and theirs. */
function runName(args: BenchmarkArgs): string {
  return args.members ? `ensemble of ${args.members.map((m) => `${m} (align ${MEMBER_ALIGN[m]})`).join(' + ')}` : `${args.descriptor}, align ${args.align}`;
}

/** The command line of a run, for its report. */
function commandOf(args: BenchmarkArgs): string {
  const what = args.members ? `--descriptor ensemble --members ${args.members.join(',')}` : `--descriptor ${args.descriptor} --align ${args.align}`;
  return `pnpm benchmark ${args.protocol} ${what} --data ${args.data}`;
}

/** `dir/name` when it exists, else `dir` itself when it looks like the dataset (so --data may point at either). */
function datasetDir(data: string, name: 'lfw' | 'cfp' | 'ytf', marker: string): string {
  for (const d of [join(data, name), data]) if (existsSync(join(d, marker))) return d;
  throw new Error(`no ${name.toUpperCase()} folder under ${data}: expected ${join(data, name, marker)} (pass --data <folder holding ${name}/>)`);
}

/** What the report says about describing: counts, cache use, alignment fallbacks, failed images. */
type DescribeStats = Pick<DescribeResult, 'failed' | 'fromCache' | 'unaligned' | 'seconds'> & { described: number };

function describeSection(args: BenchmarkArgs, d: DescribeStats, crop: CropSpec, what = 'images'): string {
  const failed = d.failed.length
    ? `\n\n${d.failed.length} image(s) could not be used (their pairs count as "different"):\n\n${d.failed
        .slice(0, 20)
        .map((f) => `- \`${f.path}\`: ${f.error}`)
        .join('\n')}${d.failed.length > 20 ? `\n- … and ${d.failed.length - 20} more` : ''}`
    : '';
  const alignment =
    args.align === 'none'
      ? ''
      : ` Alignment: detect (SSD + 68 landmarks) → ${ALIGN_TEXT[args.align]} to ${crop.size}×${crop.size}; ${d.unaligned} of the newly described images had no detected face and used the raw crop.`;
  const region = crop.region ? `${crop.region.key} region, then its ` : '';
  return `Descriptor \`${args.descriptor}\` (align \`${args.align}\`; raw crop: ${region}centre ${crop.fraction * 100} % square → ${crop.size}×${crop.size}); ${d.described} ${what} described in ${d.seconds.toFixed(1)} s (${d.fromCache} from the cache${args.cache ? ` in \`${args.cache}\`` : ', cache off'}).${alignment}${failed}`;
}

type VerificationMode = 'unsupervised' | 'restricted' | 'unrestricted';

const METHOD: Record<VerificationMode, { metric: string; second: string; text: string }> = {
  unsupervised: { metric: 'chi2', second: 'cosine', text: "unsupervised: the threshold of each fold is the one maximising accuracy on the other folds' pairs." },
  restricted: {
    metric: 'weighted-chi2-svm',
    second: 'ensemble',
    text: `restricted: each fold's SVMs (C = 1) are trained on the other folds' labelled pairs only and classify by the sign of their decision value. Weighted χ²: linear SVM on the elementwise χ² terms. Ensemble: kernel SVM on K = Σ −‖x−y‖ over two standardised per-cell distance vectors (χ², Hellinger), trained on a seeded class-balanced subset of ${KERNEL_SVM_TRAIN_PAIRS} training pairs per fold. ROC/AUC/EER pool the held-out scores.`,
  },
  unrestricted: {
    metric: 'weighted-chi2-svm-unrestricted',
    second: 'restricted',
    text: `unrestricted (identity labels of the training folds, no outside data): for each fold, the images named in the other folds' pairs give every same-identity pair (a seeded sample of ${UNRESTRICTED_MAX_SAME_PAIRS} when there are more) and as many seeded random different-identity pairs; a linear SVM (C = 1) on their elementwise χ² terms is the weighted χ², thresholded where it is most accurate on those training pairs, and tested on the fold's official pairs. The folds are checked to be identity-disjoint. For comparison, the restricted weighted χ² (trained on the other folds' official pairs, SVM sign) on the same folds. ROC/AUC/EER pool the held-out scores.`,
  },
};

async function runVerification(args: BenchmarkArgs, title: string, pairs: VerificationPair[], crop: CropSpec, rocDir?: string, mode: VerificationMode = 'unsupervised'): Promise<Summary> {
  const t0 = performance.now();
  if (args.members) {
    if (mode === 'unsupervised') throw new Error(`--descriptor ensemble is trained: it does not apply to ${args.protocol}`);
    return runEnsembleVerification(args, title, pairs, crop, rocDir, mode);
  }
  const descriptor = await createDescriptor(single(args), { model: args.model, align: args.align, mirror: args.mirror, jitter: args.jitter });
  if (descriptor.inputSize) crop = { ...crop, size: descriptor.inputSize };
  const d = await describeImages(
    pairs.flatMap((p) => [p.path1, p.path2]),
    { descriptor, align: args.align, crop, cacheDir: args.cache, workers: args.workers, label: `${args.protocol}: describe` },
  );
  let metrics: MetricResult[];
  let missingPairs = 0;
  let extra: Record<string, unknown> = {};
  if (mode === 'restricted') {
    if (descriptor.signed) throw new Error(`the restricted protocol trains on χ² terms, which need non-negative features; ${args.descriptor} has signed values`);
    // A histogram descriptor is compared per cell; any other non-negative vector (DeepFace's
    // normalised F7) per element, so its ensemble kernels act on the χ² vector itself (SPEC §3).
    const r = await restrictedMetrics(pairs, d.descriptors, descriptor.dim, descriptor.binsPerCell ?? 1, { seed: args.seed });
    metrics = r.metrics;
    missingPairs = pairs.length - r.usedPairs;
  } else if (mode === 'unrestricted') {
    if (descriptor.signed) throw new Error(`the unrestricted protocol trains a weighted χ², which needs non-negative features; ${args.descriptor} has signed values`);
    const r = unrestrictedMetrics(pairs, d.descriptors, descriptor.dim, { seed: args.seed });
    metrics = r.metrics;
    missingPairs = pairs.length - r.usedPairs;
    extra = { trainPairs: r.trainPairs };
  } else {
    ({ metrics, missingPairs } = verify(pairs, d.descriptors, { chi2: !descriptor.signed }));
  }
  const method = mode === 'unsupervised' && descriptor.signed ? COSINE_ONLY : METHOD[mode];
  return reportVerification(args, {
    t0,
    title,
    rocDir,
    metrics,
    mode: method,
    intro: `${pairs.length} pairs in ${new Set(pairs.map((p) => p.fold)).size} folds; ${method.text}`,
    details: `${describeSection(args, { ...d, described: d.descriptors.size }, crop)}${missingPairs ? `\n\n${missingPairs} pair(s) had a missing descriptor.` : ''}`,
    summary: { ...extra, descriptor_id: descriptor.version, pairs: pairs.length, images: d.descriptors.size, failedImages: d.failed.length, fromCache: d.fromCache },
  });
}

/** Unsupervised scoring of a descriptor with signed values (`Descriptor.signed`): χ² does not apply, cosine is the only metric. */
const COSINE_ONLY = {
  metric: 'cosine',
  second: '',
  text: "unsupervised, cosine only (the descriptor's values are signed, so χ² does not apply): the threshold of each fold is the one maximising accuracy on the other folds' pairs.",
};

/**
 * `--descriptor ensemble` on LFW restricted / unrestricted: every image is described once per
 * member, on that member's alignment (its descriptor cache is the single-descriptor run's),
 * each pair becomes its vector of member distances, and the kernel SVM over them is trained
 * per fold (src/ensemble.ts) — on the other folds' official pairs (restricted; SVM sign), or on
 * identity pairs of the other folds' images (unrestricted, as the unrestricted weighted χ²;
 * threshold most accurate on those pairs). Each member alone is reported beside it.
 */
async function runEnsembleVerification(args: BenchmarkArgs, title: string, pairs: VerificationPair[], crop: CropSpec, rocDir: string | undefined, mode: 'restricted' | 'unrestricted'): Promise<Summary> {
  const t0 = performance.now();
  const members = args.members!;
  const paths = pairs.flatMap((p) => [p.path1, p.path2]);
  const described: Map<string, Float32Array>[] = [];
  const sections: string[] = [];
  const ids: string[] = [];
  let failedImages = 0;
  let fromCache = 0;
  for (const m of members) {
    const align = MEMBER_ALIGN[m];
    const descriptor = await createDescriptor(m, { model: m === 'deepface' ? args.model : undefined, align });
    const memberCrop = descriptor.inputSize ? { ...crop, size: descriptor.inputSize } : crop;
    let d: DescribeResult;
    try {
      d = await describeImages(paths, { descriptor, align, crop: memberCrop, cacheDir: args.cache, workers: args.workers, label: `${args.protocol}: describe (${m})` });
    } finally {
      descriptor.describer?.dispose();
    }
    described.push(d.descriptors);
    ids.push(descriptor.version);
    failedImages += d.failed.length;
    fromCache += d.fromCache;
    sections.push(describeSection({ ...args, descriptor: m, align }, { ...d, described: d.descriptors.size }, memberCrop));
  }
  const { rows, kept } = pairDistanceRows(pairs, members, described);
  const keptPairs = kept.map((i) => pairs[i]!);
  const usable = (path: string) => described.every((d) => d.has(path));
  const trainPairs = { same: [] as number[], different: [] as number[] };
  const training =
    mode === 'unrestricted'
      ? (fold: number): DistanceSet => {
          const train = foldIdentityPairs(pairs, fold, usable, { seed: args.seed });
          const nSame = train.filter((p) => p.same).length;
          trainPairs.same.push(nSame);
          trainPairs.different.push(train.length - nSame);
          return { rows: pairDistanceRows(train, members, described).rows, labels: train.map((p) => p.same) };
        }
      : undefined;
  const metrics = await ensembleMetrics(keptPairs, rows, members, { training, threshold: mode === 'restricted' ? 'sign' : 'train', seed: args.seed, label: `${args.protocol}: ensemble folds` });
  const missingPairs = pairs.length - keptPairs.length;
  const distances = members.map((m) => `${m} ${MEMBER_DISTANCE[m]}`).join(', ');
  const how =
    mode === 'restricted'
      ? `restricted: each fold's SVMs are trained on a seeded class-balanced subset of ${KERNEL_SVM_TRAIN_PAIRS} of the other folds' labelled pairs and classify by the sign of their decision value.`
      : `unrestricted (identity labels of the training folds, no outside data): each fold's SVMs are trained on a seeded class-balanced subset of ${KERNEL_SVM_TRAIN_PAIRS} of the identity pairs of the other folds' images (every same-identity pair, at most ${UNRESTRICTED_MAX_SAME_PAIRS}, and as many different-identity pairs; the folds are checked to be identity-disjoint), thresholded where they are most accurate on those pairs, and tested on the fold's official pairs.`;
  return reportVerification(args, {
    t0,
    title,
    rocDir,
    metrics,
    mode: { metric: mode === 'restricted' ? 'ensemble-kernel-svm' : 'ensemble-kernel-svm-unrestricted', second: '', members: [...members] },
    intro: `${pairs.length} pairs in ${new Set(pairs.map((p) => p.fold)).size} folds. Ensemble over descriptors: each pair is the vector of its member distances (${distances}), each standardised on the training pairs; a kernel SVM (C = 1) on K = Σ_m −|x_m − y_m|^${ENSEMBLE_BETA} (one power CPD kernel per member). Each member alone is the same SVM on its one distance. ${how} ROC/AUC/EER pool the held-out scores.`,
    details: `${sections.join('\n\n')}${missingPairs ? `\n\n${missingPairs} pair(s) lacked a member's descriptor and were left out.` : ''}`,
    summary: {
      ...(mode === 'unrestricted' ? { trainPairs } : {}),
      descriptor_id: ids.join('+'),
      pairs: pairs.length,
      usedPairs: keptPairs.length,
      images: new Set(paths).size,
      failedImages,
      fromCache,
    },
  });
}

/** Writes report.md and the ROC plots of a verification protocol, prints its metrics (one or two), and returns the JSON summary. */
async function reportVerification(
  args: BenchmarkArgs,
  r: {
    t0: number;
    title: string;
    rocDir?: string;
    metrics: MetricResult[];
    /** The headline metric's key, the second metric's (nested under it), or `members`: the keys of metrics 2… nested under `members` (the ensemble's members alone). */
    mode: { metric: string; second: string; members?: string[] };
    intro: string;
    details: string;
    summary: Record<string, unknown>;
  },
): Promise<Summary> {
  const plots = await drawRoc(r.metrics, `${r.title}, ${runName(args)}`, join(args.out, 'roc'), r.rocDir);
  const [first, second] = r.metrics as [MetricResult, MetricResult | undefined];
  const seconds = (performance.now() - r.t0) / 1000;
  const report = `# ${r.title}: ${runName(args)}

${r.intro} Accuracy is the mean over folds ± standard error (sample std / √folds).

${verificationTable(r.metrics)}

${r.details}

![ROC](roc.png)

![ROC, log FPR](roc-log.png)

Total ${seconds.toFixed(1)} s. Command: \`${commandOf(args)}\`
`;
  await writeFileAtomic(join(args.out, 'report.md'), report);
  console.error(`report: ${join(args.out, 'report.md')}; plots: ${plots.filter((p) => p.endsWith('.png')).join(', ')}`);
  for (const m of r.metrics) console.log(`${m.name}: ${m.folds.mean.toFixed(4)} ± ${m.folds.se.toFixed(4)}  AUC ${m.auc.toFixed(4)}  EER ${m.eer.toFixed(4)}`);
  // The headline is the first metric; the second is nested under its own key (the ensemble's members alone: under `members`).
  const readOut = (m: MetricResult) => ({ accuracy: round(m.folds.mean), se: round(m.folds.se), auc: round(m.auc), eer: round(m.eer) });
  const nested = r.mode.members
    ? { members: Object.fromEntries(r.mode.members.map((k, i) => [k, readOut(r.metrics[i + 1]!)])) }
    : second
      ? { [r.mode.second]: readOut(second) }
      : {};
  const summary: Summary = {
    protocol: args.protocol,
    descriptor: args.descriptor,
    align: args.members ? args.members.map((m) => `${m}:${MEMBER_ALIGN[m]}`).join(',') : args.align,
    metric: r.mode.metric,
    accuracy: round(first.folds.mean),
    se: round(first.folds.se),
    auc: round(first.auc),
    eer: round(first.eer),
    ...nested,
    // Per-fold accuracies of the headline metric: what `pnpm benchmark compare` pairs up.
    fold_accuracy: first.folds.folds.map((f) => round(f.testAccuracy)),
    ...r.summary,
    seconds: Number(seconds.toFixed(1)),
    report: join(args.out, 'report.md'),
  };
  await writeFileAtomic(join(args.out, RESULT_FILE), `${JSON.stringify(summary)}\n`);
  // The headline ROC, for `compare` to draw runs side by side.
  await writeFileAtomic(join(args.out, ROC_FILE), JSON.stringify(rocRecord(first)));
  return summary;
}

/** YouTube Faces (DeepFace protocol): video pairs scored by the mean similarity of their frame pairs; 10-fold accuracy over the splits. */
async function runYtf(args: BenchmarkArgs): Promise<Summary> {
  const t0 = performance.now();
  const { pairs, frames } = openYtf(datasetDir(args.data, 'ytf', 'splits.txt'));
  const descriptor = await createDescriptor(single(args), { model: args.model, align: args.align, mirror: args.mirror, jitter: args.jitter });
  const crop: CropSpec = { fraction: 1 / YTF_CONTEXT, size: descriptor.inputSize ?? 100, region: ytfBoxRegion(frames) };
  const s = await ytfScores(pairs, frames, { descriptor, align: args.align, crop, cacheDir: args.cache, workers: args.workers, seed: args.seed });
  const metrics = unsupervisedMetrics(
    descriptor.signed
      ? [['cosine', s.cos]]
      : [
          ['χ²', s.chi],
          ['cosine', s.cos],
        ],
    pairs.map((p) => p.same),
    pairs.map((p) => p.split),
    s.missing,
  );
  const foldPairs = metrics[0]!.folds.folds.map((f) => f.testPairs);
  return reportVerification(args, {
    t0,
    title: 'YouTube Faces (DeepFace protocol, unsupervised)',
    metrics,
    mode: descriptor.signed ? COSINE_ONLY : METHOD.unsupervised,
    intro: `${pairs.length} video pairs in ${foldPairs.length} splits; each scored by the mean similarity of ${YTF_FRAME_PAIRS} frame pairs (one frame from each video, seeded per split and pair with --seed ${args.seed}); frames cut around their labelled face box. ${(descriptor.signed ? COSINE_ONLY : METHOD.unsupervised).text} Published DeepFace-single: 91.4 ± 1.1 %, AUC 96.3, EER 8.6.`,
    details: `${describeSection(args, { ...s, fromCache: 0 }, crop, 'frames')} ${s.fromCache} of ${pairs.length} video-pair scores came from the score cache.${s.missing.length ? `\n\n${s.missing.length} video pair(s) had no scorable frame pair.` : ''}`,
    summary: { pairs: pairs.length, foldPairs, framePairsPerVideoPair: YTF_FRAME_PAIRS, frames: s.described, failedImages: s.failed.length, missingPairs: s.missing.length, fromCache: s.fromCache },
  });
}

async function runIdentification(args: BenchmarkArgs, open: boolean): Promise<Summary> {
  const t0 = performance.now();
  const lfw = loadLfw(datasetDir(args.data, 'lfw', 'people.txt'), { checkImages: false, view2Shape: null });
  if (!lfw.people) throw new Error(`${join(lfw.dir, 'people.txt')} not found (the probe–gallery lists are generated from it)`);
  const people: Person[] = lfw.people.folds.flat().map((p) => ({ name: p.name, images: p.images }));
  const lists = open ? openSetLists(people, args.seed) : closedSetLists(people, args.seed);
  const path = (r: ImageRef) => lfw.imagePath(r.name, r.index);
  let crop: CropSpec = rawCropOf(args, 'lfw');
  const descriptor = await createDescriptor(single(args), { model: args.model, align: args.align, mirror: args.mirror, jitter: args.jitter });
  if (descriptor.inputSize) crop = { ...crop, size: descriptor.inputSize };
  const d = await describeImages([...lists.gallery, ...lists.probes].map(path), {
    descriptor,
    align: args.align,
    crop,
    cacheDir: args.cache,
    workers: args.workers,
    label: `${args.protocol}: describe`,
  });
  // χ² for non-negative features; cosine for a descriptor with signed values.
  const similarity = descriptor.signed ? 'cosine' : 'chi2';
  const simName = descriptor.signed ? 'cosine' : 'χ²';
  const scores = scoreMatrix(
    lists.probes.map((r) => d.descriptors.get(path(r))),
    lists.gallery.map((r) => d.descriptors.get(path(r))),
    `${args.protocol}: match`,
    similarity,
  );
  const input = { scores, probeIds: lists.probes.map((r) => r.name), galleryIds: lists.gallery.map((r) => r.name) };
  const listsFile = join(args.out, 'lists.json');
  await writeFileAtomic(listsFile, JSON.stringify({ seed: args.seed, gallery: lists.gallery, probes: lists.probes }));
  const common = { protocol: args.protocol, descriptor: args.descriptor, align: args.align, metric: similarity, seed: args.seed, galleryIdentities: lists.gallery.length, probes: lists.probes.length };
  let summary: Summary;
  let body: string;
  if (!open) {
    const curve = cmc(input, 10);
    await writeChart(cmcChartSpec([{ name: `ours ${args.descriptor} ${simName}`, cmc: curve }], { title: `LFW closed set (seed ${args.seed})` }), join(args.out, 'cmc'));
    summary = { ...common, rank1: round(curve[0]!), rank10: round(curve[9]!) };
    body = `| rank-1 | rank-5 | rank-10 |\n|---|---|---|\n| ${curve[0]!.toFixed(4)} | ${curve[4]!.toFixed(4)} | ${curve[9]!.toFixed(4)} |\n\n![CMC](cmc.png)`;
    console.log(`rank-1 ${curve[0]!.toFixed(4)}  rank-10 ${curve[9]!.toFixed(4)}`);
  } else {
    const [at1, at01] = dirAtFar(input, [0.01, 0.001]) as [ReturnType<typeof dirAtFar>[0], ReturnType<typeof dirAtFar>[0]];
    await writeChart(dirChartSpec([{ name: `ours ${args.descriptor} ${simName}`, points: dirCurve(input, 1e-3) }], { title: `LFW open set (seed ${args.seed})` }), join(args.out, 'dir'));
    summary = { ...common, dir_at_1far: round(at1.dir), dir_at_01far: round(at01.dir), actual_far: round(at1.actualFar) };
    body = `| DIR @ 1 % FAR | DIR @ 0.1 % FAR |\n|---|---|\n| ${at1.dir.toFixed(4)} (actual FAR ${at1.actualFar.toFixed(4)}) | ${at01.dir.toFixed(4)} (actual FAR ${at01.actualFar.toFixed(4)}) |\n\n![DIR vs FAR](dir.png)`;
    console.log(`DIR @ 1% FAR ${at1.dir.toFixed(4)}  DIR @ 0.1% FAR ${at01.dir.toFixed(4)}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const report = `# LFW ${open ? 'open' : 'closed'}-set identification: ${args.descriptor}, align ${args.align}

Gallery ${lists.gallery.length} identities × 1 image, ${lists.probes.length} probes${open ? ` (${OPEN_GENUINE(lists)} genuine, ${lists.probes.length - OPEN_GENUINE(lists)} impostors)` : ''}. Lists generated from \`people.txt\` with seed ${args.seed} (see apps/benchmark README; saved in \`${relative(args.out, listsFile)}\`). Similarity: ${descriptor.signed ? 'cosine' : '−χ²'}. No training on LFW.

${body}

${describeSection(args, { ...d, described: d.descriptors.size }, crop)}

Total ${seconds.toFixed(1)} s.
`;
  await writeFileAtomic(join(args.out, 'report.md'), report);
  return { ...summary, images: d.descriptors.size, failedImages: d.failed.length, fromCache: d.fromCache, seconds: Number(seconds.toFixed(1)), report: join(args.out, 'report.md') };
}

const OPEN_GENUINE = (lists: { probes: ImageRef[]; gallery: ImageRef[] }) => {
  const g = new Set(lists.gallery.map((r) => r.name));
  return lists.probes.filter((r) => g.has(r.name)).length;
};

function round(x: number): number {
  return Number(x.toFixed(4));
}

export async function runBenchmark(args: BenchmarkArgs): Promise<Summary> {
  switch (args.protocol) {
    case 'lfw':
    case 'lfw-restricted':
    case 'lfw-unrestricted': {
      const dir = datasetDir(args.data, 'lfw', 'pairs.txt');
      // Any fold shape is accepted (the parser still checks lines against the header), so custom pair files work too.
      const lfw = loadLfw(dir, { view2Shape: null });
      const pairs: VerificationPair[] = [];
      for (const fold of lfw.view2Folds()) for (const p of fold.test) pairs.push({ path1: p.path1, path2: p.path2, same: p.same, fold: fold.fold, name1: p.name1, name2: p.name2 });
      const mode = args.protocol === 'lfw' ? 'unsupervised' : args.protocol === 'lfw-restricted' ? 'restricted' : 'unrestricted';
      return runVerification(args, `LFW View 2 (${mode})`, pairs, rawCropOf(args, 'lfw'), join(dir, 'roc-files'), mode);
    }
    case 'cfp-ff':
    case 'cfp-fp': {
      const cfp = loadCfp(datasetDir(args.data, 'cfp', 'Protocol'));
      const kind = args.protocol === 'cfp-ff' ? 'FF' : 'FP';
      const pairs = cfp.folds[kind].flat().map((p) => ({ path1: p.first.path, path2: p.second.path, same: p.same, fold: p.fold }));
      return runVerification(args, `CFP ${kind} (unsupervised)`, pairs, rawCropOf(args, 'cfp'));
    }
    case 'lfw-closed':
      return runIdentification(args, false);
    case 'lfw-open':
      return runIdentification(args, true);
    case 'ytf':
      return runYtf(args);
  }
}
