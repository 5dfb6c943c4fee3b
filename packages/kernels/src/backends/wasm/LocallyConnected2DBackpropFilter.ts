import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { filterShape, locallyConnected2dBackpropFilterKernelGeometry } from '../../geometry';
import {
  LocallyConnected2DBackpropFilter,
  type LocallyConnected2DBackpropFilterInputs,
} from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

const KERNEL = `${LocallyConnected2DBackpropFilter} (wasm)`;

export const locallyConnected2dBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2DBackpropFilter);
  const { x, dy } = inputs as LocallyConnected2DBackpropFilterInputs;
  // x and dy against the geometry the attributes imply (dy = the forward output's shape):
  // lc_backprop_filter reads both by sizes computed from them.
  const g = locallyConnected2dBackpropFilterKernelGeometry(KERNEL, { x, dy }, attrs);
  const xPtr = heapOffset(wasmBackend, x, KERNEL, 'x');
  const dyPtr = heapOffset(wasmBackend, dy, KERNEL, 'dy');
  const out = wasmBackend.makeOutput(filterShape(g), 'float32');
  kernels.lc_backprop_filter(
    xPtr, dyPtr, heapOffset(wasmBackend, out, KERNEL, 'dFilter'),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.kernelHeight, g.kernelWidth,
    g.strideHeight, g.strideWidth, g.outHeight, g.outWidth, g.outChannels,
  );
  return out;
};

export const locallyConnected2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: LocallyConnected2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: locallyConnected2dBackpropFilterWasm,
};
