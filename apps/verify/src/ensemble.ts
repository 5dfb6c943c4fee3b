/**
 * `--descriptor ensemble`: the DeepFace paper's ensemble over descriptors. A pair of faces is
 * represented by its distances under each member descriptor — DeepFace's χ² (its normalised
 * F7 is non-negative) and dlib's 1 − cosine — each standardised as on the training pairs, and
 * scored by a kernel SVM (C = 1) on K(x, y) = Σ_m −|x_m − y_m|^β_m (a sum of power CPD
 * kernels, one per member). Same person when the SVM's decision value is ≥ 0.
 *
 * The SVM lives in a small JSON file (default `apps/verify/ensemble.json`), trained on LFW
 * View 1's pairsDevTrain and read on pairsDevTest by `pnpm --filter @deepface-ts/verify-app
 * train-ensemble` (src/train-ensemble.ts). Kernels and SVM are @deepface-ts/metrics'.
 *
 * Members are the descriptors verify can describe (@deepface-ts/describer: dlib, deepface);
 * the benchmark's ensemble (`pnpm benchmark lfw-restricted --descriptor ensemble`) can add LBP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chiSquareDistance, cosineSimilarity, kernelSvmScores, powerCpdKernel, trainPrecomputedSvm, type PairRepresentation } from '@deepface-ts/metrics';

export const ENSEMBLE_FORMAT = 'deepface-ts-verify-ensemble';
export const ENSEMBLE_FORMAT_VERSION = 1;
/** The command that builds the ensemble file (named in every error about a missing or stale file). */
export const TRAIN_ENSEMBLE_COMMAND = 'pnpm --filter @deepface-ts/verify-app train-ensemble';
/** Descriptors verify can use as ensemble members, in the default order. */
export const ENSEMBLE_MEMBERS = ['deepface', 'dlib'] as const;
export type EnsembleMemberName = (typeof ENSEMBLE_MEMBERS)[number];
/** Each member's distance: χ² for DeepFace's non-negative F7, 1 − cosine for dlib's signed descriptors. */
export const MEMBER_DISTANCE = { deepface: 'chi2', dlib: '1-cosine' } as const satisfies Record<EnsembleMemberName, string>;
/** β of every member's kernel −|x − y|^β (the benchmark ensemble's). */
export const ENSEMBLE_BETA = 1;

/** The default ensemble file, `apps/verify/ensemble.json`. */
export function defaultEnsembleFile(): string {
  return fileURLToPath(new URL('../ensemble.json', import.meta.url));
}

export interface EnsembleMemberModel {
  descriptor: EnsembleMemberName;
  /** The describer id it was trained with (weights digest, alignment, test-time options); verify refuses another. */
  describer: string;
  distance: (typeof MEMBER_DISTANCE)[EnsembleMemberName];
  /** Standardisation of the distance on the training pairs: z = (distance − mean) / sd. */
  mean: number;
  sd: number;
  /** Power of this member's kernel −|x − y|^β, 0 < β ≤ 2. */
  beta: number;
}

/** The ensemble file. */
export interface EnsembleModel {
  format: typeof ENSEMBLE_FORMAT;
  version: typeof ENSEMBLE_FORMAT_VERSION;
  members: EnsembleMemberModel[];
  /** The support vectors: standardised distance vectors (one value per member, in `members` order). */
  supportVectors: number[][];
  /** Their coefficients yᵢαᵢ, signed so that a positive decision value means "same". */
  coefficients: number[];
  /** Decision value = Σ coefficientᵢ K(z, svᵢ) + bias; same person when ≥ 0. */
  bias: number;
  /** The SVM's C. */
  C: number;
  /** What it was trained on. */
  trainedOn: { set: string; pairs: number; same: number; accuracy?: number };
  /** Where it was read (held-out pairs), when it was. */
  evaluatedOn?: { set: string; pairs: number; accuracy: number; auc?: number; missing?: number };
  command?: string;
  created?: string;
}

/** A malformed or unusable ensemble file; the message names the file and the field. */
export class EnsembleFileError extends Error {
  override readonly name = 'EnsembleFileError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));

/** Reads and checks the ensemble file; a missing file names the command that builds it. */
export function loadEnsembleModel(file: string): EnsembleModel {
  if (!existsSync(file)) {
    throw new EnsembleFileError(`${file}: no ensemble model; build it with \`${TRAIN_ENSEMBLE_COMMAND}\` (trains the SVM on LFW View 1's pairsDevTrain), or pass --ensemble <file.json>`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EnsembleFileError(`${file}: cannot read the ensemble file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseEnsembleModel(text, file);
}

/** Parses and checks an ensemble file's text (`file` names it in errors). */
export function parseEnsembleModel(text: string, file: string): EnsembleModel {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EnsembleFileError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, what: string, got: unknown): never => {
    throw new EnsembleFileError(`${file}: field "${field}" must be ${what}, got ${show(got)} (rebuild it with \`${TRAIN_ENSEMBLE_COMMAND}\`)`);
  };
  const num = (v: unknown, field: string, ok: (x: number) => boolean = () => true, what = 'a finite number'): number => (typeof v === 'number' && Number.isFinite(v) && ok(v) ? v : fail(field, what, v));
  if (!isObject(raw)) return fail('(top level)', 'an object', raw);
  if (raw.format !== ENSEMBLE_FORMAT) fail('format', `"${ENSEMBLE_FORMAT}"`, raw.format);
  if (raw.version !== ENSEMBLE_FORMAT_VERSION) fail('version', String(ENSEMBLE_FORMAT_VERSION), raw.version);
  if (!Array.isArray(raw.members) || raw.members.length === 0) fail('members', 'a non-empty array', raw.members);
  const members = (raw.members as unknown[]).map((m, j): EnsembleMemberModel => {
    const at = `members[${j}]`;
    if (!isObject(m)) return fail(at, 'an object', m);
    if (!(ENSEMBLE_MEMBERS as readonly unknown[]).includes(m.descriptor)) fail(`${at}.descriptor`, `one of ${ENSEMBLE_MEMBERS.join(', ')} (the descriptors verify can describe)`, m.descriptor);
    const descriptor = m.descriptor as EnsembleMemberName;
    if (typeof m.describer !== 'string' || m.describer === '') fail(`${at}.describer`, 'a describer id', m.describer);
    if (m.distance !== MEMBER_DISTANCE[descriptor]) fail(`${at}.distance`, `"${MEMBER_DISTANCE[descriptor]}" for ${descriptor}`, m.distance);
    return {
      descriptor,
      describer: m.describer as string,
      distance: MEMBER_DISTANCE[descriptor],
      mean: num(m.mean, `${at}.mean`),
      sd: num(m.sd, `${at}.sd`, (x) => x > 0, 'a positive number'),
      beta: num(m.beta, `${at}.beta`, (x) => x > 0 && x <= 2, 'a number in (0, 2]'),
    };
  });
  const names = members.map((m) => m.descriptor);
  if (new Set(names).size !== names.length) fail('members', 'distinct descriptors', names);
  const M = members.length;
  if (!Array.isArray(raw.supportVectors) || raw.supportVectors.length === 0) fail('supportVectors', 'a non-empty array', raw.supportVectors);
  const supportVectors = (raw.supportVectors as unknown[]).map((sv, i) => {
    if (!Array.isArray(sv) || sv.length !== M) return fail(`supportVectors[${i}]`, `an array of ${M} numbers (one per member)`, sv);
    return sv.map((x, j) => num(x, `supportVectors[${i}][${j}]`));
  });
  if (!Array.isArray(raw.coefficients) || raw.coefficients.length !== supportVectors.length) fail('coefficients', `an array of ${supportVectors.length} numbers (one per support vector)`, raw.coefficients);
  const coefficients = (raw.coefficients as unknown[]).map((c, i) => num(c, `coefficients[${i}]`));
  const bias = num(raw.bias, 'bias');
  const C = num(raw.C, 'C', (x) => x > 0, 'a positive number');
  const t = raw.trainedOn;
  if (!isObject(t)) return fail('trainedOn', 'an object { set, pairs, same }', t);
  if (typeof t.set !== 'string') fail('trainedOn.set', 'a string', t.set);
  const pairs = num(t.pairs, 'trainedOn.pairs', (x) => Number.isInteger(x) && x > 0, 'a positive whole number');
  const same = num(t.same, 'trainedOn.same', (x) => Number.isInteger(x) && x >= 0 && x <= pairs, 'a whole number of pairs');
  return {
    ...(raw as object),
    format: ENSEMBLE_FORMAT,
    version: ENSEMBLE_FORMAT_VERSION,
    members,
    supportVectors,
    coefficients,
    bias,
    C,
    trainedOn: { ...(t as object), set: t.set as string, pairs, same },
  } as EnsembleModel;
}

/**
 * Refuses a model trained on other describers (another DeepFace model, other test-time
 * options): its standardisation and support vectors would not fit these distances.
 */
export function checkMemberDescribers(model: EnsembleModel, ids: readonly string[], file: string): void {
  model.members.forEach((m, j) => {
    if (ids[j] !== m.describer) {
      throw new EnsembleFileError(
        `${file}: members[${j}] (${m.descriptor}) was trained with describer "${m.describer}", but this run's ${m.descriptor} describer is "${ids[j]}" (another model or options); retrain with \`${TRAIN_ENSEMBLE_COMMAND}\``,
      );
    }
  });
}

/** A member's distance between two descriptors (lower = more alike). */
export function memberDistance(member: EnsembleMemberName, a: Float32Array, b: Float32Array): number {
  return member === 'dlib' ? 1 - cosineSimilarity(a, b) : chiSquareDistance(a, b);
}

/** One d = 1 representation per member column of n × M rows, as metrics' `powerCpdKernel` takes them. */
function representations(rows: ArrayLike<number>, M: number, betas: readonly number[]): PairRepresentation[] {
  const n = rows.length / M;
  return betas.map((beta, j) => ({ rows: Float32Array.from({ length: n }, (_, i) => rows[i * M + j]!), d: 1, beta }));
}

/** The parts of an ensemble model that score. */
export type EnsembleSvm = Pick<EnsembleModel, 'members' | 'supportVectors' | 'coefficients' | 'bias'>;

/** Decision values of distance vectors (n × M row-major, raw distances in `members` order): standardised, then the SVM. */
export function ensembleScores(model: EnsembleSvm, distances: ArrayLike<number>): Float64Array {
  const M = model.members.length;
  if (distances.length % M !== 0) throw new RangeError(`ensembleScores: ${distances.length} distances is not a multiple of the ${M} members`);
  const z = Float64Array.from(distances, (d, k) => (d - model.members[k % M]!.mean) / model.members[k % M]!.sd);
  const betas = model.members.map((m) => m.beta);
  const svs = representations(model.supportVectors.flat(), M, betas);
  const n = model.supportVectors.length;
  const K = powerCpdKernel(representations(z, M, betas), svs);
  return kernelSvmScores({ supportIndices: Int32Array.from({ length: n }, (_, i) => i), coefficients: Float64Array.from(model.coefficients), bias: model.bias, trainSize: n }, K);
}

/** The ensemble's decision value for one pair's member distances. */
export function ensembleScore(model: EnsembleSvm, distances: readonly number[]): number {
  if (distances.length !== model.members.length) throw new RangeError(`ensembleScore: ${distances.length} distances for ${model.members.length} members`);
  return ensembleScores(model, distances)[0]!;
}

/**
 * The verdict on two faces from their descriptors under each member (`features[j]` for
 * `model.members[j]`): the member distances, the ensemble score, and same = score ≥ threshold
 * (0, the SVM's own decision, unless given).
 */
export function ensembleVerdict(model: EnsembleSvm, features: readonly (readonly [Float32Array, Float32Array])[], threshold = 0): { distances: number[]; score: number; same: boolean } {
  if (features.length !== model.members.length) throw new RangeError(`ensembleVerdict: ${features.length} descriptor pairs for ${model.members.length} members`);
  const distances = model.members.map((m, j) => memberDistance(m.descriptor, features[j]![0], features[j]![1]));
  const score = ensembleScore(model, distances);
  return { distances, score, same: score >= threshold };
}

/**
 * Trains the ensemble SVM on labelled distance rows (n × M, raw distances in `members` order):
 * each distance standardised on these rows (mean, sample sd), the kernel Σ_m −|x_m − y_m|^β,
 * C = 1 by default. Returns the model without its provenance fields and its training accuracy.
 */
export async function trainEnsembleModel(
  rows: Float64Array,
  labels: readonly boolean[],
  members: readonly { descriptor: EnsembleMemberName; describer: string }[],
  options: { C?: number; beta?: number } = {},
): Promise<{ model: Omit<EnsembleModel, 'trainedOn' | 'evaluatedOn' | 'command' | 'created'>; trainAccuracy: number }> {
  const { C = 1, beta = ENSEMBLE_BETA } = options;
  const M = members.length;
  const n = labels.length;
  if (rows.length !== n * M) throw new RangeError(`trainEnsembleModel: ${rows.length} distances for ${n} pairs × ${M} members`);
  const stats = members.map((_, j) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += rows[i * M + j]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (rows[i * M + j]! - mean) ** 2;
    return { mean, sd: Math.sqrt(v / Math.max(1, n - 1)) || 1 };
  });
  const z = Float64Array.from(rows, (d, k) => (d - stats[k % M]!.mean) / stats[k % M]!.sd);
  const reps = representations(z, M, members.map(() => beta));
  const K = powerCpdKernel(reps, reps);
  const svm = await trainPrecomputedSvm(K, n, labels, { C });
  const train = kernelSvmScores(svm, K);
  let right = 0;
  train.forEach((s, i) => (right += s >= 0 === labels[i] ? 1 : 0));
  return {
    model: {
      format: ENSEMBLE_FORMAT,
      version: ENSEMBLE_FORMAT_VERSION,
      members: members.map((m, j) => ({ descriptor: m.descriptor, describer: m.describer, distance: MEMBER_DISTANCE[m.descriptor], mean: stats[j]!.mean, sd: stats[j]!.sd, beta })),
      // The Float32 values the kernel saw, so the file scores the training pairs as the SVM did.
      supportVectors: Array.from(svm.supportIndices, (i) => reps.map((r) => r.rows[i]!)),
      coefficients: Array.from(svm.coefficients),
      bias: svm.bias,
      C,
    },
    trainAccuracy: right / n,
  };
}

/** The file's text: indented JSON with each support vector on one line. */
export function formatEnsembleFile(model: EnsembleModel): string {
  return `${JSON.stringify(model, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`)}\n`;
}
