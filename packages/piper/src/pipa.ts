/**
 * The PIPA path (`@deepface-ts/piper/pipa`, Node only): PIPA annotations + a user's PIPA photos →
 * head / upper-body / body crops → part descriptors → PIPER's protocols on the chosen val/test split.
 *
 * Parts (PIPER's poselets and CNNs are not available here, so the parts are generic appearance models):
 *   body       (global model, fires on every instance): the head box → body box of `headToBody`;
 *   head       fires when at least `minVisible` of the head box is inside the photo and it is ≥ `minHeadPixels` wide;
 *   upper_body head top to 3 head heights down, 2.5 head widths wide; fires under the same visibility rule.
 * Descriptors are reduced by PCA fitted on the train subset (on validation when no train photo is present).
 */
import { decodeImage, headToBody, loadPipa, PipaPhotoResolver, type PipaInstance, type PipaSplit } from '@deepface-ts/datasets';
import type { RgbImage } from '@deepface-ts/image';
import { appearanceDescriptor, descriptorLength, type CropBox } from './descriptor';
import { PiperError } from './fusion';
import { fitPca, projectPca } from './pca';
import {
  learnWeightsOnValidation,
  oneShot,
  personRecognition,
  retrieval,
  standardConfigs,
  type OneShotResult,
  type PiperDataset,
  type RecognitionResult,
  type RetrievalResult,
} from './protocols';

export interface PipaRunOptions {
  /** Folder with `all_data.txt` and `split_{val,test}_<split>.txt`. */
  annotations: string;
  /** Folder with the PIPA photos (any layout `PipaPhotoResolver` accepts). */
  photos: string;
  split?: PipaSplit;
  /** PCA dimensions per part (default 128, capped by the data). */
  pcaDims?: number;
  /** At most this many train-subset instances fit the PCA (default 3,000). */
  pcaInstances?: number;
  minHeadPixels?: number;
  minVisible?: number;
  oneShotRepeats?: number;
  seed?: number;
  /** Progress callback: stage, done, total (e.g. to drive `@deepface-ts/progress`). */
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface PipaSkip {
  /** `file:line` of the annotation row. */
  where: string;
  reason: string;
}

export interface PipaReport {
  split: PipaSplit;
  instances: { val: number; test: number };
  skipped: PipaSkip[];
  recognition: RecognitionResult;
  oneShot: OneShotResult[];
  retrieval: RetrievalResult;
}

const PARTS = ['body', 'head', 'upper_body'] as const;

function visibleFraction(b: CropBox, img: { width: number; height: number }): number {
  const w = Math.max(0, Math.min(img.width, b.x + b.width) - Math.max(0, b.x));
  const h = Math.max(0, Math.min(img.height, b.y + b.height) - Math.max(0, b.y));
  return (w * h) / (b.width * b.height);
}

interface InstanceFeatures {
  fires: [number, number, number];
  features: [Float32Array, Float32Array, Float32Array];
}

/** The three part boxes of an instance and the descriptors of those that fire. */
export function describeInstance(img: RgbImage<Uint8Array>, inst: Pick<PipaInstance, 'head'>, opts: { minHeadPixels?: number; minVisible?: number } = {}): InstanceFeatures {
  const head = inst.head;
  const body = headToBody(head, { imageSize: img });
  const upper: CropBox = { x: head.x + head.width / 2 - 1.25 * head.width, y: head.y, width: 2.5 * head.width, height: 3 * head.height };
  const ok = (b: CropBox) => head.width >= (opts.minHeadPixels ?? 12) && visibleFraction(b, img) >= (opts.minVisible ?? 0.6);
  const len = descriptorLength();
  const fires: [number, number, number] = [1, ok(head) ? 1 : 0, ok(upper) ? 1 : 0];
  return {
    fires,
    features: [
      appearanceDescriptor(img, body, { width: 48, height: 96 }),
      fires[1] ? appearanceDescriptor(img, head) : new Float32Array(len),
      fires[2] ? appearanceDescriptor(img, upper, { width: 64, height: 64 }) : new Float32Array(len),
    ],
  };
}

/** Describes instances photo by photo; a photo that is missing or does not decode skips its instances. */
async function describeAll(
  rows: PipaInstance[],
  resolver: PipaPhotoResolver,
  file: (r: PipaInstance) => string,
  skipped: PipaSkip[],
  opts: PipaRunOptions,
  stage: string,
): Promise<{ kept: PipaInstance[]; feats: InstanceFeatures[] }> {
  const byPhoto = new Map<string, PipaInstance[]>();
  for (const r of rows) {
    const key = `${r.photosetId}_${r.photoId}`;
    let l = byPhoto.get(key);
    if (!l) byPhoto.set(key, (l = []));
    l.push(r);
  }
  const kept: PipaInstance[] = [];
  const feats: InstanceFeatures[] = [];
  let done = 0;
  for (const list of byPhoto.values()) {
    const first = list[0];
    const path = resolver.resolve(first.photosetId, first.photoId);
    let img: RgbImage<Uint8Array> | undefined;
    let reason = '';
    if (path === undefined) reason = `photo ${first.photosetId}_${first.photoId} not found under ${resolver.root}`;
    else {
      try {
        img = (await decodeImage(path)) as RgbImage<Uint8Array>;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    for (const r of list) {
      if (!img) {
        skipped.push({ where: `${file(r)}:${r.line}`, reason });
        continue;
      }
      try {
        feats.push(describeInstance(img, r, opts));
        kept.push(r);
      } catch (error) {
        skipped.push({ where: `${file(r)}:${r.line}`, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    done += list.length;
    opts.onProgress?.(stage, done, rows.length);
  }
  return { kept, feats };
}

/** Runs PIPER's protocols on PIPA: person recognition (Tables 2/4 layout), one-shot k = 1..3, retrieval. */
export async function runPipa(opts: PipaRunOptions): Promise<PipaReport> {
  const split = opts.split ?? 'original';
  const { all, splits } = loadPipa(opts.annotations);
  const valRows = splits.val?.[split];
  const testRows = splits.test?.[split];
  if (!valRows || !testRows) {
    throw new PiperError(`${opts.annotations}: split_val_${split}.txt and split_test_${split}.txt are both needed (found: ${valRows ? 'val' : 'no val'}, ${testRows ? 'test' : 'no test'})`);
  }
  const resolver = new PipaPhotoResolver(opts.photos);
  const skipped: PipaSkip[] = [];
  const splitFile = (set: string) => () => `${opts.annotations}/split_${set}_${split}.txt`;
  const val = await describeAll(valRows, resolver, splitFile('val'), skipped, opts, 'val instances');
  const test = await describeAll(testRows, resolver, splitFile('test'), skipped, opts, 'test instances');
  if (val.kept.length === 0 || test.kept.length === 0) {
    throw new PiperError(`no usable ${val.kept.length === 0 ? 'validation' : 'test'} instance: ${skipped.length} skipped, first: ${skipped[0]?.where} ${skipped[0]?.reason}`);
  }
  // PCA on the train subset (unseen identities), else on validation.
  const trainRows = all.filter((r) => r.subset === 'train').slice(0, opts.pcaInstances ?? 3000);
  const trainSkips: PipaSkip[] = [];
  const train = trainRows.length ? await describeAll(trainRows, resolver, () => `${opts.annotations}/all_data.txt`, trainSkips, opts, 'train instances (PCA)') : { kept: [], feats: [] };
  const pcaSource = train.feats.length >= 8 ? train.feats : val.feats;

  const feats = [...val.feats, ...test.feats];
  const rows = [...val.kept, ...test.kept];
  const n = rows.length;
  const ds: PiperDataset = { identities: Int32Array.from(rows, (r) => r.identityId), parts: [] };
  const len = descriptorLength();
  for (let p = 0; p < PARTS.length; p++) {
    const src = pcaSource.filter((f) => f.fires[p]);
    const fitRows = src.length >= 2 ? src : feats.filter((f) => f.fires[p]);
    const k = Math.max(1, Math.min(opts.pcaDims ?? 128, fitRows.length - 1, len));
    const fitX = new Float32Array(fitRows.length * len);
    fitRows.forEach((f, j) => fitX.set(f.features[p], j * len));
    const X = new Float32Array(n * len);
    feats.forEach((f, j) => X.set(f.features[p], j * len));
    const fires = Uint8Array.from(feats, (f) => f.fires[p]);
    const Xp = fitRows.length >= 2 ? projectPca(fitPca(fitX, fitRows.length, len, k, { seed: opts.seed }), X, n) : X;
    const d = fitRows.length >= 2 ? k : len;
    for (let j = 0; j < n; j++) if (!fires[j]) Xp.fill(0, j * d, (j + 1) * d);
    ds.parts.push({ name: PARTS[p], X: Xp, d, fires });
  }
  const valIdx = Array.from({ length: val.kept.length }, (_, j) => j);
  const testIdx = Array.from({ length: test.kept.length }, (_, j) => val.kept.length + j);
  const halvesOf = (idx: number[]): [number[], number[]] => [idx.filter((j) => rows[j].half === 0), idx.filter((j) => rows[j].half === 1)];
  const steps = { done: 0 };
  const onStep = (s: string) => opts.onProgress?.(s, ++steps.done, 0);
  const learned = learnWeightsOnValidation(ds, valIdx, standardConfigs(['head', 'upper_body']), { halves: halvesOf(valIdx), seed: opts.seed, onStep });
  const recognition = personRecognition(ds, testIdx, learned, { halves: halvesOf(testIdx), seed: opts.seed, onStep });
  const shots = [1, 2, 3].map((k) => oneShot(ds, testIdx, learned, k, { repeats: opts.oneShotRepeats ?? 3, seed: opts.seed, onStep }));
  const ret = retrieval(ds, testIdx, learned, { seed: opts.seed, onStep });
  return { split, instances: { val: val.kept.length, test: test.kept.length }, skipped, recognition, oneShot: shots, retrieval: ret };
}
