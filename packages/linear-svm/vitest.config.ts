import { defineConfig } from 'vitest/config';
// The large-C solver comparisons take a few seconds, more on a busy CI machine.
export default defineConfig({ test: { testTimeout: 60_000 } });
