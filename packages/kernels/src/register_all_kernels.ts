/** Registers every kernel and gradient of this package with tfjs-core (idempotent). */
import { getGradient, getKernel, registerGradient, registerKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { locallyConnected2dCpuConfig } from './backends/cpu/LocallyConnected2D';
import { locallyConnected2dBackpropFilterCpuConfig } from './backends/cpu/LocallyConnected2DBackpropFilter';
import { locallyConnected2dBackpropInputCpuConfig } from './backends/cpu/LocallyConnected2DBackpropInput';
import { conv2dBackpropFilterWasmConfig } from './backends/wasm/Conv2DBackpropFilter';
import { locallyConnected2dWasmConfig } from './backends/wasm/LocallyConnected2D';
import { locallyConnected2dBackpropFilterWasmConfig } from './backends/wasm/LocallyConnected2DBackpropFilter';
import { locallyConnected2dBackpropInputWasmConfig } from './backends/wasm/LocallyConnected2DBackpropInput';
import { locallyConnected2dGradConfig } from './gradients/LocallyConnected2D_grad';

export const kernelConfigs: readonly KernelConfig[] = [
  locallyConnected2dCpuConfig,
  locallyConnected2dBackpropInputCpuConfig,
  locallyConnected2dBackpropFilterCpuConfig,
  locallyConnected2dWasmConfig,
  locallyConnected2dBackpropInputWasmConfig,
  locallyConnected2dBackpropFilterWasmConfig,
  conv2dBackpropFilterWasmConfig,
];

export function registerAllKernels(): void {
  for (const config of kernelConfigs) {
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
  if (!getGradient(locallyConnected2dGradConfig.kernelName)) registerGradient(locallyConnected2dGradConfig);
}
