/**
 * Decoding many images: a bounded number in flight, results in input order, bad files
 * reported and skipped (or thrown, if asked), progress on stderr. Shared by the Node
 * (sharp) and browser (ImageBitmap) decoders.
 */
import type { RgbImage } from '@deepface-ts/image';
import { createProgress } from '@deepface-ts/progress';
import { ImageDecodeError } from './errors';

export interface DecodeOptions {
  /** Resize (stretching, no crop) to exactly this size after decoding. */
  resize?: { width: number; height: number };
  /** Pixel type: uint8 0..255 (default) or float32 with the same 0..255 values. */
  dtype?: 'uint8' | 'float32';
  /** Apply the EXIF orientation (default true), so phone photos come out upright. */
  autoOrient?: boolean;
}

export interface DecodeManyOptions extends DecodeOptions {
  /** On a bad file: report it and go on (default 'skip'), or stop with its error ('throw'). */
  onError?: 'skip' | 'throw';
  /** Called for each bad file (whatever onError says). */
  onBadFile?: (failure: DecodeFailure) => void;
  /** Images in flight at once (default 8: sharp decodes on libuv's thread pool). */
  concurrency?: number;
  /** Progress bar label, or false for none (default "decode"). */
  progress?: string | false;
}

export interface DecodeFailure {
  readonly index: number;
  readonly source: string;
  readonly error: ImageDecodeError;
}

export interface Decoded<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  readonly index: number;
  readonly source: string;
  readonly image: RgbImage<T>;
}

export type DecodeOne<S> = (source: S, options: DecodeOptions) => Promise<RgbImage>;

export function describeSource(source: unknown): string {
  if (typeof source === 'string') return source;
  if (source && typeof source === 'object' && 'name' in source && typeof (source as { name: unknown }).name === 'string') return (source as { name: string }).name;
  return 'image buffer';
}

export function checkDecodeOptions(options: DecodeOptions, source: string): void {
  const r = options.resize;
  if (r && !(Number.isInteger(r.width) && Number.isInteger(r.height) && r.width > 0 && r.height > 0)) {
    throw new ImageDecodeError(source, `resize must be positive integers, got ${r.width}×${r.height}`);
  }
  if (options.dtype !== undefined && options.dtype !== 'uint8' && options.dtype !== 'float32') {
    throw new ImageDecodeError(source, `dtype must be 'uint8' or 'float32', got ${JSON.stringify(options.dtype)}`);
  }
}

/**
 * Decodes every source, yielding in input order; bad files are reported through
 * `onBadFile` and skipped unless `onError: 'throw'`. At most `concurrency` decodes run
 * at once and at most that many decoded images wait to be consumed, so memory stays
 * bounded however many files there are.
 */
export async function* decodeEachWith<S>(decodeOne: DecodeOne<S>, sources: readonly S[], options: DecodeManyOptions = {}): AsyncGenerator<Decoded> {
  const { onError = 'skip', onBadFile, concurrency = 8, progress: label = 'decode', ...decodeOptions } = options;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const bar = label === false ? undefined : createProgress({ label, total: sources.length, unit: 'img' });
  type Outcome = { image: RgbImage } | { error: ImageDecodeError };
  const start = (i: number): Promise<Outcome> =>
    decodeOne(sources[i]!, decodeOptions).then(
      (image) => ({ image }),
      (error: unknown) => ({
        error: error instanceof ImageDecodeError ? error : new ImageDecodeError(describeSource(sources[i]), error instanceof Error ? error.message : String(error), { cause: error }),
      }),
    );
  const inFlight: Promise<Outcome>[] = [];
  let next = 0;
  let bad = 0;
  try {
    while (next < sources.length && inFlight.length < concurrency) inFlight.push(start(next++));
    for (let i = 0; i < sources.length; i++) {
      const outcome = await inFlight.shift()!;
      if (next < sources.length) inFlight.push(start(next++));
      if ('error' in outcome) {
        bad++;
        const failure = { index: i, source: describeSource(sources[i]), error: outcome.error };
        onBadFile?.(failure);
        if (onError === 'throw') throw outcome.error;
        bar?.tick(1, `${bad} bad`);
        continue;
      }
      bar?.tick(1, bad > 0 ? `${bad} bad` : undefined);
      yield { index: i, source: describeSource(sources[i]), image: outcome.image };
    }
  } finally {
    // Let stragglers settle so no rejection goes unhandled after an early exit.
    await Promise.allSettled(inFlight);
    bar?.done(`${sources.length - bad} decoded, ${bad} bad`);
  }
}

/**
 * Decodes all sources into memory (mind the size: 13,233 LFW images at 152×152 float are
 * 3.7 GB; stream with decodeEach for big sets). `images[i]` is undefined for a bad file.
 */
export async function decodeAllWith<S>(
  decodeOne: DecodeOne<S>,
  sources: readonly S[],
  options: DecodeManyOptions = {},
): Promise<{ images: (RgbImage | undefined)[]; failures: DecodeFailure[] }> {
  const images: (RgbImage | undefined)[] = new Array(sources.length).fill(undefined);
  const failures: DecodeFailure[] = [];
  const user = options.onBadFile;
  for await (const d of decodeEachWith(decodeOne, sources, {
    ...options,
    onBadFile: (f) => {
      failures.push(f);
      user?.(f);
    },
  })) {
    images[d.index] = d.image;
  }
  return { images, failures };
}

/** uint8 → float32 with the same 0..255 values (what the image package's float pipeline expects). */
export function toFloat32(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]!;
  return out;
}
