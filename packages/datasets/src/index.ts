/**
 * @deepface-ts/datasets: loaders and protocol iterators for LFW, YouTube Faces, PIPA, CFP,
 * CelebA and SFC-format collections, person names matched against LFW's, and fast image
 * decoding (sharp in Node).
 */
export { DatasetFormatError, DatasetLayoutError, ImageDecodeError } from './errors';
export { datasetsRoot } from './paths';
export { mulberry32, mixSeed, shuffleInPlace, type Rng } from './rng';
export { parseLfwPairs, parseLfwPeople, lfwImageName, type LfwPairLine, type LfwPairsFile, type LfwPeopleFile, type LfwPersonLine } from './lfw-text';
export { loadLfw, loadLfwAsync, findLfwImageRoot, indexLfwImages, indexLfwImagesAsync, LfwDataset, type LfwPair, type LfwFold, type LfwIdentity, type LoadLfwOptions } from './lfw';
export {
  parseYtfSplits,
  loadYtfSplits,
  parseYtfLabeledFaces,
  sampleYtfFramePairs,
  ytfFold,
  YtfFrames,
  type YtfPair,
  type YtfVideo,
  type YtfFaceBox,
  type YtfFramePair,
  type YtfFold,
  type YtfFoldOptions,
} from './ytf';
export {
  parsePipaAnnotations,
  loadPipaAnnotations,
  loadPipa,
  countPipaSubsets,
  headToBody,
  PipaPhotoResolver,
  PIPA_SUBSETS,
  PIPA_SPLITS,
  type Box,
  type PipaInstance,
  type PipaSubset,
  type PipaSplit,
  type PipaSubsetCounts,
  type HeadToBodyOptions,
} from './pipa';
export { loadCfp, CfpDataset, parseCfpPairFile, parseCfpFiducials, type CfpImage, type CfpPair, type CfpFold, type CfpPose, type CfpPairRow, type CfpPairFileOptions, type LoadCfpOptions, type CfpWarnings } from './cfp';
export {
  readSfcManifest,
  sfcTimeSplit,
  sfcTestCount,
  sfcIdentitySubset,
  sfcFractionSubset,
  SfcWriter,
  writeSfcManifest,
  SFC_HEADER,
  SFC_HEADER_WITH_BOX,
  SFC_IDENTITY_SUBSETS,
  SFC_FRACTION_SUBSETS,
  type SfcManifest,
  type SfcRow,
  type SfcSplit,
  type SfcSubset,
  type ReadSfcOptions,
  type SfcWriterOptions,
} from './sfc';
export { foldIdentityName, createLfwNameMatcher, LFW_NAME_ALIASES, type LfwNameAlias, type LfwNameMatch, type LfwNameMatcher, type LfwNameRule } from './identity-names';
export {
  loadCeleba,
  mergeCelebaSources,
  celebaToSfcRows,
  writeCelebaSfcManifest,
  CELEBA_PARTITIONS,
  type CelebaDataset,
  type CelebaImage,
  type CelebaCounts,
  type CelebaPartition,
  type CelebaMerged,
  type CelebaSfcOptions,
  type LoadCelebaOptions,
} from './celeba';
export { decodeImage, decodeEach, decodeAll, type NodeDecodeOptions } from './decode';
export type { DecodeOptions, DecodeManyOptions, DecodeFailure, Decoded } from './decode-batch';
