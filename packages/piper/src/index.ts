/** @deepface-ts/piper — PIPER multi-cue person recognition on typed arrays. */
export {
  PiperError,
  fillPart,
  filledParts,
  fuse,
  fuseScores,
  globalDistribution,
  checkFusionInput,
  argmaxRows,
  accuracy,
  type PartPrediction,
  type FillingMode,
  type FusionInput,
  type FillOptions,
} from './fusion';
export { trainPartClassifier, predictPart, partScores, type PartFeatures, type PartClassifier, type PartClassifierOptions } from './parts';
export { learnPartWeights, fusionRows, type FilledSet, type LearnWeightsOptions, type LearnedWeights } from './weights';
export {
  checkDataset,
  identitiesOf,
  splitHalves,
  predictSplit,
  withTemperature,
  configInput,
  standardConfigs,
  partAloneAccuracy,
  learnWeightsOnValidation,
  personRecognition,
  oneShot,
  retrieval,
  knnHitRates,
  type PiperDataset,
  type FusionConfig,
  type ProtocolOptions,
  type SplitPredictions,
  type WeightsForConfigs,
  type ConfigWeights,
  type RecognitionResult,
  type OneShotResult,
  type RetrievalResult,
} from './protocols';
export { appearanceDescriptor, cropResize, descriptorLength, type CropBox, type DescriptorOptions } from './descriptor';
export { fitPca, projectPca, type Pca } from './pca';
export { syntheticDataset, type SyntheticOptions } from './synthetic';
