import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { filterShape, locallyConnected2dBackpropFilterKernelGeometry } from '../../geometry';
import {
  LocallyConnected2DBackpropFilter,
  type LocallyConnected2DBackpropFilterInputs,
} from '../../kernel_names';
import { cpuOutput, cpuValues } from './util';

const KERNEL = `${LocallyConnected2DBackpropFilter} (cpu)`;

export const locallyConnected2dBackpropFilterCpu: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as LocallyConnected2DBackpropFilterInputs;
  const g = locallyConnected2dBackpropFilterKernelGeometry(KERNEL, { x, dy }, attrs);
  const xv = cpuValues(backend, x, KERNEL, 'x');
  const dyv = cpuValues(backend, dy, KERNEL, 'dy');
  const { outChannels: OC, patchSize: K } = g;
  const seg = g.kernelWidth * g.inChannels;
  const xRow = g.inWidth * g.inChannels;
  const xImg = g.inHeight * xRow;
  const positions = g.outHeight * g.outWidth;
  const dw = new Float32Array(positions * K * OC);
  for (let oy = 0; oy < g.outHeight; oy++) {
    for (let ox = 0; ox < g.outWidth; ox++) {
      const p = oy * g.outWidth + ox;
      const xp = oy * g.strideHeight * xRow + ox * g.strideWidth * g.inChannels;
      const wp = p * K * OC;
      for (let b = 0; b < g.batch; b++) {
        const d = (b * positions + p) * OC;
        for (let ky = 0; ky < g.kernelHeight; ky++) {
          const xr = b * xImg + xp + ky * xRow;
          const wk = wp + ky * seg * OC;
          for (let t = 0; t < seg; t++) {
            const xval = xv[xr + t]!;
            const wt = wk + t * OC;
            for (let oc = 0; oc < OC; oc++) dw[wt + oc] += xval * dyv[d + oc]!;
          }
        }
      }
    }
  }
  return cpuOutput(backend, filterShape(g), dw);
};

export const locallyConnected2dBackpropFilterCpuConfig: KernelConfig = {
  kernelName: LocallyConnected2DBackpropFilter,
  backendName: 'cpu',
  kernelFunc: locallyConnected2dBackpropFilterCpu,
};
