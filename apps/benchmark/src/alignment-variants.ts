/**
 * Named crop recipes for choosing an alignment on a development set: `raw-<fraction>` (the
 * raw centre crop), `3d-<interOcular>` (3D frontalization framed with that inter-ocular
 * distance) and `2d-<interOcular>-<six|all>-<rounds>` (2D similarity alignment: fitted to the
 * six fiducials or all 68 landmarks, with that many re-detection rounds). Used by
 * choose-alignment.ts; each recipe turns an image and its landmarks into a crop.
 */
import { align2d, createFrontalizer, createTemplate, type Align2dFit, type LandmarkDetector } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { centreCrop } from './describe';

export type AlignmentVariant =
  | { name: string; kind: 'raw'; fraction: number }
  | { name: string; kind: '3d'; interOcular: number }
  | { name: string; kind: '2d'; interOcular: number; fit: Align2dFit; rounds: number };

const fractionOf = (text: string | undefined, name: string, what: string): number => {
  const v = Number(text);
  if (!(v > 0 && v < 1)) throw new Error(`alignment variant "${name}": ${what} must be a fraction in (0, 1), got "${text ?? ''}"`);
  return v;
};

export function parseAlignmentVariant(name: string): AlignmentVariant {
  const parts = name.split('-');
  switch (parts[0]) {
    case 'raw':
      if (parts.length !== 2) break;
      return { name, kind: 'raw', fraction: fractionOf(parts[1], name, 'the crop fraction') };
    case '3d':
      if (parts.length !== 2) break;
      return { name, kind: '3d', interOcular: fractionOf(parts[1], name, 'the inter-ocular distance') };
    case '2d': {
      if (parts.length !== 4) break;
      const fit = parts[2];
      if (fit !== 'six' && fit !== 'all') throw new Error(`alignment variant "${name}": the fit must be "six" or "all", got "${fit}"`);
      const rounds = Number(parts[3]);
      if (!Number.isInteger(rounds) || rounds < 0) throw new Error(`alignment variant "${name}": re-detection rounds must be a whole number ≥ 0, got "${parts[3]}"`);
      return { name, kind: '2d', interOcular: fractionOf(parts[1], name, 'the inter-ocular distance'), fit, rounds };
    }
  }
  throw new Error(`alignment variant "${name}": expected raw-<fraction>, 3d-<interOcular> or 2d-<interOcular>-<six|all>-<rounds> (e.g. raw-0.4, 3d-0.36, 2d-0.4-all-0)`);
}

export type CropRecipe = (image: RgbImage<Uint8Array>, landmarks: ArrayLike<number> | undefined, source: string) => Promise<RgbImage<Uint8Array>>;

/**
 * The crop of `variant` at size×size. Without landmarks (no face found) an aligned variant
 * falls back to the raw centre crop of `fallbackFraction`, as the benchmark does.
 */
export function cropRecipe(variant: AlignmentVariant, size: number, options: { detector?: LandmarkDetector; fallbackFraction: number }): CropRecipe {
  const raw = (fraction: number) => (image: RgbImage<Uint8Array>) => centreCrop(image, { fraction, size });
  if (variant.kind === 'raw') {
    const crop = raw(variant.fraction);
    return async (image) => crop(image);
  }
  const fallback = raw(options.fallbackFraction);
  const template = createTemplate({ size, interOcular: variant.interOcular });
  if (variant.kind === '3d') {
    const frontalizer = createFrontalizer(template);
    return async (image, landmarks, source) => (landmarks ? frontalizer.frontalize(image, landmarks, { dtype: 'uint8', source }).image : fallback(image));
  }
  if (variant.rounds > 0 && !options.detector) throw new Error(`alignment variant "${variant.name}" re-detects landmarks: pass a detector`);
  const { fit, rounds } = variant;
  return async (image, landmarks, source) =>
    landmarks
      ? ((await align2d(image, landmarks, { template, fit, detector: rounds > 0 ? options.detector : undefined, maxIterations: rounds, dtype: 'uint8', source })).image as RgbImage<Uint8Array>)
      : fallback(image);
}
