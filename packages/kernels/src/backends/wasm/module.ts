/**
 * Loads our WASM SIMD module (csrc/kernels.c → dist/deepface-kernels.wasm) into the tfjs
 * wasm backend's own WebAssembly.Memory, so kernels take the backend's tensor heap offsets
 * directly: no copy in, no copy out.
 *
 * Sharing emscripten's memory is safe because the module owns no memory of its own: no
 * static data (the build rejects a data section), and its shadow stack pointer, which
 * would otherwise start at a fixed low address inside emscripten's data, is moved into a
 * block allocated with the backend's malloc before any call.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';

export interface KernelModule {
  lc_forward(
    x: number, w: number, bias: number, y: number, B: number, H: number, W: number, C: number,
    kH: number, kW: number, sH: number, sW: number, OH: number, OW: number, OC: number,
  ): void;
  lc_backprop_input(
    dy: number, w: number, dx: number, B: number, H: number, W: number, C: number,
    kH: number, kW: number, sH: number, sW: number, OH: number, OW: number, OC: number,
  ): void;
  lc_backprop_filter(
    x: number, dy: number, dw: number, B: number, H: number, W: number, C: number,
    kH: number, kW: number, sH: number, sW: number, OH: number, OW: number, OC: number,
  ): void;
  conv2d_backprop_filter(
    x: number, dy: number, dw: number, B: number, H: number, W: number, Ci: number, kH: number, kW: number,
    sH: number, sW: number, padTop: number, padLeft: number, OH: number, OW: number, Co: number,
  ): void;
  /** Runs `iterations` × 96 flops of register-only mul+add: the benchmark's load indicator. */
  calibrate_peak(iterations: number): number;
  __stack_pointer: WebAssembly.Global;
}

export const WASM_FILE_NAME = 'deepface-kernels.wasm';
const STACK_BYTES = 64 * 1024;

interface EmscriptenModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

const modules = new WeakMap<object, KernelModule>();

/** The WebAssembly.Memory behind the tfjs wasm backend's heap. */
export function backendMemory(backend: BackendWasm): WebAssembly.Memory {
  const wasm = backend.wasm as unknown as EmscriptenModule;
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      '@deepface-ts/kernels: cannot reach the tfjs wasm backend memory (expected backend.wasm.asm.memory); ' +
        'this version of @tensorflow/tfjs-backend-wasm is not supported',
    );
  }
  return memory;
}

/** Where the compiled module lives: next to the bundle in dist/, or in dist/ when running from src/. */
function candidateUrls(): URL[] {
  const override = typeof process !== 'undefined' ? process.env?.DEEPFACE_KERNELS_WASM : undefined;
  const here = import.meta.url;
  const urls = [new URL(`./${WASM_FILE_NAME}`, here), new URL(`../../../dist/${WASM_FILE_NAME}`, here)];
  if (override) urls.unshift(new URL(override, `file://${process.cwd()}/`));
  return urls;
}

async function readKernelWasm(): Promise<Uint8Array> {
  const urls = candidateUrls();
  const isNode = typeof process !== 'undefined' && process.versions?.node != null;
  for (const url of urls) {
    try {
      if (isNode && url.protocol === 'file:') {
        const { readFile } = await import('node:fs/promises');
        const { fileURLToPath } = await import('node:url');
        return new Uint8Array(await readFile(fileURLToPath(url)));
      }
      const response = await fetch(url);
      if (response.ok) return new Uint8Array(await response.arrayBuffer());
    } catch {
      // try the next location
    }
  }
  throw new Error(
    `@deepface-ts/kernels: cannot find ${WASM_FILE_NAME}; looked in ${urls.map(String).join(', ')}. ` +
      'Build the package (pnpm --filter @deepface-ts/kernels build) or set DEEPFACE_KERNELS_WASM to its path.',
  );
}

/** Instantiates our module on the backend's memory (once per backend instance). */
export async function loadKernelModule(backend: BackendWasm, wasmBytes?: Uint8Array): Promise<KernelModule> {
  const existing = modules.get(backend);
  if (existing) return existing;
  const memory = backendMemory(backend);
  const bytes = wasmBytes ?? (await readKernelWasm());
  const { instance } = await WebAssembly.instantiate(bytes as BufferSource, { env: { memory } });
  const kernels = instance.exports as unknown as KernelModule;
  const wasm = backend.wasm as unknown as EmscriptenModule;
  // Give the module a stack of its own inside emscripten's heap (it grows downwards, 16-byte aligned).
  const stackBase = wasm._malloc(STACK_BYTES) >>> 0;
  if (stackBase === 0) throw new Error('@deepface-ts/kernels: the wasm backend could not allocate a 64 KiB stack');
  kernels.__stack_pointer.value = (stackBase + STACK_BYTES) & ~15;
  modules.set(backend, kernels);
  return kernels;
}

/** The module loaded for this backend, or a clear error telling how to load it. */
export function kernelModule(backend: BackendWasm, kernelName: string): KernelModule {
  const kernels = modules.get(backend);
  if (!kernels) {
    throw new Error(
      `${kernelName} on the wasm backend needs the @deepface-ts/kernels WASM module: ` +
        "call `await initBackend('wasm')` from @deepface-ts/kernels before running it",
    );
  }
  return kernels;
}

/**
 * Heap byte offset of a float32 tensor's data, after checking (O(1)) that the backend holds a
 * float32 buffer of exactly the tensor's size for it: the kernels index raw heap memory.
 */
export function heapOffset(backend: BackendWasm, t: TensorInfo, kernelName: string, name: string): number {
  if (t.dtype !== 'float32') throw new TypeError(`${kernelName}: ${name} must be float32, received ${t.dtype}`);
  const data = backend.dataIdMap.get(t.dataId);
  if (data == null) {
    throw new Error(`${kernelName}: ${name} (shape [${t.shape.join(', ')}]) has no data on the wasm backend; was it disposed?`);
  }
  const size = sizeOf(t.shape);
  const held = sizeOf(data.shape);
  if (data.dtype !== 'float32' || held !== size) {
    throw new Error(
      `${kernelName}: ${name} has shape [${t.shape.join(', ')}] (${size} float32 values) but its wasm buffer holds ` +
        `${held} ${data.dtype} values (shape [${data.shape.join(', ')}])`,
    );
  }
  return data.memoryOffset;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
