// `pnpm --filter @deepface-ts/benchmark-app choose-ensemble [--data dir] [--cache dir] [--model file] [members …]`
//
// Chooses the members of `--descriptor ensemble` on LFW View 1, the development view, never on
// View 2: for each member set (default `deepface,dlib` and `deepface,dlib,lbp`) the kernel SVM
// over the members' distances (src/ensemble.ts) is trained on pairsDevTrain (2,200 pairs; a
// seeded class-balanced subset of KERNEL_SVM_TRAIN_PAIRS when larger) and read on pairsDevTest
// (1,000 pairs) by its sign, beside each member alone. Images are described as the benchmark
// describes them (same caches). Keep LBP in DEFAULT_ENSEMBLE_MEMBERS only if it raises the
// pairsDevTest accuracy. The last stdout line is one JSON object.
import { datasetsRoot, loadLfw } from '@deepface-ts/datasets';
import { parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { accuracyAtThreshold, auc, rocCurve } from '@deepface-ts/metrics';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENSEMBLE_MEMBERS, type EnsembleMember } from './args';
import { createDescriptor, describeImages } from './describe';
import { ensembleFold, MEMBER_ALIGN, MEMBER_DISTANCE, pairDistanceRows } from './ensemble';
import { balancedSubset, KERNEL_SVM_TRAIN_PAIRS } from './restricted';

const DEFAULT_SETS = ['deepface,dlib', 'deepface,dlib,lbp'];
const USAGE = `usage: pnpm --filter @deepface-ts/benchmark-app choose-ensemble [--data <datasets dir>] [--cache <dir>] [--model <deepface.safetensors>] [members …]
members: comma-separated sets of ${ENSEMBLE_MEMBERS.join(', ')} (default: ${DEFAULT_SETS.join(' ')})`;

/** A member set as `a,b[,c]`: known, distinct, at least two. */
export function parseMemberSet(text: string): EnsembleMember[] {
  const members = text.split(',').map((m) => m.trim());
  for (const m of members) if (!(ENSEMBLE_MEMBERS as readonly string[]).includes(m)) throw new UsageError(`unknown member "${m}" in "${text}"; expected ${ENSEMBLE_MEMBERS.join(', ')}`);
  if (new Set(members).size !== members.length || members.length < 2) throw new UsageError(`"${text}": a member set names at least two distinct descriptors`);
  return members as EnsembleMember[];
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    allowPositionals: true,
    options: { data: { type: 'string' }, cache: { type: 'string' }, model: { type: 'string' } },
  });
  const cwd = userCwd();
  const sets = (positionals.length ? positionals : DEFAULT_SETS).map(parseMemberSet);
  const data = values.data ? resolve(cwd, values.data) : datasetsRoot();
  const cacheDir = resolve(cwd, values.cache ?? 'node_modules/.cache/deepface-ts/descriptors');
  const lfwDir = existsSync(join(data, 'lfw', 'pairsDevTrain.txt')) ? join(data, 'lfw') : data;
  const { train, test } = loadLfw(lfwDir, { checkImages: false, view2Shape: null }).view1();
  const paths = [...new Set([...train, ...test].flatMap((p) => [p.path1, p.path2]))];
  // Each member is described once, whatever the sets naming it.
  const described = new Map<EnsembleMember, Map<string, Float32Array>>();
  for (const m of new Set(sets.flat())) {
    const align = MEMBER_ALIGN[m];
    const descriptor = await createDescriptor(m, { model: m === 'deepface' && values.model ? resolve(cwd, values.model) : undefined, align });
    try {
      // The LFW raw crop of the benchmark runs (centre 0.4), at the descriptor's input size: the same cache files.
      const d = await describeImages(paths, { descriptor, align, crop: { fraction: 0.4, size: descriptor.inputSize ?? 100 }, cacheDir, workers: 2, label: `View 1: ${m}` });
      described.set(m, d.descriptors);
    } finally {
      descriptor.describer?.dispose();
    }
  }
  const results = [];
  for (const members of sets) {
    const maps = members.map((m) => described.get(m)!);
    const tr = pairDistanceRows(train, members, maps);
    const te = pairDistanceRows(test, members, maps);
    const trainLabels = tr.kept.map((i) => train[i]!.same);
    const subset = balancedSubset(trainLabels.map((_, i) => i), (i) => trainLabels[i]!, KERNEL_SVM_TRAIN_PAIRS, 1);
    const M = members.length;
    const trainSet = { rows: Float64Array.from(subset.flatMap((i) => Array.from(tr.rows.subarray(i * M, (i + 1) * M)))), labels: subset.map((i) => trainLabels[i]!) };
    const testLabels = test.map((p) => p.same);
    const read = async (columns: number[]) => {
      const { scores } = await ensembleFold(trainSet, te.rows, M, columns, 'sign');
      // Test pairs a member could not describe count as "different".
      const all = new Float64Array(test.length).fill(Math.min(0, ...scores) - 1);
      te.kept.forEach((i, k) => (all[i] = scores[k]!));
      return { accuracy: +accuracyAtThreshold(all, testLabels, 0).toFixed(4), auc: +auc(rocCurve(all, testLabels)).toFixed(4) };
    };
    const ensemble = await read(members.map((_, j) => j));
    const alone: Record<string, { accuracy: number; auc: number }> = {};
    for (const [j, m] of members.entries()) alone[m] = await read([j]);
    console.log(
      `${members.join('+').padEnd(22)} devTest ensemble ${ensemble.accuracy.toFixed(4)} (AUC ${ensemble.auc.toFixed(4)}); alone: ${members.map((m) => `${m} ${MEMBER_DISTANCE[m]} ${alone[m]!.accuracy.toFixed(4)}`).join(', ')}`,
    );
    results.push({ members, train_pairs: subset.length, test_pairs: test.length, test_pairs_missing: test.length - te.kept.length, ensemble, alone });
  }
  console.log(JSON.stringify({ set: 'lfw-view1', train: 'pairsDevTrain', test: 'pairsDevTest', results }));
}

if (process.argv[1] && /choose-ensemble\.ts$/.test(process.argv[1])) {
  void runMain(main, USAGE);
}
