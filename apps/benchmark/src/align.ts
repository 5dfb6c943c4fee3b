/**
 * Alignment for the benchmark: `@deepface-ts/frontalize`'s face aligner on the face nearest
 * the image centre (benchmark images are dataset crops centred on their subject). When no
 * face is found, or alignment fails, the image's raw centre crop is used instead and counted,
 * so every pair of the protocol still gets a score (the report says how often).
 */
import { createFaceAligner, type FaceFinder, type TemplateOptions } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import type { Align } from './args';

/** Where the face sits in an aligned crop: the alignment template's inter-ocular distance and eye line, as fractions of the crop side. */
export type Framing = Pick<TemplateOptions, 'interOcular' | 'eyeLine'>;

export interface Aligner {
  align(image: RgbImage<Uint8Array>, source: string): Promise<{ crop: RgbImage<Uint8Array>; aligned: boolean }>;
}

export function createAligner(
  align: '2d' | '3d',
  size: number,
  detector: FaceFinder,
  fallback: (image: RgbImage<Uint8Array>) => RgbImage<Uint8Array>,
  framing: Framing = {},
): Aligner {
  // 2D: the face aligner's default (one similarity fit to all 68 landmarks, no re-detection).
  const aligner = createFaceAligner(detector, { mode: align, size, choose: 'nearest-centre', template: framing });
  return {
    async align(image, source) {
      try {
        const crop = await aligner.align(image, source);
        return crop ? { crop, aligned: true } : { crop: fallback(image), aligned: false };
      } catch {
        return { crop: fallback(image), aligned: false };
      }
    },
  };
}
