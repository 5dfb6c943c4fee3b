/**
 * From a whole image to an aligned crop: find the faces, pick one, and 2D-align or
 * 3D-frontalize it. The face finder is injected (`@deepface-ts/detect`'s FaceDetector fits),
 * so this package stays free of a detector dependency. Used by the training, benchmark and
 * verification apps alike.
 */
import type { RgbImage } from '@deepface-ts/image';
import { align2d, type LandmarkDetector } from './align2d';
import { createFrontalizer } from './frontalize';
import { createTemplate, type FaceBox } from './template';

export interface FoundFace {
  box: FaceBox;
  landmarks: ArrayLike<number>;
}

/** Finds faces with their 68 landmarks, and re-detects landmarks for the iterated 2D alignment. */
export interface FaceFinder extends LandmarkDetector {
  detect(image: RgbImage): Promise<FoundFace[]>;
}

/** Which face of an image to align: the largest box (portraits), or the one nearest the centre (dataset crops). */
export type FaceChoice = 'largest' | 'nearest-centre';

export interface FaceAligner {
  /** The aligned size×size crop of the chosen face, or undefined when no face is found. */
  align(image: RgbImage<Uint8Array>, source?: string): Promise<RgbImage<Uint8Array> | undefined>;
}

export function chooseFace<F extends FoundFace>(faces: readonly F[], choice: FaceChoice, width: number, height: number): F | undefined {
  let best: F | undefined;
  let bestScore = Infinity;
  for (const f of faces) {
    const score =
      choice === 'largest'
        ? -f.box.width * f.box.height
        : Math.hypot(f.box.x + f.box.width / 2 - width / 2, f.box.y + f.box.height / 2 - height / 2);
    if (score < bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}

export function createFaceAligner(finder: FaceFinder, options: { mode: '2d' | '3d'; size: number; choose?: FaceChoice }): FaceAligner {
  const { mode, size, choose = 'largest' } = options;
  const template = createTemplate({ size });
  const frontalizer = createFrontalizer(template);
  return {
    async align(image, source = 'image') {
      const face = chooseFace(await finder.detect(image), choose, image.width, image.height);
      if (!face) return undefined;
      if (mode === '3d') return frontalizer.frontalize(image, face.landmarks, { dtype: 'uint8', source }).image;
      return (await align2d(image, face.landmarks, { template, detector: finder, dtype: 'uint8', source })).image;
    },
  };
}
