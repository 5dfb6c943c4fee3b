// Shared tsup settings: every package builds ESM + CJS + .d.ts from src/ into dist/.
import type { Options } from 'tsup';

export const base: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
};
