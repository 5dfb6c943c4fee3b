/**
 * Kernel names and the input / attribute types of every kernel this package adds,
 * in the style of tfjs-core's kernel_names.ts.
 */
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** Stride [strideHeight, strideWidth] and kernel size [kernelHeight, kernelWidth]. */
export interface LocallyConnected2DAttrs {
  strides: [number, number];
  kernelSize: [number, number];
}

/**
 * y[b, oy, ox, :] = bias[oy, ox, :] + patch(x[b], oy, ox) · filter[oy, ox]
 * x: [batch, inH, inW, inC]; filter: [outH, outW, kH·kW·inC, outC] (patch rows in (ky, kx, c)
 * order); bias (optional): [outH, outW, outC]; y: [batch, outH, outW, outC]. VALID padding.
 */
export const LocallyConnected2D = 'LocallyConnected2D';
export type LocallyConnected2DInputs = { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo } & NamedTensorInfoMap;

/** dx = Σ over output positions of dy[b, oy, ox] · filter[oy, ox]ᵀ, scattered back to the patch. */
export const LocallyConnected2DBackpropInput = 'LocallyConnected2DBackpropInput';
export type LocallyConnected2DBackpropInputInputs = { dy: TensorInfo; filter: TensorInfo } & NamedTensorInfoMap;
export interface LocallyConnected2DBackpropInputAttrs extends LocallyConnected2DAttrs {
  /** [batch, inH, inW, inC]: the stride floors the output size, so it cannot be inferred. */
  inputShape: [number, number, number, number];
}

/** dFilter[oy, ox] = patch(x, oy, ox)ᵀ · dy[:, oy, ox] (summed over the batch). */
export const LocallyConnected2DBackpropFilter = 'LocallyConnected2DBackpropFilter';
export type LocallyConnected2DBackpropFilterInputs = { x: TensorInfo; dy: TensorInfo } & NamedTensorInfoMap;
export interface LocallyConnected2DBackpropFilterAttrs extends LocallyConnected2DAttrs {
  /** Output channels; with the input shape and kernel size it fixes the filter shape. */
  outChannels: number;
}

/**
 * tfjs-core's own Conv2DBackpropFilter (inputs { x, dy }; attrs strides, pad, dataFormat,
 * dimRoundingMode, filterShape); we add the wasm implementation tfjs-backend-wasm lacks.
 */
export { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
export type { Conv2DBackpropFilterAttrs, Conv2DBackpropFilterInputs } from '@tensorflow/tfjs-core';
