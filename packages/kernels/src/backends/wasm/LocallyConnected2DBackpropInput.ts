import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geometryFromShapes, inputShape } from '../../geometry';
import {
  LocallyConnected2DBackpropInput,
  type LocallyConnected2DBackpropInputAttrs,
  type LocallyConnected2DBackpropInputInputs,
} from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

export const locallyConnected2dBackpropInputWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2DBackpropInput);
  const { dy, filter } = inputs as LocallyConnected2DBackpropInputInputs;
  const { strides, kernelSize, inputShape: xShape } = attrs as unknown as LocallyConnected2DBackpropInputAttrs;
  const g = geometryFromShapes(xShape, kernelSize, strides, filter.shape[3]!);
  const dyPtr = heapOffset(wasmBackend, dy, LocallyConnected2DBackpropInput, 'dy');
  const wPtr = heapOffset(wasmBackend, filter, LocallyConnected2DBackpropInput, 'filter');
  const out = wasmBackend.makeOutput(inputShape(g), 'float32');
  kernels.lc_backprop_input(
    dyPtr, wPtr, heapOffset(wasmBackend, out, LocallyConnected2DBackpropInput, 'dx'),
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
