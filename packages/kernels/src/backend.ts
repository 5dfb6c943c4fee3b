import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf';
import { loadKernelModule } from './backends/wasm/module';
import { registerAllKernels } from './register_all_kernels';

export type BackendName = 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** Bytes of deepface-kernels.wasm, for hosts where it cannot be read from next to the bundle. */
  kernelWasm?: Uint8Array;
}

/**
 * Registers our kernels and gradients, makes `name` the active tfjs backend, waits until it
 * is ready and, for 'wasm', loads our SIMD module into the backend's memory. Call it once
 * (calling again is cheap). The wasm backend runs single-threaded in Node.
 */
export async function initBackend(name: BackendName = 'wasm', options: InitBackendOptions = {}): Promise<void> {
  registerAllKernels();
  if (!(await tf.setBackend(name))) {
    throw new Error(`@deepface-ts/kernels: the tfjs '${name}' backend failed to initialize`);
  }
  await tf.ready();
  // The cpu backend prints a banner recommending tfjs-node on first use; this toolkit
  // deliberately runs on wasm/cpu without native addons, so the banner is only noise.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  if (name === 'wasm') await loadKernelModule(tf.backend() as BackendWasm, options.kernelWasm);
}
