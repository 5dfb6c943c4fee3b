import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// tfjs-core's gradient and chained-op registrations exist only as ES modules: bundle them (see src/tf.ts).
// topk is an entry of its own (the `./topk` export) so importing it never loads tfjs.
export default defineConfig({
  ...base,
  entry: { index: 'src/index.ts', bench: 'src/bench.ts', topk: 'src/topk/topk.ts' },
  shims: true,
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
