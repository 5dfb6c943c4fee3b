import { defineConfig } from 'vitest/config';
// Chart rendering (vega) and libsvm's wasm start take seconds on a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 30_000 } });
