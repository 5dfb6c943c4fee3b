// Compiles csrc/svm.c to WASM SIMD and embeds it as base64 in src/svm-wasm.generated.ts,
// so the module travels inside the JS bundle (no file lookups at run time, ESM and CJS alike).
// The compile-and-embed step is @deepface-ts/kernels' generator, which builds the top-k
// module the same way: one copy of the flags and of the skip-when-up-to-date rule.
// Usage: node scripts/build-wasm.mjs [--force]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Through our dependency on the package, not a ../ path: the workspace links it into node_modules.
const kernels = dirname(createRequire(import.meta.url).resolve('@deepface-ts/kernels/package.json'));
const { embedWasm } = await import(pathToFileURL(join(kernels, 'scripts', 'build-wasm.mjs')).href);

embedWasm(join(root, 'csrc', 'svm.c'), join(root, 'src', 'svm-wasm.generated.ts'), 'svmWasmBase64', {
  force: process.argv.includes('--force'),
});
