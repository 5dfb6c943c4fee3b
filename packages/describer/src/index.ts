/**
 * @deepface-ts/describer — one code path from image to face descriptors for every app:
 * detect → align (dlib chip, 3D frontalization, 2D, face-api box) → describe (dlib ResNet or
 * DeepFace), with each descriptor's decision thresholds calibrated on LFW View 1.
 */
export {
  createDescriber,
  defaultModelPath,
  openSetThresholdFor,
  shippedCalibration,
  similarity,
  DEFAULT_DESCRIPTOR,
  DEEPFACE_DEFAULTS,
  DESCRIPTOR_NAMES,
  DLIB_DEFAULTS,
  FACE_ALIGNMENTS,
  type Calibration,
  type DescribedFace,
  type Describer,
  type DescriberOptions,
  type DescriptorName,
  type FaceAlignment,
} from './describer';
export { DescriptorCache } from './descriptor-cache';
