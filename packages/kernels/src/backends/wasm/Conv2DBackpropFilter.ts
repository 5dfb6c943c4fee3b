import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapOffset, kernelModule } from './module';

/** NHWC filter gradient of conv2d (any stride, SAME / VALID / explicit padding, dilation 1). */
export const conv2dBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, Conv2DBackpropFilter);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${Conv2DBackpropFilter} (wasm): only NHWC is supported, received dataFormat '${dataFormat}'`);
  }
  // tfjs-core's Conv2D gradient already refuses dilation > 1; this guards direct calls.
  const dilations = (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) {
    throw new Error(`${Conv2DBackpropFilter} (wasm): only dilation 1 is supported, received ${JSON.stringify(dilations)}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.length !== 4 || expectedDy.some((d, i) => d !== dy.shape[i])) {
    throw new Error(`${Conv2DBackpropFilter} (wasm): dy must have shape [${expectedDy.join(', ')}], received [${dy.shape.join(', ')}]`);
  }
  const xPtr = heapOffset(wasmBackend, x, Conv2DBackpropFilter, 'x');
  const dyPtr = heapOffset(wasmBackend, dy, Conv2DBackpropFilter, 'dy');
  const out = wasmBackend.makeOutput([...filterShape], 'float32');
  kernels.conv2d_backprop_filter(
    xPtr, dyPtr, heapOffset(wasmBackend, out, Conv2DBackpropFilter, 'dFilter'),
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth, info.outChannels,
  );
  return out;
};

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm,
};
