/**
 * Browser build of @deepface-ts/datasets: the text parsers (give them fetched text), the
 * seeded RNG, the PIPER head → body helper, the LFW name matcher and an ImageBitmap-based
 * decoder with the same interface as the Node one. File-system loaders and the SFC reader are Node-only.
 */
export { DatasetFormatError, DatasetLayoutError, ImageDecodeError } from './errors';
export { mulberry32, mixSeed, shuffleInPlace, type Rng } from './rng';
export { parseLfwPairs, parseLfwPeople, lfwImageName, type LfwPairLine, type LfwPairsFile, type LfwPeopleFile, type LfwPersonLine } from './lfw-text';
export { parseYtfSplits, parseYtfLabeledFaces, sampleYtfFramePairs, type YtfPair, type YtfVideo, type YtfFaceBox, type YtfFramePair } from './ytf-text';
export { parsePipaAnnotations, countPipaSubsets, headToBody, PIPA_SUBSETS, PIPA_SPLITS, type Box, type PipaInstance, type PipaSubset, type PipaSplit, type HeadToBodyOptions } from './pipa-text';
export { parseCfpPairFile, parseCfpFiducials, type CfpImage, type CfpPair, type CfpFold, type CfpPose, type CfpPairRow, type CfpPairFileOptions } from './cfp-text';
export { foldIdentityName, createLfwNameMatcher, LFW_NAME_ALIASES, type LfwNameAlias, type LfwNameMatch, type LfwNameMatcher, type LfwNameRule } from './identity-names';
export { decodeImage, decodeEach, decodeAll, type BrowserImageSource, type BrowserDecodeOptions } from './decode-browser';
export type { DecodeOptions, DecodeManyOptions, DecodeFailure, Decoded } from './decode-batch';
