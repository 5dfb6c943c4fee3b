import { defineConfig } from 'vitest/config';
// Tests here read real data or run networks: give them room on a busy 2-core CI machine.
export default defineConfig({ test: { testTimeout: 30_000 } });
