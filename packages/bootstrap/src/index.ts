/** @deepface-ts/bootstrap — semantic bootstrapping: hyperplanes, nearest-hyperplane search, seed expansion, gallery. */
export { BootstrapError, TornStoreError } from './errors';
export { crc32 } from '@deepface-ts/crc32';
export { LockHeldError } from '@deepface-ts/file-lock';
export { normalizeRows, quantizeRowsInt8, referenceTopK, recallAt, rowCount, type TopK } from './vectors';
export {
  ExactIndex,
  BoundedHeap,
  type ExactIndexOptions,
  type NearestIndex,
  type Precision,
  type ScorerKind,
  type ChunkViews,
} from './exact-index';
export {
  HyperplaneStore,
  STORE_FORMAT,
  STORE_LOCK,
  type CreateOptions,
  type StoreManifest,
  type SegmentInfo,
  type SegmentData,
  type AppendInput,
  type AppendStage,
  type OpenOptions,
} from './store';
export { loadExactIndex, type LoadedIndex } from './load';
export { trainHyperplanes, trainWorkerFile, DEFAULT_SVM, type TrainHyperplanesOptions, type Hyperplanes } from './train';
export type { SvmSettings } from './train-core';
export { expandSeeds, drawDistinct, writeDb2Manifest, type ExpandSeedsOptions, type SeedExpansion } from './expand';
export { Gallery, type GalleryMatch, type GalleryOptions, type Identification } from './gallery';
export { LanceIndex, type LanceIndexOptions, type LanceBuildOptions } from './lance-index';
export { WasmSvm, type WasmSvmOptions, type WasmSvmModel } from './svm-wasm';
