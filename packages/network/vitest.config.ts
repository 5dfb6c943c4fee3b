import { defineConfig } from 'vitest/config';
// Training and whole-network gradient tests run real (small) networks: allow time on a busy CI machine.
export default defineConfig({ test: { testTimeout: 60_000 } });
