import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// data-parallel-worker is the worker threads' entry (createDataParallelTrainer); shims give the CJS build import.meta.url to find it.
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/bench.ts', 'src/data-parallel-worker.ts'], shims: true });
