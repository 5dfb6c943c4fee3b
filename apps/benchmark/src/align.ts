/**
 * Alignment for the benchmark: detect the face, then 2D-align it (similarity from six
 * fiducials, iterated with re-detection) or 3D-frontalize it (DeepFace §2) into a
 * size×size crop. Benchmark images are dataset crops centred on their subject (LFW's
 * 250×250, CFP's portraits), so the face nearest the image centre is the one described.
 * When no face is found the image's raw centre crop is used instead and counted, so every
 * pair of the protocol still gets a score (and the report says how often that happened).
 */
import type { DetectedFace, FaceDetector } from '@deepface-ts/detect';
import { align2d, createFrontalizer, createTemplate } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import type { Align } from './args';

export interface Aligner {
  align(image: RgbImage<Uint8Array>, source: string): Promise<{ crop: RgbImage<Uint8Array>; aligned: boolean }>;
}

export function nearestCentre(faces: readonly DetectedFace[], width: number, height: number): DetectedFace | undefined {
  let best: DetectedFace | undefined;
  let bestDistance = Infinity;
  for (const f of faces) {
    const d = Math.hypot(f.box.x + f.box.width / 2 - width / 2, f.box.y + f.box.height / 2 - height / 2);
    if (d < bestDistance) {
      best = f;
      bestDistance = d;
    }
  }
  return best;
}

export function createAligner(
  align: Exclude<Align, 'none'>,
  size: number,
  detector: FaceDetector,
  fallback: (image: RgbImage<Uint8Array>) => RgbImage<Uint8Array>,
): Aligner {
  const template = createTemplate({ size });
  const frontalizer = createFrontalizer(template);
  return {
    async align(image, source) {
      const face = nearestCentre(await detector.detect(image), image.width, image.height);
      if (!face) return { crop: fallback(image), aligned: false };
      try {
        const crop =
          align === '3d'
            ? frontalizer.frontalize(image, face.landmarks, { dtype: 'uint8', source }).image
            : (await align2d(image, face.landmarks, { template, detector, dtype: 'uint8', source })).image;
        return { crop: crop as RgbImage<Uint8Array>, aligned: true };
      } catch {
        return { crop: fallback(image), aligned: false };
      }
    },
  };
}
