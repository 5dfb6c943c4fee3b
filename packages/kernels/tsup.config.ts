import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// tfjs-core's gradient and chained-op registrations exist only as ES modules: bundle them (see src/tf.ts).
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/bench.ts'], shims: true, noExternal: [/^@tensorflow\/tfjs-core\/dist\//] });
