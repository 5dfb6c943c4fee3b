import { defineConfig } from 'vitest/config';
// The browser test loads models and runs the detector in Chromium: give it room.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
