/** The CFP evaluation as a function (the CLI and the real-data test call it). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  fitPca,
  learnWeightsOnValidation,
  oneShot,
  personRecognition,
  projectPca,
  retrieval,
  standardConfigs,
  type OneShotResult,
  type PiperDataset,
  type RecognitionResult,
  type RetrievalResult,
} from '@deepface-ts/piper';
import { createProgress } from '@deepface-ts/progress';
import type { DescriptorName } from '@deepface-ts/describer';
import { cfpFeatures } from './cfp';
import { splitIdentities } from './split';
import { formatReport } from './tables';

export interface CfpEvalOptions {
  dir: string;
  repoRoot: string;
  seed?: number;
  pcaDims?: number;
  /** Softmax temperatures to choose from on validation (with C), per configuration. */
  temperatures?: number[];
  svmC?: number;
  repeats?: number;
  limitIdentities?: number;
  silent?: boolean;
  /** The face part's descriptor (default 'deepface', as in the PIPER paper). */
  face?: DescriptorName;
}

export async function evaluateCfp(o: CfpEvalOptions): Promise<{ text: string; summary: Record<string, unknown> }> {
  const { dir, repoRoot, seed = 1, pcaDims = 128, temperatures = [1, 0.3, 0.1], svmC = 1, repeats = 3 } = o;
  if (!existsSync(dir)) throw new Error(`CFP folder not found: ${dir} (set --dir or DEEPFACE_DATASETS)`);
  const t0 = performance.now();
  const feats = await cfpFeatures(dir, repoRoot, { limitIdentities: o.limitIdentities, silent: o.silent, face: o.face });
  const n = feats.identities.length;
  const { train, val, test } = splitIdentities(feats.identities, seed);
  // PCA per part, fitted on the training identities only (the role of PIPER's training split).
  const ds: PiperDataset = { identities: feats.identities, parts: [] };
  for (const part of feats.parts) {
    const fit = train.filter((j) => part.fires[j]);
    const fitX = new Float32Array(fit.length * part.d);
    fit.forEach((j, r) => fitX.set(part.X.subarray(j * part.d, (j + 1) * part.d), r * part.d));
    const k = Math.min(pcaDims, fit.length - 1);
    const X = projectPca(fitPca(fitX, fit.length, part.d, k, { seed }), part.X, n);
    for (let j = 0; j < n; j++) if (!part.fires[j]) X.fill(0, j * k, (j + 1) * k);
    ds.parts.push({ name: part.name, X, d: k, fires: part.fires });
  }
  const bar = createProgress({ label: 'PIPER protocols', total: 15 + 9 * repeats, unit: 'classifier', silent: o.silent });
  const onStep = (s: string) => {
    if (s.startsWith('train ')) bar.tick(1, s);
  };
  const opts = { seed, temperatures, onStep, svm: { C: svmC } };
  const learned = learnWeightsOnValidation(ds, val, standardConfigs(['face', 'profile']), opts);
  const recognition = personRecognition(ds, test, learned, opts);
  const shots = [1, 2, 3].map((k) => oneShot(ds, test, learned, k, { ...opts, repeats }));
  const ret = retrieval(ds, test, learned, opts);
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  const weights = Object.fromEntries([...learned.weights].map(([name, w]) => [name, { w: Array.from(w.w, (x) => Number(x.toFixed(4))), C: w.C, T: w.temperature }]));
  const text = formatReport('CFP', { train: train.length, val: val.length, test: test.length, failures: feats.failures.length }, recognition, shots, ret, weights);
  return { text, summary: summary(recognition, shots, ret, { dataset: 'cfp', seed, pca: pcaDims, temperatures, svm_c: svmC, seconds: Number(seconds.toFixed(1)) }) };
}

export function summary(r: RecognitionResult, shots: OneShotResult[], ret: RetrievalResult, extra: Record<string, unknown>): Record<string, unknown> {
  const f = (x: number) => Number(x.toFixed(4));
  const out: Record<string, unknown> = { ...extra, identities: r.K, test_instances: r.testInstances, chance: f(1 / r.K) };
  for (const [name, acc] of Object.entries(r.partsAlone)) out[name] = f(acc);
  for (const [name, acc] of Object.entries(r.fused)) out[name.replace(/[^a-z0-9_]+/gi, '_').replace(/_+$/, '')] = f(acc);
  for (const s of shots) {
    out[`one_shot_${s.k}`] = f(s.piper.mean);
    out[`one_shot_${s.k}_global`] = f(s.global.mean);
  }
  out.retrieval_top1 = f(ret.piper[0]);
  out.retrieval_top5 = f(ret.piper[4]);
  out.retrieval_global_top1 = f(ret.global[0]);
  return out;
}

