import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, userCwd } from '@deepface-ts/cli';

export const PROTOCOLS = ['lfw', 'lfw-restricted', 'lfw-unrestricted', 'cfp-ff', 'cfp-fp', 'lfw-closed', 'lfw-open', 'ytf'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const DESCRIPTORS = ['lbp', 'deepface', 'dlib', 'faceapi'] as const;
export type DescriptorName = (typeof DESCRIPTORS)[number];
/** `--descriptor` choices: one descriptor, or `ensemble`, a kernel SVM over the per-pair distances of several (src/ensemble.ts). */
export const DESCRIPTOR_CHOICES = [...DESCRIPTORS, 'ensemble'] as const;
export type DescriptorChoice = (typeof DESCRIPTOR_CHOICES)[number];
/** Descriptors `--descriptor ensemble` can combine (`--members`), each with its own alignment. */
export const ENSEMBLE_MEMBERS = ['deepface', 'dlib', 'lbp'] as const;
export type EnsembleMember = (typeof ENSEMBLE_MEMBERS)[number];
/**
 * The default members: DeepFace's χ² and dlib's 1 − cosine. LBP's χ² is an option
 * (`--members deepface,dlib,lbp`); whether it helps is to be decided on LFW View 1, never on
 * View 2: `pnpm --filter @deepface-ts/benchmark-app choose-ensemble` trains each member set on
 * pairsDevTrain and reads its accuracy on pairsDevTest.
 */
export const DEFAULT_ENSEMBLE_MEMBERS: readonly EnsembleMember[] = ['deepface', 'dlib'];
/** Protocols that train, so where `--descriptor ensemble` applies (it is trained on the training folds' pairs). */
export const ENSEMBLE_PROTOCOLS: readonly Protocol[] = ['lfw-restricted', 'lfw-unrestricted'];
export const ALIGNS = ['none', '2d', '3d', 'chip', 'box'] as const;
export type Align = (typeof ALIGNS)[number];

export interface BenchmarkArgs {
  protocol: Protocol;
  descriptor: DescriptorChoice;
  /** `--descriptor ensemble`: its members (each described with its own alignment; `align` is then unused, 'none'). */
  members?: EnsembleMember[];
  align: Align;
  /** Folder holding lfw/, cfp/ and ytf/ (or the dataset folder itself). */
  data: string;
  out: string;
  /** Descriptor cache folder, or null with --no-cache. */
  cache: string | null;
  seed: number;
  workers: number;
  /** --model: DeepFace weights for `--descriptor deepface` (default: the model shipped with @deepface-ts/network). */
  model?: string;
  /**
   * --raw-crop: side of the raw centre crop as a fraction of the image's shorter side
   * (default: LFW 0.4, CFP 0.8). On LFW, 0.4 frames the face like LBP's aligned crops
   * (inter-ocular distance ≈ 0.4 of the crop side) and 0.5 like the default template that
   * the DeepFace model uses (≈ 0.32), for like-for-like raw vs 2D vs 3D comparisons.
   */
  rawCrop?: number;
  /** --mirror / --no-mirror: dlib's test-time mirroring (default: the describer's, chosen on LFW View 1). */
  mirror?: boolean;
  /** --jitter N: dlib-style jittered chips averaged per face (default: the describer's). */
  jitter?: number;
}

/** A usage error: printed with the usage text, exit code 2 (the one shared by the apps, from @deepface-ts/cli). */
export { UsageError };

export const USAGE = `usage: pnpm benchmark <protocol> [--descriptor lbp|deepface|dlib] [--align none|2d|3d|chip|box] [--data <dir>] [--out <dir>]
                      [--cache <dir> | --no-cache] [--seed <n>] [--workers <n>] [--model <file.safetensors>] [--raw-crop <fraction>]
                      [--mirror | --no-mirror] [--jitter <n>]
       pnpm benchmark lfw-restricted|lfw-unrestricted --descriptor ensemble [--members deepface,dlib[,lbp]] [--model <file.safetensors>] …
       pnpm benchmark compare <run A> <run B> [--out <dir>]   (two verification runs' --out folders: paired per-fold difference, t-test, both ROCs in one chart)
protocols: ${PROTOCOLS.join(', ')}
  lfw         LFW View 2, 10 folds, unsupervised χ² and cosine (threshold from the 9 training folds)
  lfw-restricted  LFW View 2, 10 folds, restricted: weighted χ² (linear SVM) and a kernel-SVM ensemble trained on the 9 training folds' pairs
  lfw-unrestricted  LFW View 2, 10 folds, unrestricted: weighted χ² trained on same/different-identity pairs of the 9 training
              folds' images (threshold from those pairs), beside the restricted weighted χ²
  cfp-ff      CFP frontal–frontal, 10 folds        cfp-fp  CFP frontal–profile, 10 folds
  lfw-closed  LFW probe–gallery closed set (gallery 4,249 × 1, 3,143 probes): rank-1, rank-10
  lfw-open    LFW probe–gallery open set (gallery 596 × 1, 596 genuine + 9,491 impostor probes): DIR @ 1 % FAR
  ytf         YouTube Faces, 10 splits of video pairs, each scored by the mean χ² / cosine of 50 frame pairs (frames cut
              at their labelled face box); needs <data>/ytf/frame_images_DB/ and ytf/splits.txt: accuracy ± SE, AUC, EER
--align 2d|3d|chip|box detects the face (SSD + 68 landmarks) and aligns it: 2d similarity, 3d frontalization, chip
dlib's face chip (150×150, padding 0.25), box face-api's upright crop of the landmarks' box + 20 %. The network
descriptors go through @deepface-ts/describer, as verify and identify do: --descriptor deepface uses --model (default:
the model shipped with @deepface-ts/network); --descriptor dlib (alias faceapi) is dlib's ResNet (@deepface-ts/dlib-resnet),
scored by cosine only (its values are signed: no χ²), with --mirror / --no-mirror and --jitter <n> (default: those
chosen on LFW View 1). --descriptor ensemble (lfw-restricted, lfw-unrestricted only): a kernel SVM (C = 1, sum of power CPD
kernels) over each pair's standardised distances, one per member (deepface χ², dlib 1 − cosine, lbp χ²; default
${DEFAULT_ENSEMBLE_MEMBERS.join(',')}), each member on its own alignment (deepface 3d, dlib chip mirrored, lbp 3d; no --align),
trained on the training folds and reported beside each member alone. --data defaults to $DEEPFACE_DATASETS or ../shared/datasets; --out to $TMPDIR/deepface-ts-benchmark/<protocol>-<descriptor>-<align>
(ensemble: <protocol>-ensemble-<member+member…>).`;

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`unknown ${what} "${value}"; expected one of: ${allowed.join(', ')}`);
  return value as T;
}

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${what} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Parses the command line (without node and the script). A leading "--" (from `pnpm … start -- …`) is ignored. */
// Relative paths are taken from where the user ran pnpm (userCwd: DEEPFACE_USER_CWD, which the root scripts set,
// else INIT_CWD), not the package folder pnpm runs scripts in.
export function parseBenchmarkArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = userCwd(env)): BenchmarkArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        descriptor: { type: 'string', default: 'lbp' },
        members: { type: 'string' },
        align: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        workers: { type: 'string', default: '4' },
        model: { type: 'string' },
        'raw-crop': { type: 'string' },
        mirror: { type: 'boolean' },
        'no-mirror': { type: 'boolean' },
        jitter: { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('missing the protocol');
  if (positionals.length > 1) throw new UsageError(`one protocol at a time, got ${positionals.join(' ')}`);
  const protocol = oneOf(positionals[0]!, PROTOCOLS, 'protocol');
  const descriptor = oneOf(values.descriptor!, DESCRIPTOR_CHOICES, 'descriptor');
  const align = oneOf(values.align ?? 'none', ALIGNS, '--align');
  const members = descriptor === 'ensemble' ? ensembleMembers(protocol, values) : undefined;
  if (!members && values.members !== undefined) throw new UsageError('--members picks the descriptors of --descriptor ensemble');
  const data = resolve(cwd, values.data ?? env.DEEPFACE_DATASETS ?? '../shared/datasets');
  // Results are derived from the datasets, so by default they go outside the repository.
  const outName = members ? `${protocol}-ensemble-${members.join('+')}` : `${protocol}-${descriptor}-${align}`;
  const out = values.out ? resolve(cwd, values.out) : join(tmpdir(), 'deepface-ts-benchmark', outName);
  const cache = values['no-cache'] ? null : resolve(cwd, values.cache ?? 'node_modules/.cache/deepface-ts/descriptors');
  const workers = positiveInt(values.workers!, 'workers');
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  const model = values.model ? resolve(cwd, values.model) : undefined;
  let rawCrop: number | undefined;
  if (values['raw-crop'] !== undefined) {
    rawCrop = Number(values['raw-crop']);
    if (!(rawCrop > 0 && rawCrop <= 1)) throw new UsageError(`--raw-crop must be a fraction in (0, 1], got "${values['raw-crop']}"`);
  }
  if (values.mirror && values['no-mirror']) throw new UsageError('--mirror and --no-mirror contradict each other');
  const mirror = values.mirror ? true : values['no-mirror'] ? false : undefined;
  const jitter = values.jitter === undefined ? undefined : positiveInt(values.jitter, 'jitter');
  if ((mirror !== undefined || jitter !== undefined) && descriptor !== 'dlib' && descriptor !== 'faceapi') throw new UsageError('--mirror, --no-mirror and --jitter are options of --descriptor dlib');
  if ((align === 'chip' || align === 'box') && descriptor === 'lbp') throw new UsageError(`--align ${align} is for the network descriptors (dlib, deepface); LBP takes none, 2d or 3d`);
  return { protocol, descriptor, ...(members ? { members } : {}), align, data, out, cache, seed: positiveInt(values.seed!, 'seed'), workers, model, rawCrop, mirror, jitter };
}

/** `--descriptor ensemble`'s checks: a training protocol, no --align (each member has its own), distinct known --members (at least two). */
function ensembleMembers(protocol: Protocol, values: { members?: string; align?: string; model?: string }): EnsembleMember[] {
  if (!ENSEMBLE_PROTOCOLS.includes(protocol)) {
    throw new UsageError(`--descriptor ensemble is trained on the training folds' pairs: use it with ${ENSEMBLE_PROTOCOLS.join(' or ')}, not ${protocol}`);
  }
  if (values.align !== undefined) throw new UsageError('--descriptor ensemble takes no --align: each member is described on its own alignment (deepface 3d, dlib chip, lbp 3d)');
  const members = values.members === undefined ? [...DEFAULT_ENSEMBLE_MEMBERS] : values.members.split(',').map((m) => oneOf(m.trim(), ENSEMBLE_MEMBERS, '--members descriptor'));
  if (new Set(members).size !== members.length) throw new UsageError(`--members names a descriptor twice: ${values.members}`);
  if (members.length < 2) throw new UsageError(`--members needs at least two of ${ENSEMBLE_MEMBERS.join(', ')} (got ${values.members})`);
  if (values.model !== undefined && !members.includes('deepface')) throw new UsageError('--model picks the weights of the deepface member, and --members has none');
  return members;
}
