/**
 * @deepface-ts/detect — face detection (SSD MobileNet v1 or Tiny Face Detector),
 * and 68-point landmarks on tfjs-core, running the MIT-licensed weights of @vladmandic/face-api with our own forward code.
 */
export { autoInputSize, createFaceDetector, type FaceDetector, type FaceDetectorOptions } from './detector';
export type { DetectedFace, FaceBox, ScoredBox } from './types';
export { eyeCenters, sixFiducials, type Point2 } from './fiducials';
export { defaultModelDir, fetchSource, fileSource, loadWeights, resolveSource, type ModelSource } from './loader';
export {
  decodeWeights,
  float16ToFloat32,
  parseManifest,
  requireWeight,
  WeightsError,
  type DecodedWeight,
  type WeightEntry,
  type WeightsManifest,
  type WeightsManifestGroup,
} from './manifest';
export { iou, nonMaxSuppression } from './nms';
export { useBackend, type BackendName } from './backend';
export { squareInput, type Crop } from './preprocess';
