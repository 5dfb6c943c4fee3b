/**
 * @deepface-ts/dlib-resnet — dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1,
 * 128-D, as @vladmandic/face-api ships its weights) on our tfjs-core code: on dlib's own
 * 150×150 face chip (`@deepface-ts/frontalize`'s `faceChip`), with test-time mirroring and
 * dlib-style jittering.
 */
export { createFaceRecognizer, descriptorDistance, type DescribeOptions, type FaceRecognizer, type FaceRecognizerOptions } from './recognizer';
export {
  DESCRIPTOR_SIZE,
  RECOGNITION_INPUT_SCALE,
  RECOGNITION_INPUT_SIZE,
  RECOGNITION_MEAN_RGB,
  RECOGNITION_THRESHOLD,
  recognitionForward,
  recognitionParams,
  disposeRecognition,
  type RecognitionParams,
} from './network';
export { cropBox, faceApiCrop, recognitionBox } from './face-api-crop';
export { jitterAffine, jitterChipDetails, jitteredChips, JITTER_DEFAULTS, type JitterOptions } from './jitter';
