import { defineConfig } from 'vitest/config';
// The end-to-end test trains for one epoch in a child process: allow it time on a busy machine.
export default defineConfig({ test: { testTimeout: 120_000 } });
