import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./scripts/vitest-global-setup.ts'],
    testTimeout: 60_000,
    // Every file imports tfjs-core and both backends; sharing one module graph across the
    // files (instead of re-importing per file) saves most of the suite's time. Each test
    // file selects its backend with initBackend() in beforeAll.
    isolate: false,
    fileParallelism: false,
  },
});
