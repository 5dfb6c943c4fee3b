/**
 * Face crops for training and evaluation, made once per (manifest, alignment, size) and
 * cached: decode → detect (largest face; or the manifest's box) → align → size×size uint8.
 *
 *   align '3d'   DeepFace's frontalization (affine camera to the generic 3D face, residuals,
 *                piecewise-affine warp, mirror filling) — the default, as in the paper
 *   align '2d'   similarity alignment from six fiducials, iterated with re-detection
 *   align 'none' the image's centre square, resized (no detector needed)
 *
 * A bad or faceless image is reported and skipped; the run goes on.
 */
import { decodeImage } from '@deepface-ts/datasets';
import type { FaceDetector } from '@deepface-ts/detect';
import { createFaceAligner } from '@deepface-ts/frontalize';
import { resizeBilinear, type RgbImage } from '@deepface-ts/image';
import { CropCacheBuilder, type CropCache } from '@deepface-ts/network';
import { createProgress } from '@deepface-ts/progress';

export type Alignment = '3d' | '2d' | 'none';

export interface CropJob {
  identity: string;
  path: string;
  /** Held-out (validation / test) rather than training; recorded in the cache's meta.heldOut. */
  heldOut?: boolean;
}

export interface CropReport {
  cache: CropCache;
  failures: { path: string; reason: string }[];
}

export function centreCrop(image: RgbImage<Uint8Array>, size: number): RgbImage<Uint8Array> {
  const side = Math.min(image.width, image.height);
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  const square = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) square.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + side) * 3), y * side * 3);
  return resizeBilinear({ width: side, height: side, channels: 3, data: square }, size, size) as RgbImage<Uint8Array>;
}

export interface Aligner {
  align(image: RgbImage<Uint8Array>, source: string): Promise<RgbImage<Uint8Array>>;
}

export function createAligner(align: Alignment, size: number, detector?: FaceDetector): Aligner {
  if (align === 'none') return { align: async (image) => centreCrop(image, size) };
  if (!detector) throw new Error(`align '${align}' needs a face detector`);
  const aligner = createFaceAligner(detector, { mode: align, size, choose: 'largest' });
  return {
    async align(image, source) {
      const crop = await aligner.align(image, source);
      if (!crop) throw new Error('no face found');
      return crop;
    },
  };
}

export async function buildCrops(jobs: readonly CropJob[], size: number, aligner: Aligner, options: { label?: string; progress?: boolean } = {}): Promise<CropReport> {
  const builder = new CropCacheBuilder(size);
  const failures: { path: string; reason: string }[] = [];
  const heldOut: number[] = [];
  const bar = createProgress({ label: options.label ?? 'crops', total: jobs.length, unit: 'img', silent: options.progress === false });
  for (const job of jobs) {
    try {
      const image = await decodeImage(job.path);
      const crop = await aligner.align(image, job.path);
      if (job.heldOut) heldOut.push(builder.count);
      builder.add(job.identity, crop);
    } catch (e) {
      failures.push({ path: job.path, reason: (e as Error).message });
    }
    bar.tick(1, failures.length ? `${failures.length} skipped` : undefined);
  }
  bar.done(`${builder.count} crops, ${failures.length} skipped`);
  return { cache: builder.build({ heldOut, failures: failures.length }), failures };
}
