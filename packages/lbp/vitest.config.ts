import { defineConfig } from 'vitest/config';
// Decoding real JPEGs with sharp takes seconds on a busy 2-core machine.
export default defineConfig({ test: { testTimeout: 30_000 } });
