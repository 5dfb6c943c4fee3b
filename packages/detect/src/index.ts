/**
 * @deepface-ts/detect — face detection (SSD MobileNet v1 or Tiny Face Detector),
 * 68-point landmarks and 128-D face descriptors (face recognition net) on tfjs-core,
 * running the MIT-licensed weights of @vladmandic/face-api with our own forward code.
 */
export { autoInputSize, createFaceDetector, type FaceDetector, type FaceDetectorOptions } from './detector';
export type { DetectedFace, FaceBox, ScoredBox } from './types';
export {
  createFaceRecognizer,
  descriptorDistance,
  recognitionBox,
  DESCRIPTOR_SIZE,
  RECOGNITION_INPUT_SIZE,
  RECOGNITION_THRESHOLD,
  type FaceRecognizer,
  type FaceRecognizerOptions,
} from './recognition';
export { eyeCenters, sixFiducials, type Point2 } from './fiducials';
export { fetchSource, fileSource, type ModelSource } from './loader';
export {
  decodeWeights,
  float16ToFloat32,
  parseManifest,
  WeightsError,
  type DecodedWeight,
  type WeightEntry,
  type WeightsManifest,
  type WeightsManifestGroup,
} from './manifest';
export { iou, nonMaxSuppression } from './nms';
export type { BackendName } from './backend';
