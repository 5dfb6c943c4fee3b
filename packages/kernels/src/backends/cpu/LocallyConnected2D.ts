import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { locallyConnected2dKernelGeometry, outputShape } from '../../geometry';
import { LocallyConnected2D, type LocallyConnected2DInputs } from '../../kernel_names';
import { cpuOutput, cpuValues } from './util';

const KERNEL = `${LocallyConnected2D} (cpu)`;

/** Pure-JS forward: per output position, stream its filter matrix once per batch row. */
export const locallyConnected2dCpu: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, filter, bias } = inputs as LocallyConnected2DInputs;
  const g = locallyConnected2dKernelGeometry(KERNEL, { x, filter, bias }, attrs);
  const xv = cpuValues(backend, x, KERNEL, 'x');
  const wv = cpuValues(backend, filter, KERNEL, 'filter');
  const bv = bias ? cpuValues(backend, bias, KERNEL, 'bias') : undefined;
  const { outChannels: OC, patchSize: K } = g;
  const seg = g.kernelWidth * g.inChannels;
  const xRow = g.inWidth * g.inChannels;
  const xImg = g.inHeight * xRow;
  const positions = g.outHeight * g.outWidth;
  const y = new Float32Array(g.batch * positions * OC);
  const acc = new Float64Array(OC);
  for (let oy = 0; oy < g.outHeight; oy++) {
    for (let ox = 0; ox < g.outWidth; ox++) {
      const p = oy * g.outWidth + ox;
      const wp = p * K * OC;
      const xp = oy * g.strideHeight * xRow + ox * g.strideWidth * g.inChannels;
      for (let b = 0; b < g.batch; b++) {
        for (let oc = 0; oc < OC; oc++) acc[oc] = bv ? bv[p * OC + oc]! : 0;
        for (let ky = 0; ky < g.kernelHeight; ky++) {
          const xr = b * xImg + xp + ky * xRow;
          const wk = wp + ky * seg * OC;
          for (let t = 0; t < seg; t++) {
            const xval = xv[xr + t]!;
            const wt = wk + t * OC;
            for (let oc = 0; oc < OC; oc++) acc[oc] += xval * wv[wt + oc]!;
          }
        }
        y.set(acc, (b * positions + p) * OC);
      }
    }
  }
  return cpuOutput(backend, outputShape(g), y);
};

export const locallyConnected2dCpuConfig: KernelConfig = {
  kernelName: LocallyConnected2D,
  backendName: 'cpu',
  kernelFunc: locallyConnected2dCpu,
};
