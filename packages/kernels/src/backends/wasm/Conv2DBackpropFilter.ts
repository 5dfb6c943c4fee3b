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

const KERNEL = `${Conv2DBackpropFilter} (wasm)`;

/** NHWC filter gradient of conv2d (any stride, SAME / VALID / explicit padding, dilation 1). */
export const conv2dBackpropFilterWasm: KernelFunc = ({ inputs, attrs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const kernels = kernelModule(wasmBackend, Conv2DBackpropFilter);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${KERNEL}: only NHWC is supported, received dataFormat '${dataFormat}'`);
  }
  // tfjs-core's Conv2D gradient already refuses dilation > 1; this guards direct calls.
  const dilations = (attrs as { dilations?: number | [number, number] }).dilations ?? 1;
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) {
    throw new Error(`${KERNEL}: only dilation 1 is supported, received ${JSON.stringify(dilations)}`);
  }
  // conv2d_backprop_filter reads x and dy and writes kH·kW·inC·outC floats, all by sizes
  // computed from x's shape and the attributes: check them against each other first.
  if (x == null || dy == null) throw new Error(`${KERNEL}: inputs x and dy are required`);
  if (x.shape.length !== 4 || x.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`${KERNEL}: x must have rank 4 [batch, height, width, inChannels] with positive dimensions, received [${x.shape.join(', ')}]`);
  }
  if (
    !Array.isArray(filterShape) || filterShape.length !== 4 ||
    filterShape.some((d) => !Number.isInteger(d) || d <= 0) || filterShape[2] !== x.shape[3]
  ) {
    throw new Error(
      `${KERNEL}: attribute filterShape must be [kH, kW, ${x.shape[3]}, outC] (positive integers, inC from x [${x.shape.join(', ')}]), ` +
        `received ${JSON.stringify(filterShape)}`,
    );
  }
  for (const s of Array.isArray(strides) ? strides : [strides]) {
    if (!Number.isInteger(s) || s <= 0) throw new Error(`${KERNEL}: strides must be positive integers, received ${JSON.stringify(strides)}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  if (!(info.outHeight >= 1 && info.outWidth >= 1)) {
    throw new Error(`${KERNEL}: filter ${filterShape[0]}×${filterShape[1]} with pad ${JSON.stringify(pad)} leaves no output for x [${x.shape.join(', ')}]`);
  }
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.length !== 4 || expectedDy.some((d, i) => d !== dy.shape[i])) {
    throw new Error(`${KERNEL}: dy must have shape [${expectedDy.join(', ')}], received [${dy.shape.join(', ')}]`);
  }
  const xPtr = heapOffset(wasmBackend, x, KERNEL, 'x');
  const dyPtr = heapOffset(wasmBackend, dy, KERNEL, 'dy');
  const out = wasmBackend.makeOutput([...filterShape], 'float32');
  kernels.conv2d_backprop_filter(
    xPtr, dyPtr, heapOffset(wasmBackend, out, KERNEL, 'dFilter'),
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
