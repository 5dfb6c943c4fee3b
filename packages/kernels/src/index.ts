/**
 * @deepface-ts/kernels: tfjs-core with working autodiff in Node, plus LocallyConnected2D
 * (cpu + our WASM SIMD) and a wasm Conv2DBackpropFilter.
 *
 * Import `tf` from here, not from '@tensorflow/tfjs-core', so every package shares one
 * engine with gradients and chained ops registered.
 */
import { registerAllKernels } from './register_all_kernels';

export { tf } from './tf';
export { initBackend, type BackendName, type InitBackendOptions } from './backend';
export { locallyConnected2d, type LocallyConnected2DOptions } from './ops/locally_connected2d';
export * from './kernel_names';
export { registerAllKernels, kernelConfigs } from './register_all_kernels';
export { locallyConnected2dGradConfig } from './gradients/LocallyConnected2D_grad';
export {
  ShapeError,
  locallyConnectedGeometry,
  multiplyAdds,
  type LocallyConnectedGeometry,
} from './geometry';
export {
  referenceLocallyConnected2d,
  referenceLocallyConnected2dBackpropFilter,
  referenceLocallyConnected2dBackpropInput,
  referenceLocallyConnected2dBackpropBias,
} from './reference/locally_connected';
export { referenceConv2dBackpropFilter, type Conv2DFilterGradGeometry } from './reference/conv2d_backprop_filter';

// Kernels are registered on import so the op works on whichever backend is active;
// initBackend() is still needed once for the wasm module.
registerAllKernels();
