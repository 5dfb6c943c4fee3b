import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { filterShape, geometryFromShapes } from '../../geometry';
import {
  LocallyConnected2DBackpropFilter,
  type LocallyConnected2DBackpropFilterAttrs,
  type LocallyConnected2DBackpropFilterInputs,
} from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

export const locallyConnected2dBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2DBackpropFilter);
  const { x, dy } = inputs as LocallyConnected2DBackpropFilterInputs;
  const { strides, kernelSize, outChannels } = attrs as unknown as LocallyConnected2DBackpropFilterAttrs;
  const g = geometryFromShapes(x.shape, kernelSize, strides, outChannels);
  const xPtr = heapOffset(wasmBackend, x, LocallyConnected2DBackpropFilter, 'x');
  const dyPtr = heapOffset(wasmBackend, dy, LocallyConnected2DBackpropFilter, 'dy');
  const out = wasmBackend.makeOutput(filterShape(g), 'float32');
  kernels.lc_backprop_filter(
    xPtr, dyPtr, heapOffset(wasmBackend, out, LocallyConnected2DBackpropFilter, 'dFilter'),
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
