import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geometryFromShapes, outputShape } from '../../geometry';
import { LocallyConnected2D, type LocallyConnected2DAttrs, type LocallyConnected2DInputs } from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

export const locallyConnected2dWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2D);
  const { x, filter, bias } = inputs as LocallyConnected2DInputs;
  const { strides, kernelSize } = attrs as unknown as LocallyConnected2DAttrs;
  const g = geometryFromShapes(x.shape, kernelSize, strides, filter.shape[3]!);
  const xPtr = heapOffset(wasmBackend, x, LocallyConnected2D, 'x');
  const wPtr = heapOffset(wasmBackend, filter, LocallyConnected2D, 'filter');
  const bPtr = bias ? heapOffset(wasmBackend, bias, LocallyConnected2D, 'bias') : 0;
  const out = wasmBackend.makeOutput(outputShape(g), 'float32');
  kernels.lc_forward(
    xPtr, wPtr, bPtr, heapOffset(wasmBackend, out, LocallyConnected2D, 'y'),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.kernelHeight, g.kernelWidth,
    g.strideHeight, g.strideWidth, g.outHeight, g.outWidth, g.outChannels,
  );
  return out;
};

export const locallyConnected2dWasmConfig: KernelConfig = {
  kernelName: LocallyConnected2D,
  backendName: 'wasm',
  kernelFunc: locallyConnected2dWasm,
};
