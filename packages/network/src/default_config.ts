/**
 * The configuration of the shipped default model: the paper's layer types and order at half
 * the input size (76×76; kernels scaled down so every layer keeps a spatial extent), with a
 * 512-D F7, so that it trains on a 2-core machine in well under an hour and ships in float16
 * under 25 MB.
 */
import { deepFaceConfig, type NetworkConfig } from './config';

export function defaultTrainingConfig(numClasses: number): NetworkConfig {
  return deepFaceConfig({
    inputSize: 76,
    f7: 512,
    numClasses,
    kernels: { c1: 5, c3: 5, l4: 5, l5: 3, l6: 3 },
  });
}

/** With the 328 CFP identities that are not LFW people (the default model's training set). */
export const DEFAULT_TRAINING_CONFIG: NetworkConfig = defaultTrainingConfig(328);
