/**
 * `pnpm verify a.jpg b.jpg`: are these the same person? Prints the cosine similarity of the two
 * photos' largest faces, the decision at the descriptor's threshold calibrated on LFW View 1,
 * and each face's confidence.
 *
 * `pnpm verify --pairs <file.csv>`: a whole list of pairs (header `a,b` and optionally `same`);
 * each photo is decoded and described once, one line per pair, then a JSON summary (with
 * accuracy and AUC when the file has labels). A bad row or an unreadable photo is reported as
 * `file:line: …`, counted and skipped; the exit code is 1 when anything failed.
 *
 * `pnpm verify` with no photos runs on an embedded default, the six sample photos that
 * @vladmandic/face-api ships: every face is found, aligned and described, and an HTML report
 * with the crops and the similarity matrix is written.
 *
 * `pnpm verify a.jpg b.jpg --descriptor ensemble`: the two faces' distances under DeepFace (χ²)
 * and dlib (1 − cosine), scored by the kernel SVM in apps/verify/ensemble.json (src/ensemble.ts;
 * built by `pnpm --filter @deepface-ts/verify-app train-ensemble`).
 *
 * Faces are described by @deepface-ts/describer (the code path identify, the benchmark and
 * PIPER use). The last stdout line is JSON.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { choiceOption, numberOption, parseCommandLine, runMain, UsageError, userCwd } from '@deepface-ts/cli';
import { decodeImage } from '@deepface-ts/datasets';
import { createDescriber, DEFAULT_DESCRIPTOR, DESCRIPTOR_NAMES, similarity, type DescribedFace, type Describer } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { MIN_PHOTO_SIZE, verifyPairsFile } from './batch';
import { checkMemberDescribers, defaultEnsembleFile, ensembleVerdict, loadEnsembleModel, TRAIN_ENSEMBLE_COMMAND, type EnsembleModel } from './ensemble';
import { writeReport } from './report';

const USAGE = `usage: pnpm verify <a.jpg> <b.jpg>          same person or not
       pnpm verify --pairs <file.csv>        every pair of a list (header a,b[,same]; paths relative to the file)
       pnpm verify                           the embedded sample photos: similarity matrix + HTML report
       pnpm verify <a.jpg> <b.jpg> --descriptor ensemble [--ensemble <file.json>]
                                             DeepFace χ² + dlib 1 − cosine, scored by the kernel SVM of the ensemble file
                                             (default apps/verify/ensemble.json, built by \`${TRAIN_ENSEMBLE_COMMAND}\`)
options: --descriptor ${[...DESCRIPTOR_NAMES, 'ensemble'].join('|')} (default ${DEFAULT_DESCRIPTOR}, the most accurate on LFW View 1)
         --model <file.safetensors> (DeepFace weights)  --threshold <t>  --report <file.html>  --backend wasm|cpu`;

function embeddedSamples(): string[] {
  const require = createRequire(import.meta.url);
  const faceApi = dirname(require.resolve('@vladmandic/face-api/package.json'));
  return [1, 2, 3, 4, 5, 6].map((i) => join(faceApi, 'demo', `sample${i}.jpg`));
}

/**
 * Reads a photo given on the command line, before any model loads. decodeImage refuses, with
 * an error naming the file, anything that is not a regular file (/dev/zero, a FIFO, a folder),
 * over 64 MiB or 8192×8192 pixels (checked before reading / decoding), not an image, or
 * smaller than the detector needs.
 */
function readPhoto(photo: string): Promise<RgbImage<Uint8Array>> {
  return decodeImage(photo, { minSize: MIN_PHOTO_SIZE });
}

/** Runs `work` on a photo; an error that does not name the photo gets it as a prefix. */
async function naming<T>(photo: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.startsWith(photo)) throw e;
    throw new Error(`${photo}: ${message}`, { cause: e });
  }
}

/** The photo's subject: its largest face. */
async function subject(describer: Describer, photo: string, image: RgbImage<Uint8Array>): Promise<DescribedFace | undefined> {
  const faces = await naming(photo, () =>
    describer.describeImage(image, photo, (face, e) => console.error(`${photo}: face at (${face.box.x.toFixed(0)}, ${face.box.y.toFixed(0)}) skipped: ${e.message}`)),
  );
  return chooseFace(faces, 'largest', 0, 0);
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values, positionals } = parseCommandLine(process.argv.slice(2), {
    usage: USAGE,
    allowPositionals: true,
    options: {
      descriptor: { type: 'string' },
      model: { type: 'string' },
      threshold: { type: 'string' },
      report: { type: 'string' },
      backend: { type: 'string' },
      pairs: { type: 'string' },
      ensemble: { type: 'string' },
    },
  });
  const dir = userCwd();
  const photos = positionals.map((p) => resolve(dir, p));
  if (photos.length === 1 || photos.length > 2) throw new UsageError(`give two photos, a --pairs file, or nothing; got ${photos.length} photo${photos.length > 1 ? 's' : ''}`, { usage: USAGE });
  if (values.pairs && photos.length) throw new UsageError('--pairs takes no photos besides the file', { usage: USAGE });
  const descriptor = choiceOption(values.descriptor, 'descriptor', [...DESCRIPTOR_NAMES, 'ensemble'] as const, DEFAULT_DESCRIPTOR);
  const backend = choiceOption(values.backend, 'backend', ['wasm', 'cpu'] as const, 'wasm');
  // Both photos once the command line is checked and before the models load: a bad one fails
  // in milliseconds, naming it.
  const readPhotos = (): Promise<RgbImage<Uint8Array>[]> => Promise.all(photos.map(readPhoto));
  if (descriptor === 'ensemble') {
    if (photos.length !== 2) throw new UsageError('--descriptor ensemble compares two photos: pnpm verify <a.jpg> <b.jpg> --descriptor ensemble', { usage: USAGE });
    if (values.report) throw new UsageError('--report is for the embedded sample photos, not --descriptor ensemble', { usage: USAGE });
    // The ensemble's threshold is on the SVM's decision value (default 0, its own decision), not on a cosine.
    const file = values.ensemble ? resolve(dir, values.ensemble) : defaultEnsembleFile();
    const model = loadEnsembleModel(file);
    if (values.model && !model.members.some((m) => m.descriptor === 'deepface')) throw new UsageError(`--model picks DeepFace weights, and the ensemble in ${file} has no deepface member`, { usage: USAGE });
    const threshold = numberOption(values.threshold, 'threshold') ?? 0;
    const images = await readPhotos();
    await verifyWithEnsemble(model, file, photos as [string, string], images, {
      threshold,
      model: values.model ? resolve(dir, values.model) : undefined,
      backend,
      started,
    });
    return;
  }
  if (values.ensemble) throw new UsageError('--ensemble <file.json> is for --descriptor ensemble', { usage: USAGE });
  const threshold = numberOption(values.threshold, 'threshold', { min: -1, max: 1 });
  if (values.model && descriptor !== 'deepface') throw new UsageError('--model picks DeepFace weights: use it with --descriptor deepface', { usage: USAGE });
  const images = await readPhotos();
  const describer = await createDescriber({ descriptor, model: values.model ? resolve(dir, values.model) : undefined, threshold, backend });
  try {
    if (values.pairs) {
      const summary = await verifyPairsFile(resolve(dir, values.pairs), describer, (line) => console.log(line), (line) => console.error(line));
      console.log(JSON.stringify(summary));
      if (summary.failed > 0) process.exitCode = 1;
      return;
    }
    if (photos.length === 2) {
      const faces: DescribedFace[] = [];
      for (const [k, photo] of photos.entries()) {
        const face = await subject(describer, photo, images[k]!);
        if (!face) throw new Error(`${photo}: no face found`);
        faces.push(face);
      }
      const [a, b] = faces as [DescribedFace, DescribedFace];
      const s = similarity(a.feature, b.feature);
      const same = s >= describer.threshold;
      console.log(`similarity ${s.toFixed(4)} (${describer.descriptor}; threshold ${describer.threshold.toFixed(4)}, ${describer.thresholdSource})`);
      console.log(`decision   ${same ? 'SAME person' : 'DIFFERENT people'}`);
      console.log(`confidence descriptor norms ${a.norm.toFixed(2)} and ${b.norm.toFixed(2)}; detection scores ${a.score.toFixed(2)} and ${b.score.toFixed(2)}`);
      console.log(JSON.stringify({ similarity: +s.toFixed(6), threshold: describer.threshold, same, descriptor: describer.id, norms: [+a.norm.toFixed(3), +b.norm.toFixed(3)], ms: Math.round(performance.now() - started) }));
      return;
    }

    // The embedded default: every face in the six sample photos.
    const labelled: { label: string; face: DescribedFace }[] = [];
    for (const [i, photo] of embeddedSamples().entries()) {
      const found = await describer.describeImage(await decodeImage(photo), photo);
      found.sort((p, q) => p.box.x - q.box.x);
      found.forEach((face, k) => labelled.push({ label: `sample${i + 1}${found.length > 1 ? String.fromCharCode(97 + k) : ''}`, face }));
    }
    const n = labelled.length;
    const sim = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sim[i * n + j] = similarity(labelled[i]!.face.feature, labelled[j]!.face.feature);
    const report = resolve(dir, values.report ?? 'verify-report.html');
    await writeReport(
      report,
      labelled.map(({ label, face }) => ({ label, crop: face.crop, norm: face.norm, score: face.score })),
      sim,
      describer.threshold,
      `deepface-ts verify: face-api sample photos (${describer.id})`,
      describer.id,
    );
    const width = Math.max(...labelled.map((l) => l.label.length), 6);
    console.log(`${n} faces in 6 photos; ${describer.descriptor} similarity (threshold ${describer.threshold.toFixed(3)}):`);
    console.log(''.padEnd(width) + labelled.map((l) => l.label.padStart(9)).join(''));
    for (let i = 0; i < n; i++) console.log(labelled[i]!.label.padEnd(width) + labelled.map((_, j) => (i === j ? '—' : sim[i * n + j]!.toFixed(3)).padStart(9)).join(''));
    console.log(`report: ${report}`);
    let matches = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (sim[i * n + j]! >= describer.threshold) matches++;
    console.log(JSON.stringify({ faces: n, photos: 6, pairs: (n * (n - 1)) / 2, pairs_above_threshold: matches, threshold: describer.threshold, descriptor: describer.id, report, ms: Math.round(performance.now() - started) }));
  } finally {
    describer.dispose();
  }
}

/**
 * `--descriptor ensemble` on two photos: one describer per member (sharing the first one's
 * detector), each on its default alignment as the ensemble was trained; each photo's largest
 * face that every member can align; the member distances; the SVM's score and decision.
 */
async function verifyWithEnsemble(
  model: EnsembleModel,
  file: string,
  photos: readonly [string, string],
  images: readonly RgbImage<Uint8Array>[],
  options: { threshold: number; model?: string; backend: 'wasm' | 'cpu'; started: number },
): Promise<void> {
  const describers: Describer[] = [];
  try {
    for (const m of model.members) {
      describers.push(
        await createDescriber({
          descriptor: m.descriptor,
          model: m.descriptor === 'deepface' ? options.model : undefined,
          backend: options.backend,
          detector: describers[0]?.detector,
          // The ensemble decides on its own score; the members' cosine thresholds are not needed.
          requireThreshold: false,
        }),
      );
    }
    checkMemberDescribers(
      model,
      describers.map((d) => d.id),
      file,
    );
    const faces: DescribedFace[][] = [];
    for (const [k, photo] of photos.entries()) {
      const image = images[k]!;
      const found = (await naming(photo, () => describers[0]!.detect(image))).sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
      let described: DescribedFace[] | undefined;
      for (const face of found) {
        try {
          described = [];
          for (const d of describers) described.push((await d.describeFaces(image, [face], photo))[0]!);
          break;
        } catch (e) {
          console.error(`${photo}: face at (${face.box.x.toFixed(0)}, ${face.box.y.toFixed(0)}) skipped: ${(e as Error).message}`);
          described = undefined;
        }
      }
      if (!described) throw new Error(`${photo}: no face found`);
      faces.push(described);
    }
    const [a, b] = faces as [DescribedFace[], DescribedFace[]];
    const v = ensembleVerdict(
      model,
      model.members.map((_, j) => [a[j]!.feature, b[j]!.feature] as const),
      options.threshold,
    );
    const parts = model.members.map((m, j) => `${m.descriptor} ${m.distance === 'chi2' ? 'χ²' : '1 − cosine'} ${v.distances[j]!.toFixed(4)}`);
    console.log(`ensemble score ${v.score.toFixed(4)} (threshold ${options.threshold}; ${parts.join(', ')}; SVM from ${file}, trained on ${model.trainedOn.set})`);
    console.log(`decision   ${v.same ? 'SAME person' : 'DIFFERENT people'}`);
    console.log(`confidence detection scores ${a[0]!.score.toFixed(2)} and ${b[0]!.score.toFixed(2)}`);
    console.log(
      JSON.stringify({
        score: +v.score.toFixed(6),
        threshold: options.threshold,
        same: v.same,
        descriptor: 'ensemble',
        members: model.members.map((m, j) => ({ descriptor: m.descriptor, describer: m.describer, distance: m.distance, value: +v.distances[j]!.toFixed(6) })),
        ensemble: file,
        ms: Math.round(performance.now() - options.started),
      }),
    );
  } finally {
    for (const d of describers.reverse()) d.dispose();
  }
}

void runMain(main, USAGE);
