/**
 * @deepface-ts/network — the DeepFace network.
 *
 * This first part is the architecture as data (configs, shapes, parameter counts), the
 * weights file (safetensors layout, float32/float16, validated on load) and the F7
 * representation read-outs. The tfjs model and training build on `@deepface-ts/kernels`.
 */
export * from './config';
export * from './float16';
export * from './weights_file';
export * from './representation';
export * from './input';
export * from './model';
export * from './train';
export * from './default_config';
export * from './crop_cache';
export * from './describe';
export { createDataParallelTrainer, dataParallelWorkerFile, DataParallelError, type DataParallelBatch, type DataParallelGradients, type DataParallelOptions, type DataParallelStepOptions, type DataParallelStepResult, type DataParallelTrainer } from './data-parallel';
export * from './distill';
