/** @deepface-ts/linear-svm — linear SVMs by LIBLINEAR's dual coordinate descent. */
export {
  trainLinearSvm,
  decisionFunction,
  LinearSvmError,
  type LinearSvmOptions,
  type LinearSvmModel,
  type SvmLoss,
} from './svm';
export { trainOneVsRest, scoresOneVsRest, softmaxRows, type OneVsRestModel } from './multiclass';
