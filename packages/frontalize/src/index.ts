/**
 * @deepface-ts/frontalize — DeepFace's alignment: 2D similarity alignment from six fiducials
 * (iterated with re-detection) and 3D frontalization through an affine camera fitted to a
 * generic 3D face, with the package's own face shape estimated by structure from motion;
 * and dlib's face chips (the alignment dlib's face-recognition network expects).
 */
export { align2d, similarityToAnchors, type Align2dFit, type Align2dOptions, type Align2dResult, type LandmarkDetector } from './align2d.js';
export { applyAffine, composeAffine, fitSimilarity, identityAffine, invertAffine, affineDeviationFromIdentity, type Affine2 } from './affine2d.js';
export {
  cameraPose, cameraScale, estimateLandmarkCovariance, fitAffineCamera, project, projectShape, viewDirection,
  type AffineCamera, type CameraFit, type CovarianceEstimateOptions, type LandmarkCovariance,
} from './camera.js';
export {
  DLIB_CHIP_PADDING, DLIB_CHIP_SIZE, DLIB_MEAN_FACE, extractFaceChip, faceChip, faceChipDetails, faceChipTemplate,
  type ExtractFaceChipOptions, type FaceChipDetails, type FaceChipOptions, type FaceChipRect, type MeanFace,
} from './chip.js';
export { DEFAULT_SHAPE } from './default-shape.js';
export { affineFromTriangles, createFrontalizer, frontalize, type FrontalizeOptions, type FrontalizeResult, type Frontalizer } from './frontalize.js';
export {
  assertLandmarks, LANDMARK_COUNT, LandmarkError, mirrorLandmarks, MIRROR_68, SIX_FIDUCIAL_NAMES, sixFiducials,
  type LandmarkCheck, type Points2D,
} from './landmarks.js';
export { cholesky, leastSquares, LinalgError, svd, symmetricEigen, type Svd, type SymmetricEigen } from './linalg.js';
export { affineStructureFromMotion, type StructureFromMotion, type StructureFromMotionOptions } from './sfm.js';
export {
  assertShape, asymmetry, eyeCentres, interOcularDistance, normalizeShape, parseShapeCsv, procrustes, symmetrizeShape,
  type ProcrustesResult, type Shape3D,
} from './shape.js';
export { syntheticFace } from './synthetic-face.js';
export { createTemplate, rasterizeTriangles, triangleNormal, type FaceBox, type FrontalTemplate, type TemplateOptions } from './template.js';
export { warpAffine, type BorderMode, type PixelType, type WarpOptions } from './warp.js';
export { chooseFace, createFaceAligner, type FaceAligner, type FaceAlignerOptions, type FaceChoice, type FaceFinder, type FoundFace } from './face-aligner.js';
