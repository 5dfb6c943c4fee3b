/**
 * DeepFace 2D alignment: a similarity transform from six fiducials to fixed anchors in the
 * crop, iterated — warp, re-detect the landmarks on the crop, refit — until the correction
 * stops changing the crop. Every crop is resampled from the original image with the
 * composed transform, so iterating does not blur.
 */
import type { Image, RgbImage } from '@deepface-ts/image';
import { composeAffine, fitSimilarity, invertAffine, applyAffine, affineDeviationFromIdentity, type Affine2 } from './affine2d.js';
import { assertLandmarks, LANDMARK_COUNT, LandmarkError, SIX_FIDUCIAL_NAMES, sixFiducials, type Points2D } from './landmarks.js';
import { createTemplate, type FaceBox, type FrontalTemplate } from './template.js';
import { warpAffine, type BorderMode, type PixelType } from './warp.js';

/** The one detector method the iterated alignment needs (`@deepface-ts/detect`'s FaceDetector has it). */
export interface LandmarkDetector {
  /** 68 landmarks (x0, y0, …) of the face in `box` of `image`. */
  landmarks(image: RgbImage, box: FaceBox): Promise<ArrayLike<number>>;
}

export interface Align2dOptions {
  /** Crop size and anchors come from the template (default: the 152×152 default template). */
  template?: FrontalTemplate;
  /** Re-detects landmarks on each crop; without one, a single similarity step is done. */
  detector?: LandmarkDetector;
  /**
   * Which landmarks the similarity is fitted to: `'six'`, the paper's six fiducials (eye
   * centres, nose tip, mouth corners and middle) onto the template's anchors, or `'all'`, a
   * least-squares fit of all 68 landmarks onto the template's 68 — less sensitive to the
   * error of any one point (on LFW it raises LBP verification, see the README). Default 'six'.
   */
  fit?: Align2dFit;
  /** Most re-detection rounds (default 4). */
  maxIterations?: number;
  /** Stop when a round moves the crop's corners by less than this many pixels (default 0.5). */
  tolerance?: number;
  dtype?: PixelType;
  border?: BorderMode;
  source?: string;
}

export interface Align2dResult<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  /** The 2D-aligned size×size crop. */
  image: RgbImage<T>;
  /** Composed similarity T = Tₖ·…·T₁ from source-image to crop coordinates. */
  transform: Affine2;
  /** The latest landmarks, in source-image coordinates (re-detected ones when a detector ran). */
  landmarks: Float64Array;
  /** The same landmarks in crop coordinates. */
  cropLandmarks: Float64Array;
  /** Re-detection rounds done. */
  iterations: number;
  /** True when the last round moved the crop by less than the tolerance (or no detector was given). */
  converged: boolean;
  /** Corner displacement (pixels) of each round's correction. */
  corrections: number[];
}

export type Align2dFit = 'six' | 'all';

let defaultTemplate: FrontalTemplate | undefined;
let landmarkNames: string[] | undefined;

/**
 * Similarity taking `landmarks` onto the template: the six fiducials onto its anchors
 * (`fit` 'six', the default), or all 68 landmarks onto its 68 (`fit` 'all').
 */
export function similarityToAnchors(landmarks: Points2D, template: FrontalTemplate, source = 'landmarks', fit: Align2dFit = 'six'): Affine2 {
  if (fit === 'all') {
    assertLandmarks(landmarks, { source });
    landmarkNames ??= Array.from({ length: LANDMARK_COUNT }, (_, i) => `landmark ${i}`);
    return fitSimilarity(landmarks, template.landmarks, landmarkNames, `${source}: 68 landmarks`);
  }
  if (fit !== 'six') throw new LandmarkError(`${source}: fit must be 'six' or 'all', got ${JSON.stringify(fit)}`);
  return fitSimilarity(sixFiducials(landmarks, source), template.anchors, SIX_FIDUCIAL_NAMES, `${source}: six fiducials`);
}

export async function align2d<D extends PixelType = 'float32'>(
  image: Image,
  landmarks: Points2D,
  options: Align2dOptions & { dtype?: D } = {},
): Promise<Align2dResult<D extends 'uint8' ? Uint8Array : Float32Array>> {
  const { detector, maxIterations = 4, tolerance = 0.5, dtype = 'float32', border = 'clamp', source = 'landmarks', fit = 'six' } = options;
  const template = options.template ?? (defaultTemplate ??= createTemplate());
  const { size } = template;
  let transform = similarityToAnchors(landmarks, template, source, fit);
  let current: Float64Array = Float64Array.from(landmarks);
  let cropLandmarks = applyAffine(transform, current);
  const corrections: number[] = [];
  let converged = detector === undefined;
  let iterations = 0;
  while (detector && iterations < maxIterations) {
    // The detector sees the crop in the input's own pixel type.
    const crop = warpAffine(image, invertAffine(transform), size, size, { dtype: image.data instanceof Uint8Array ? 'uint8' : 'float32', border });
    const redetected = await detector.landmarks(crop as RgbImage, template.faceBox);
    iterations++;
    const where = `${source}, re-detection ${iterations}`;
    assertLandmarks(redetected, { source: where });
    const correction = similarityToAnchors(redetected, template, where, fit);
    const previous = transform;
    transform = composeAffine(correction, transform);
    // Re-detected points live in the previous crop's frame: map them back to the source.
    current = applyAffine(invertAffine(previous), redetected);
    cropLandmarks = applyAffine(transform, current);
    const moved = affineDeviationFromIdentity(correction, size, size);
    corrections.push(moved);
    if (!Number.isFinite(moved)) throw new LandmarkError(`${where}: the alignment diverged`);
    if (moved < tolerance) {
      converged = true;
      break;
    }
  }
  const out = warpAffine(image, invertAffine(transform), size, size, { dtype, border });
  return { image: out as RgbImage<D extends 'uint8' ? Uint8Array : Float32Array>, transform, landmarks: current, cropLandmarks, iterations, converged, corrections };
}
