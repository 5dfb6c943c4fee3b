import { engine, sum, type GradConfig, type NamedAttrMap, type Tensor, type Tensor4D } from '@tensorflow/tfjs-core';
import {
  LocallyConnected2D,
  LocallyConnected2DBackpropFilter,
  LocallyConnected2DBackpropInput,
  type LocallyConnected2DAttrs,
} from '../kernel_names';

/** Gradients of LocallyConnected2D with respect to x, filter and bias. */
export const locallyConnected2dGradConfig: GradConfig = {
  kernelName: LocallyConnected2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const dy4 = dy as Tensor4D;
    const { strides, kernelSize } = attrs as unknown as LocallyConnected2DAttrs;
    return {
      x: () =>
        engine().runKernel(LocallyConnected2DBackpropInput, { dy: dy4, filter }, {
          strides, kernelSize, inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor4D,
      filter: () =>
        engine().runKernel(LocallyConnected2DBackpropFilter, { x, dy: dy4 }, {
          strides, kernelSize, outChannels: filter.shape[3],
        } as unknown as NamedAttrMap) as Tensor4D,
      bias: () => sum(dy4, 0),
    };
  },
};
