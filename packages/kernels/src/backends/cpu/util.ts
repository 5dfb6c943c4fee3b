import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/**
 * The float32 values of a tensor held by the cpu backend (no copy), after checking (O(1))
 * that they are a Float32Array of exactly the tensor's size.
 */
export function cpuValues(backend: KernelBackend | {}, t: TensorInfo, kernel: string, name: string): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`${kernel}: ${name} must be float32, received ${t.dtype}`);
  const values = (backend as MathBackendCPU).data.get(t.dataId)?.values;
  let size = 1;
  for (const d of t.shape) size *= d;
  if (!(values instanceof Float32Array) || values.length !== size) {
    const held = values == null ? 'no data (was it disposed?)' : `${values.length} values (${values.constructor.name})`;
    throw new Error(`${kernel}: ${name} has shape [${t.shape.join(', ')}] (${size} float32 values) but the cpu backend holds ${held}`);
  }
  return values;
}

export function cpuOutput(backend: KernelBackend | {}, shape: number[], values: Float32Array): TensorInfo {
  return (backend as MathBackendCPU).makeTensorInfo(shape, 'float32', values);
}
