import { engine, tensor, Tensor, type NamedAttrMap, type NamedTensorMap, type Tensor3D, type Tensor4D, type TensorLike } from '@tensorflow/tfjs-core';
import { locallyConnectedGeometry, pair } from '../geometry';
import { LocallyConnected2D, type LocallyConnected2DAttrs } from '../kernel_names';

export interface LocallyConnected2DOptions {
  /** Stride, `n` or `[strideHeight, strideWidth]`. Default 1. */
  strides?: number | [number, number];
  /**
   * Kernel size, `k` or `[kernelHeight, kernelWidth]`. Default: the square kernel implied by
   * the filter (its dimension 2 is kH·kW·inC); required for non-square kernels.
   */
  kernelSize?: number | [number, number];
}

const OP = 'locallyConnected2d';

function asFloatTensor(value: Tensor | TensorLike, name: string): Tensor {
  const t = value instanceof Tensor ? value : tensor(value as TensorLike);
  if (t.dtype !== 'float32') throw new TypeError(`${OP}: ${name} must be float32, received ${t.dtype} with shape [${t.shape.join(', ')}]`);
  return t;
}

/**
 * Locally connected 2-D layer (an unshared convolution, DeepFace's L4–L6), VALID padding:
 * `y[b, oy, ox, :] = bias[oy, ox, :] + patch(x[b], oy, ox) · filter[oy, ox]`.
 *
 * @param x      `[batch, inH, inW, inC]` float32, NHWC.
 * @param filter `[outH, outW, kH·kW·inC, outC]`: one contiguous `K × outC` matrix per output
 *               position, rows in (ky, kx, c) order, so a patch is `K` consecutive floats per ky.
 * @param bias   optional `[outH, outW, outC]`.
 * @returns `[batch, outH, outW, outC]`, outH = ⌊(inH − kH) / sH⌋ + 1.
 */
export function locallyConnected2d(
  x: Tensor4D | TensorLike,
  filter: Tensor4D | TensorLike,
  bias?: Tensor3D | TensorLike | null,
  options: LocallyConnected2DOptions = {},
): Tensor4D {
  const $x = asFloatTensor(x, 'x');
  const $filter = asFloatTensor(filter, 'filter');
  const $bias = bias == null ? undefined : asFloatTensor(bias, 'bias');
  const strides = pair(OP, 'strides', options.strides ?? 1);
  const kernelSize = options.kernelSize == null ? undefined : pair(OP, 'kernelSize', options.kernelSize);
  const g = locallyConnectedGeometry(OP, $x.shape, $filter.shape, kernelSize, strides, $bias?.shape);
  const attrs: LocallyConnected2DAttrs = { strides, kernelSize: [g.kernelHeight, g.kernelWidth] };
  const inputs: NamedTensorMap = $bias ? { x: $x, filter: $filter, bias: $bias } : { x: $x, filter: $filter };
  return engine().runKernel(LocallyConnected2D, inputs, attrs as unknown as NamedAttrMap) as Tensor4D;
}
