/**
 * @deepface-ts/metrics — face-verification similarities (cosine, weighted χ², Siamese head,
 * kernel-SVM ensembles) and read-outs (ROC, AUC, EER, k-fold accuracy ± SE, CMC, DIR @ FAR)
 * with ROC / CMC / DIR charts. Scores are similarities: higher = more likely the same person.
 */
export { MetricsError, type Scores, type PairLabels } from './errors';
export { rocCurve, auc, eer, tprAtFpr, type RocCurve } from './roc';
export {
  accuracyAtThreshold,
  bestThreshold,
  meanStdErr,
  pairedComparison,
  studentTwoSidedP,
  type PairedComparison,
  kFoldAccuracy,
  type MeanSe,
  type FoldResult,
  type KFoldResult,
} from './accuracy';
export { cmc, rankK, dirAtFar, dirCurve, type ProbeGallery, type DirPoint } from './identification';
export {
  innerProduct,
  cosineSimilarity,
  chiSquareTerms,
  chiSquareDistance,
  absDifference,
  pairRows,
  trainWeightedChiSquare,
  weightedChiSquareScores,
  type WeightedChiSquare,
} from './similarity';
export {
  trainSiameseHead,
  siameseLogits,
  siameseLossAndGradient,
  type SiameseHead,
  type SiameseTrainOptions,
} from './siamese';
export {
  loadLibsvm,
  powerCpdKernel,
  trainPrecomputedSvm,
  kernelSvmScores,
  parseModel as parseLibsvmModel,
  type PairRepresentation,
  type KernelSvmModel,
} from './kernel-svm';
export {
  readRocFile,
  parseRocText,
  bestBalancedAccuracy,
  rocChartSpec,
  cmcChartSpec,
  dirChartSpec,
  renderSvg,
  svgToPng,
  writeChart,
  writeFileAtomic,
  type RocSeries,
  type ChartOptions,
} from './plot';
