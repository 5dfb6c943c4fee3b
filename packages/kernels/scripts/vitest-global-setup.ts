// Tests run the TypeScript sources directly, but the WASM module must be compiled:
// rebuild dist/deepface-kernels.wasm when csrc/ is newer than it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('./build-wasm.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });
}
