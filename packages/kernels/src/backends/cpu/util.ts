import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The float32 values of a tensor held by the cpu backend (no copy). */
export function cpuValues(backend: KernelBackend | {}, t: TensorInfo, kernel: string, name: string): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, received ${t.dtype}`);
  return (backend as MathBackendCPU).data.get(t.dataId).values as Float32Array;
}

export function cpuOutput(backend: KernelBackend | {}, shape: number[], values: Float32Array): TensorInfo {
  return (backend as MathBackendCPU).makeTensorInfo(shape, 'float32', values);
}
