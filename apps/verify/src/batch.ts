/**
 * Batch verification: every pair of a CSV list (see pairs-csv.ts), each photo decoded and
 * described once. A photo that cannot be read or has no face fails its pairs, which are
 * reported and counted, never fatal.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { decodeImage } from '@deepface-ts/datasets';
import { similarity, type Describer } from '@deepface-ts/describer';
import { chooseFace } from '@deepface-ts/frontalize';
import { accuracyAtThreshold, auc, rocCurve } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';
import { parsePairsCsv, PairsFileError } from './pairs-csv';

/** The CSV is read whole: refuse anything that is not a regular file of sane size before reading it. */
export const MAX_PAIRS_FILE_BYTES = 64 * 1024 * 1024;

/** The smallest photo the detector takes (a 1×1 image holds no face): smaller ones fail at decoding, naming the file. */
export const MIN_PHOTO_SIZE = 2;

export interface BatchSummary {
  pairs: number;
  /** Pairs scored (both photos described). */
  scored: number;
  accuracy?: number;
  auc?: number;
  threshold: number;
  descriptor: string;
  /** Bad rows + pairs whose photos failed. */
  failed: number;
  images: number;
  failed_images: number;
  ms_per_image: number;
}

export async function verifyPairsFile(file: string, describer: Describer, out: (line: string) => void, err: (line: string) => void): Promise<BatchSummary> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new PairsFileError(`${file}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof PairsFileError) throw e;
    throw new PairsFileError(`${file}: cannot read the pairs file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > MAX_PAIRS_FILE_BYTES) throw new PairsFileError(`${file}: ${size} bytes, more than the ${MAX_PAIRS_FILE_BYTES}-byte limit for a pairs file`);
  const parsed = parsePairsCsv(readFileSync(file, 'utf8'), file, dirname(file));
  for (const e of parsed.errors) err(e);

  // Each photo once: its largest face's descriptor, or why it has none (with the first line naming it).
  const firstLine = new Map<string, number>();
  for (const p of parsed.pairs) for (const photo of [p.a, p.b]) if (!firstLine.has(photo)) firstLine.set(photo, p.line);
  const features = new Map<string, Float32Array | string>();
  const t0 = performance.now();
  const bar = createProgress({ label: 'verify: describe', total: firstLine.size, unit: 'img' });
  let failedImages = 0;
  for (const [photo, line] of firstLine) {
    try {
      const faces = await describer.describeImage(await decodeImage(photo, { minSize: MIN_PHOTO_SIZE }), photo);
      const face = chooseFace(faces, 'largest', 0, 0);
      if (!face) throw new Error(`${photo}: no face found`);
      features.set(photo, face.feature);
    } catch (e) {
      failedImages++;
      const msg = (e as Error).message;
      features.set(photo, `${file}:${line}: ${msg.startsWith(photo) ? msg : `${photo}: ${msg}`}`);
      err(features.get(photo) as string);
    }
    bar.tick(1, failedImages ? `${failedImages} failed` : undefined);
  }
  bar.done();
  const msPerImage = firstLine.size ? (performance.now() - t0) / firstLine.size : 0;

  const scores: number[] = [];
  const labels: boolean[] = [];
  let failed = parsed.errors.length;
  for (const p of parsed.pairs) {
    const fa = features.get(p.a)!;
    const fb = features.get(p.b)!;
    if (typeof fa === 'string' || typeof fb === 'string') {
      failed++;
      out(`${basename(p.a)}\t${basename(p.b)}\tFAILED (line ${p.line}: ${typeof fa === 'string' ? 'a' : 'b'} has no descriptor)`);
      continue;
    }
    const s = similarity(fa, fb);
    const same = s >= describer.threshold;
    const truth = p.same === undefined ? '' : `\t${p.same === same ? 'right' : 'WRONG'}`;
    out(`${basename(p.a)}\t${basename(p.b)}\t${s.toFixed(4)}\t${same ? 'SAME' : 'DIFFERENT'}${truth}`);
    if (p.same !== undefined) {
      scores.push(s);
      labels.push(p.same);
    }
  }
  const summary: BatchSummary = {
    pairs: parsed.pairs.length + parsed.errors.length,
    scored: parsed.pairs.length - (failed - parsed.errors.length),
    threshold: describer.threshold,
    descriptor: describer.id,
    failed,
    images: firstLine.size,
    failed_images: failedImages,
    ms_per_image: +msPerImage.toFixed(1),
  };
  if (parsed.labelled && scores.length) {
    summary.accuracy = +accuracyAtThreshold(scores, labels, describer.threshold).toFixed(4);
    if (labels.some((l) => l) && labels.some((l) => !l)) summary.auc = +auc(rocCurve(scores, labels)).toFixed(4);
  }
  return summary;
}
