/**
 * tfjs backend selection. Until @deepface-ts/kernels provides `initBackend()`, the detector
 * sets up tfjs-backend-wasm (SIMD, single thread) itself; the pure-JS cpu backend remains
 * an option (slower, no WASM needed).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'wasm' | 'cpu';

const ready = new Map<BackendName, Promise<void>>();

type Listener = (...args: unknown[]) => void;
const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
const hasProcessEvents = typeof process !== 'undefined' && typeof process.listeners === 'function';
/** process typed loosely: these two events are not in every @types/node overload set. */
const proc = (hasProcessEvents ? process : undefined) as unknown as {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): void;
};

function processListeners(): Map<string, Listener[]> | undefined {
  if (!hasProcessEvents) return undefined;
  return new Map(EVENTS.map((e) => [e, proc.listeners(e)]));
}

/**
 * The Emscripten glue of tfjs-backend-wasm installs process handlers that rethrow every
 * uncaught error from inside its minified one-line bundle, so Node prints ~100 KB of source
 * with any unrelated crash. Dropping the handlers it added restores Node's normal report.
 */
function restoreListeners(before: Map<string, Listener[]> | undefined): void {
  if (!before) return;
  for (const e of EVENTS) {
    for (const l of proc.listeners(e)) {
      if (!before.get(e)!.includes(l)) proc.removeListener(e, l);
    }
  }
}

/** Makes `name` the active tfjs backend (initialising it once). */
export async function useBackend(name: BackendName): Promise<void> {
  if (name !== 'wasm' && name !== 'cpu') throw new RangeError(`backend must be 'wasm' or 'cpu', got ${JSON.stringify(name)}`);
  // Every caller waits on the one initialisation: tf.setBackend names the backend before its
  // async init finishes, so "getBackend() === name" alone let a concurrent caller (two detectors
  // created at once) make tensors on an uninitialised backend.
  let init = ready.get(name);
  if (!init) {
    init = (async () => {
      const before = processListeners();
      try {
        const ok = await tf.setBackend(name);
        if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
        await tf.ready();
      } finally {
        restoreListeners(before);
      }
    })();
    ready.set(name, init);
  }
  await init;
  if (tf.getBackend() !== name) {
    // Another caller switched backends since; switching to an initialised backend is cheap.
    await tf.setBackend(name);
  }
}
