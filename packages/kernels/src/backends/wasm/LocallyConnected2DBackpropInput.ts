import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { inputShape, locallyConnected2dBackpropInputKernelGeometry } from '../../geometry';
import {
  LocallyConnected2DBackpropInput,
  type LocallyConnected2DBackpropInputInputs,
} from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

const KERNEL = `${LocallyConnected2DBackpropInput} (wasm)`;

export const locallyConnected2dBackpropInputWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2DBackpropInput);
  const { dy, filter } = inputs as LocallyConnected2DBackpropInputInputs;
  // dy and filter against the geometry of the attribute inputShape: lc_backprop_input reads
  // both by sizes computed from it (a [1, 1, 1, 1] dy would be read far past its end).
  const g = locallyConnected2dBackpropInputKernelGeometry(KERNEL, { dy, filter }, attrs);
  const dyPtr = heapOffset(wasmBackend, dy, KERNEL, 'dy');
  const wPtr = heapOffset(wasmBackend, filter, KERNEL, 'filter');
  const out = wasmBackend.makeOutput(inputShape(g), 'float32');
  kernels.lc_backprop_input(
    dyPtr, wPtr, heapOffset(wasmBackend, out, KERNEL, 'dx'),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.kernelHeight, g.kernelWidth,
    g.strideHeight, g.strideWidth, g.outHeight, g.outWidth, g.outChannels,
  );
  return out;
};

export const locallyConnected2dBackpropInputWasmConfig: KernelConfig = {
  kernelName: LocallyConnected2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: locallyConnected2dBackpropInputWasm,
};
