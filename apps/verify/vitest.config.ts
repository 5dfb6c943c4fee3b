import { defineConfig } from 'vitest/config';
// The end-to-end test runs detection and the network on six photos: allow it time on a busy machine.
export default defineConfig({ test: { testTimeout: 120_000 } });
