import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { locallyConnected2dKernelGeometry, outputShape } from '../../geometry';
import { LocallyConnected2D, type LocallyConnected2DInputs } from '../../kernel_names';
import { heapOffset, kernelModule } from './module';

const KERNEL = `${LocallyConnected2D} (wasm)`;

export const locallyConnected2dWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, LocallyConnected2D);
  const { x, filter, bias } = inputs as LocallyConnected2DInputs;
  // Every buffer against the geometry, here and not only in the op: lc_forward reads
  // x, filter and bias and writes y by sizes computed from these shapes and attributes.
  const g = locallyConnected2dKernelGeometry(KERNEL, { x, filter, bias }, attrs);
  const xPtr = heapOffset(wasmBackend, x, KERNEL, 'x');
  const wPtr = heapOffset(wasmBackend, filter, KERNEL, 'filter');
  const bPtr = bias ? heapOffset(wasmBackend, bias, KERNEL, 'bias') : 0;
  const out = wasmBackend.makeOutput(outputShape(g), 'float32');
  kernels.lc_forward(
    xPtr, wPtr, bPtr, heapOffset(wasmBackend, out, KERNEL, 'y'),
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
