import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { inputShape, locallyConnected2dBackpropInputKernelGeometry } from '../../geometry';
import {
  LocallyConnected2DBackpropInput,
  type LocallyConnected2DBackpropInputInputs,
} from '../../kernel_names';
import { cpuOutput, cpuValues } from './util';

const KERNEL = `${LocallyConnected2DBackpropInput} (cpu)`;

export const locallyConnected2dBackpropInputCpu: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as LocallyConnected2DBackpropInputInputs;
  const g = locallyConnected2dBackpropInputKernelGeometry(KERNEL, { dy, filter }, attrs);
  const dyv = cpuValues(backend, dy, KERNEL, 'dy');
  const wv = cpuValues(backend, filter, KERNEL, 'filter');
  const { outChannels: OC, patchSize: K } = g;
  const seg = g.kernelWidth * g.inChannels;
  const xRow = g.inWidth * g.inChannels;
  const xImg = g.inHeight * xRow;
  const positions = g.outHeight * g.outWidth;
  const dx = new Float32Array(g.batch * xImg);
  for (let oy = 0; oy < g.outHeight; oy++) {
    for (let ox = 0; ox < g.outWidth; ox++) {
      const p = oy * g.outWidth + ox;
      const wp = p * K * OC;
      const xp = oy * g.strideHeight * xRow + ox * g.strideWidth * g.inChannels;
      for (let b = 0; b < g.batch; b++) {
        const d = (b * positions + p) * OC;
        for (let ky = 0; ky < g.kernelHeight; ky++) {
          const xr = b * xImg + xp + ky * xRow;
          const wk = wp + ky * seg * OC;
          for (let t = 0; t < seg; t++) {
            const wt = wk + t * OC;
            let sum = 0;
            for (let oc = 0; oc < OC; oc++) sum += dyv[d + oc]! * wv[wt + oc]!;
            dx[xr + t] += sum;
          }
        }
      }
    }
  }
  return cpuOutput(backend, inputShape(g), dx);
};

export const locallyConnected2dBackpropInputCpuConfig: KernelConfig = {
  kernelName: LocallyConnected2DBackpropInput,
  backendName: 'cpu',
  kernelFunc: locallyConnected2dBackpropInputCpu,
};
