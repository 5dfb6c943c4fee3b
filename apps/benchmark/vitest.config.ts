import { defineConfig } from 'vitest/config';
// The end-to-end test decodes a few dozen JPEGs and renders charts: allow it time on a busy machine.
export default defineConfig({ test: { testTimeout: 60_000 } });
