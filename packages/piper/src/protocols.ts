/**
 * PIPER's protocols (§5) on a dataset of instances with identity labels and part features:
 * person recognition (test set split in halves, train on one, test on the other, average), one-shot
 * (k = 1, 2, 3 training examples per identity) and unsupervised retrieval (fused vectors of
 * validation-identity scores, Euclidean kNN, top-k hit rate). Part weights come from the validation set.
 */
import { accuracy, argmaxRows, filledParts, fuse, PiperError, type FillingMode, type FusionInput, type PartPrediction } from './fusion';
import { checkPartFeatures, partScores, predictPart, trainPartClassifier, type PartClassifier, type PartClassifierOptions, type PartFeatures } from './parts';
import { createRandom, shuffle } from './rng';
import { learnPartWeights, type FilledSet, type LearnWeightsOptions } from './weights';

export interface PiperDataset {
  /** Identity of each instance (any integers ≥ 0). */
  identities: Int32Array;
  /** Part features; `parts[0]` is the global model and must fire on every instance. */
  parts: PartFeatures[];
}

/** One row of the ablation tables: which parts, with or without the global model and sparsity filling. */
export interface FusionConfig {
  name: string;
  /** Names of the non-global parts used. */
  parts: string[];
  /** false: P0 uniform (PIPER's Table 4 rows without the global model). */
  global: boolean;
  mode: FillingMode;
}

export interface ProtocolOptions extends PartClassifierOptions {
  weights?: LearnWeightsOptions;
  /**
   * Softmax temperatures to choose from on validation, per configuration, together with C (default: just
   * `temperature`, else 1). The P̂'s are re-softmaxed from the same SVM scores, so this costs no retraining.
   */
  temperatures?: number[];
  seed?: number;
  /** Called at each step of long protocols (e.g. to drive a progress bar). */
  onStep?: (step: string) => void;
}

export function checkDataset(ds: PiperDataset): number {
  const n = ds.identities.length;
  if (ds.parts.length === 0) throw new PiperError('dataset has no parts (parts[0] must be the global model)');
  for (const p of ds.parts) checkPartFeatures(p, n);
  const g = ds.parts[0];
  for (let j = 0; j < n; j++) {
    if (!g.fires[j]) throw new PiperError(`global part '${g.name}' must fire on every instance; it does not fire on instance ${j}`);
    if (!(Number.isInteger(ds.identities[j]) && ds.identities[j] >= 0)) throw new PiperError(`instance ${j}: identity ${ds.identities[j]} must be an integer ≥ 0`);
  }
  const names = new Set<string>();
  for (const p of ds.parts) {
    if (names.has(p.name)) throw new PiperError(`two parts are named '${p.name}'`);
    names.add(p.name);
  }
  return n;
}

/** Sorted distinct identities of some instances. */
export function identitiesOf(ds: PiperDataset, idx: ArrayLike<number>): Int32Array {
  const s = new Set<number>();
  for (let r = 0; r < idx.length; r++) s.add(ds.identities[idx[r]]);
  return Int32Array.from([...s].sort((a, b) => a - b));
}

/**
 * Splits instances into two halves per identity (each identity's instances shuffled, alternately assigned),
 * so identities with ≥ 2 instances appear in both halves.
 */
export function splitHalves(ds: PiperDataset, idx: ArrayLike<number>, seed: number): [Int32Array, Int32Array] {
  const byId = new Map<number, number[]>();
  for (let r = 0; r < idx.length; r++) {
    const id = ds.identities[idx[r]];
    let list = byId.get(id);
    if (!list) byId.set(id, (list = []));
    list.push(idx[r]);
  }
  const rand = createRandom(seed);
  const a: number[] = [];
  const b: number[] = [];
  let flip = 0;
  for (const id of [...byId.keys()].sort((x, y) => x - y)) {
    const list = shuffle(byId.get(id)!, rand);
    // Odd counts: alternate which half gets the extra one, so the halves stay the same size.
    for (let t = 0; t < list.length; t++) ((t + flip) % 2 === 0 ? a : b).push(list[t]);
    if (list.length % 2 === 1) flip ^= 1;
  }
  return [Int32Array.from(a), Int32Array.from(b)];
}

/** Given halves (e.g. PIPA's split files) must partition the set. */
function checkHalves(halves: [ArrayLike<number>, ArrayLike<number>], idx: ArrayLike<number>, what: string): [Int32Array, Int32Array] {
  const all = new Set(Array.from(idx));
  const seen = new Set<number>();
  for (const h of halves) {
    if (h.length === 0) throw new PiperError(`${what} half is empty`);
    for (let r = 0; r < h.length; r++) {
      if (!all.has(h[r])) throw new PiperError(`${what} halves: instance ${h[r]} is not in the ${what} set`);
      if (seen.has(h[r])) throw new PiperError(`${what} halves: instance ${h[r]} is in both halves`);
      seen.add(h[r]);
    }
  }
  if (seen.size !== all.size) throw new PiperError(`${what} halves cover ${seen.size} of the ${all.size} instances`);
  return [Int32Array.from(halves[0]), Int32Array.from(halves[1])];
}

/** All parts' predictions for `testIdx`, from classifiers trained on `trainIdx`, over the identity space `space`. */
export interface SplitPredictions {
  global: PartPrediction;
  parts: PartPrediction[];
  /** Test labels in 0..K−1 (−1 where the identity is not in the space). */
  labels: Int32Array;
  K: number;
  space: Int32Array;
  /** Softmax temperature of the P̂'s. */
  temperature: number;
  /** What `withTemperature` needs to re-softmax the same SVM scores. */
  raw: { classifiers: PartClassifier[]; features: PartFeatures[]; testIdx: ArrayLike<number>; scores: Float32Array[] };
}

/** The same predictions with P̂ᵢ = softmax(scores / T) (no retraining). */
export function withTemperature(p: SplitPredictions, T: number): SplitPredictions {
  if (T === p.temperature) return p;
  const preds = p.raw.classifiers.map((clf, i) => predictPart(clf, p.raw.features[i], p.raw.testIdx, { temperature: T, scores: p.raw.scores[i] }));
  return { ...p, global: preds[0], parts: preds.slice(1), temperature: T };
}

export function predictSplit(ds: PiperDataset, trainIdx: ArrayLike<number>, testIdx: ArrayLike<number>, space: Int32Array, opts: ProtocolOptions = {}): SplitPredictions {
  const n = checkDataset(ds);
  const K = space.length;
  const local = new Map<number, number>();
  space.forEach((id, c) => local.set(id, c));
  const labels = new Int32Array(n).fill(-1);
  for (let j = 0; j < n; j++) labels[j] = local.get(ds.identities[j]) ?? -1;
  const trainInSpace = Array.from(trainIdx).filter((j) => labels[j] >= 0);
  const preds: PartPrediction[] = [];
  const classifiers: PartClassifier[] = [];
  const scores: Float32Array[] = [];
  const temperature = opts.temperature ?? 1;
  for (const part of ds.parts) {
    opts.onStep?.(`train ${part.name}`);
    const clf = trainPartClassifier(part, labels, trainInSpace, K, opts);
    const sc = partScores(clf, part, testIdx);
    classifiers.push(clf);
    scores.push(sc);
    preds.push(predictPart(clf, part, testIdx, { temperature, scores: sc }));
  }
  const testLabels = Int32Array.from(Array.from(testIdx, (j) => labels[j]));
  return { global: preds[0], parts: preds.slice(1), labels: testLabels, K, space, temperature, raw: { classifiers, features: ds.parts, testIdx, scores } };
}

/** The FusionInput and fill options of one configuration. */
export function configInput(p: SplitPredictions, cfg: FusionConfig): FusionInput {
  const parts = cfg.parts.map((name) => {
    const found = p.parts.find((q) => q.name === name);
    if (!found) throw new PiperError(`configuration '${cfg.name}' names part '${name}', which the dataset does not have (${p.parts.map((q) => q.name).join(', ')})`);
    return found;
  });
  return { global: p.global, parts, n: p.labels.length, K: p.K };
}

function filledSet(p: SplitPredictions, cfg: FusionConfig): FilledSet {
  return { filled: filledParts(configInput(p, cfg), { mode: cfg.mode, uniformP0: !cfg.global }), labels: p.labels, K: p.K };
}

/** Standard configurations: full PIPER and the ablations of Tables 2 and 4 for the given part names. */
export function standardConfigs(partNames: string[]): FusionConfig[] {
  const configs: FusionConfig[] = [
    { name: 'piper', parts: partNames, global: true, mode: 'filling' },
    { name: 'fusion_no_filling', parts: partNames, global: true, mode: 'none' },
  ];
  if (partNames.length >= 2) configs.push({ name: `${partNames.join('+')} (uniform P0)`, parts: partNames, global: false, mode: 'filling' });
  if (partNames.length >= 2) for (const name of partNames) configs.push({ name: `global+${name}`, parts: [name], global: true, mode: 'filling' });
  return configs;
}

/**
 * Accuracy of one part alone on its predictions: argmax P̂ᵢ where it fires; chance (1/K, in expectation)
 * where it does not (as PIPER reports DeepFace alone). Instances with labels outside the space count as wrong.
 */
export function partAloneAccuracy(pred: PartPrediction, labels: Int32Array, K: number): number {
  const n = labels.length;
  if (n === 0) return 0;
  const arg = argmaxRows(pred.probs, K);
  let score = 0;
  for (let j = 0; j < n; j++) {
    if (!pred.fires[j]) score += labels[j] >= 0 ? 1 / K : 0;
    else if (arg[j] === labels[j]) score += 1;
  }
  return score / n;
}

export interface ConfigWeights {
  w: Float32Array;
  C: number;
  /** Softmax temperature chosen with C on validation. */
  temperature: number;
  grid: { C: number; temperature: number; accuracy: number }[];
}

export interface WeightsForConfigs {
  configs: FusionConfig[];
  weights: Map<string, ConfigWeights>;
  /** Validation halves and their identity space (reused by retrieval). */
  valHalves: [Int32Array, Int32Array];
  valSpace: Int32Array;
}

/** Cross-fitted part weights on the validation instances, for each configuration. */
export function learnWeightsOnValidation(
  ds: PiperDataset,
  valIdx: ArrayLike<number>,
  configs: FusionConfig[],
  opts: ProtocolOptions & { halves?: [ArrayLike<number>, ArrayLike<number>] } = {},
): WeightsForConfigs {
  const seed = opts.seed ?? 1;
  const [A, B] = opts.halves ? checkHalves(opts.halves, valIdx, 'validation') : splitHalves(ds, valIdx, seed);
  const space = identitiesOf(ds, valIdx);
  opts.onStep?.('validation half A');
  const onA = predictSplit(ds, B, A, space, opts); // half A predicted by parts trained on B
  opts.onStep?.('validation half B');
  const onB = predictSplit(ds, A, B, space, opts);
  const temperatures = opts.temperatures ?? [opts.temperature ?? 1];
  if (temperatures.length === 0 || !temperatures.every((t) => t > 0 && Number.isFinite(t))) throw new PiperError(`temperatures must be > 0, got ${temperatures.join(', ')}`);
  const weights = new Map<string, ConfigWeights>();
  for (const cfg of configs) {
    opts.onStep?.(`weights ${cfg.name}`);
    let best: ConfigWeights | undefined;
    let bestAcc = -1;
    const grid: ConfigWeights['grid'] = [];
    for (const T of temperatures) {
      const learned = learnPartWeights(filledSet(withTemperature(onA, T), cfg), filledSet(withTemperature(onB, T), cfg), { seed, ...opts.weights });
      for (const g of learned.grid) grid.push({ ...g, temperature: T });
      const acc = Math.max(...learned.grid.map((g) => g.accuracy));
      if (acc > bestAcc) {
        bestAcc = acc;
        best = { w: learned.w, C: learned.C, temperature: T, grid };
      }
    }
    weights.set(cfg.name, { ...best!, grid });
  }
  return { configs, weights, valHalves: [A, B], valSpace: space };
}

export interface RecognitionResult {
  /** Each part alone (global: argmax P0; others: chance where they do not fire), averaged over the two halves. */
  partsAlone: Record<string, number>;
  /** Each configuration's accuracy, averaged over the two halves. */
  fused: Record<string, number>;
  /** How often each non-global part fires on the test set. */
  fireRate: Record<string, number>;
  K: number;
  testInstances: number;
}

/** Person recognition: test set split in halves; parts trained on one half, tested on the other; average. */
export function personRecognition(
  ds: PiperDataset,
  testIdx: ArrayLike<number>,
  learned: WeightsForConfigs,
  opts: ProtocolOptions & { halves?: [ArrayLike<number>, ArrayLike<number>] } = {},
): RecognitionResult {
  const seed = (opts.seed ?? 1) + 1;
  const [A, B] = opts.halves ? checkHalves(opts.halves, testIdx, 'test') : splitHalves(ds, testIdx, seed);
  const space = identitiesOf(ds, testIdx);
  const halves = [predictSplit(ds, A, B, space, opts), predictSplit(ds, B, A, space, opts)];
  const partsAlone: Record<string, number> = {};
  const fused: Record<string, number> = {};
  for (const h of halves) {
    for (const pred of [h.global, ...h.parts]) partsAlone[pred.name] = (partsAlone[pred.name] ?? 0) + partAloneAccuracy(pred, h.labels, h.K) / 2;
    for (const cfg of learned.configs) {
      const { w, temperature } = learned.weights.get(cfg.name)!;
      const s = fuse(configInput(withTemperature(h, temperature), cfg), w, { mode: cfg.mode, uniformP0: !cfg.global });
      fused[cfg.name] = (fused[cfg.name] ?? 0) + accuracy(s, h.labels, h.K) / 2;
    }
  }
  const fireRate: Record<string, number> = {};
  for (const part of ds.parts.slice(1)) {
    let f = 0;
    for (let r = 0; r < testIdx.length; r++) f += part.fires[testIdx[r]];
    fireRate[part.name] = testIdx.length ? f / testIdx.length : 0;
  }
  return { partsAlone, fused, fireRate, K: space.length, testInstances: testIdx.length };
}

export interface OneShotResult {
  k: number;
  /** Mean and standard deviation over repeats. */
  piper: { mean: number; std: number };
  global: { mean: number; std: number };
  repeats: number;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/**
 * One-shot: k random instances of each test identity train the parts; the rest are tested
 * (identities with ≤ k instances are used for training only). Weights of `config` from validation.
 */
export function oneShot(ds: PiperDataset, testIdx: ArrayLike<number>, learned: WeightsForConfigs, k: number, opts: ProtocolOptions & { repeats?: number; config?: string } = {}): OneShotResult {
  if (!(Number.isInteger(k) && k >= 1)) throw new PiperError(`k must be an integer ≥ 1, got ${k}`);
  const repeats = opts.repeats ?? 3;
  const cfgName = opts.config ?? 'piper';
  const cfg = learned.configs.find((c) => c.name === cfgName);
  if (!cfg) throw new PiperError(`no configuration named '${cfgName}' was learned`);
  const { w, temperature } = learned.weights.get(cfgName)!;
  const space = identitiesOf(ds, testIdx);
  const byId = new Map<number, number[]>();
  for (let r = 0; r < testIdx.length; r++) {
    const id = ds.identities[testIdx[r]];
    let l = byId.get(id);
    if (!l) byId.set(id, (l = []));
    l.push(testIdx[r]);
  }
  const piper: number[] = [];
  const global: number[] = [];
  for (let rep = 0; rep < repeats; rep++) {
    const rand = createRandom((opts.seed ?? 1) * 7919 + k * 104729 + rep);
    const train: number[] = [];
    const test: number[] = [];
    for (const id of space) {
      const l = shuffle([...byId.get(id)!], rand);
      train.push(...l.slice(0, k));
      test.push(...l.slice(k));
    }
    opts.onStep?.(`one-shot k=${k} repeat ${rep + 1}`);
    const p = predictSplit(ds, train, test, space, opts);
    piper.push(accuracy(fuse(configInput(withTemperature(p, temperature), cfg), w, { mode: cfg.mode, uniformP0: !cfg.global }), p.labels, p.K));
    global.push(accuracy(p.global.probs, p.labels, p.K));
  }
  return { k, piper: meanStd(piper), global: meanStd(global), repeats };
}

export interface RetrievalResult {
  /** topK[k−1] = fraction of queries with a same-identity instance among their k nearest neighbours. */
  piper: number[];
  /** Same with the global model's P0 vector alone. */
  global: number[];
  dims: number;
  queries: number;
}

/** Fraction of rows whose k nearest other rows (Euclidean) include one with the same label, for k = 1..maxK. */
export function knnHitRates(V: Float32Array, dims: number, labels: ArrayLike<number>, maxK: number): number[] {
  const n = labels.length;
  if (V.length !== n * dims) throw new PiperError(`vectors have ${V.length} values, expected ${n}×${dims}`);
  const hits = new Float64Array(maxK);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < n; j++) {
      if (j === q) {
        dist[j] = Infinity;
        continue;
      }
      let s = 0;
      for (let t = 0; t < dims; t++) {
        const dv = V[q * dims + t] - V[j * dims + t];
        s += dv * dv;
      }
      dist[j] = s;
    }
    for (let j = 0; j < n; j++) order[j] = j;
    const sorted = Array.from(order).sort((a, b) => dist[a] - dist[b]);
    let firstHit = -1;
    for (let r = 0; r < Math.min(maxK, n - 1); r++) {
      if (labels[sorted[r]] === labels[q]) {
        firstHit = r;
        break;
      }
    }
    if (firstHit >= 0) for (let r = firstHit; r < maxK; r++) hits[r]++;
  }
  return Array.from(hits, (h) => (n ? h / n : 0));
}

/**
 * Unsupervised retrieval: parts trained on validation half A predict the validation identities for every
 * test instance; the fused vector s(X, ·) (one value per validation identity) is the instance's descriptor.
 */
export function retrieval(ds: PiperDataset, testIdx: ArrayLike<number>, learned: WeightsForConfigs, opts: ProtocolOptions & { maxK?: number; config?: string } = {}): RetrievalResult {
  const maxK = opts.maxK ?? 10;
  const cfgName = opts.config ?? 'piper';
  const cfg = learned.configs.find((c) => c.name === cfgName);
  if (!cfg) throw new PiperError(`no configuration named '${cfgName}' was learned`);
  opts.onStep?.('retrieval');
  const p = predictSplit(ds, learned.valHalves[0], testIdx, learned.valSpace, opts);
  const { w, temperature } = learned.weights.get(cfgName)!;
  const s = fuse(configInput(withTemperature(p, temperature), cfg), w, { mode: cfg.mode, uniformP0: !cfg.global });
  const labels = Array.from(testIdx, (j) => ds.identities[j]);
  return { piper: knnHitRates(s, p.K, labels, maxK), global: knnHitRates(p.global.probs, p.K, labels, maxK), dims: p.K, queries: labels.length };
}
