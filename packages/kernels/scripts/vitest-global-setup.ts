// Tests run the TypeScript sources directly, but the WASM modules must be compiled:
// rebuild dist/deepface-kernels.wasm and src/topk/topk-wasm.generated.ts when their C
// sources are newer than them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('./build-wasm.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });
}
