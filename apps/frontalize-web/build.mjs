// Bundles the page with esbuild and copies what it loads at run time into dist/: the
// face-api model files (SSD detector + 68-point landmarks), tfjs's WASM binaries, and the
// sample photo (from @vladmandic/face-api's demo folder, MIT), all taken from node_modules.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const tmp = join(here, `dist.tmp-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, 'model'), { recursive: true });

// Resolve the runtime files from the detect package's own dependencies.
const detectRequire = createRequire(createRequire(import.meta.url).resolve('@deepface-ts/detect/package.json'));
const faceApi = dirname(detectRequire.resolve('@vladmandic/face-api/package.json'));
const wasmDir = join(dirname(detectRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: join(tmp, 'app.js'),
  logLevel: 'warning',
  // Node built-ins that the packages import lazily, only on their Node code paths.
  external: ['fs', 'fs/promises', 'module', 'path', 'url', 'os', 'crypto', 'worker_threads', 'perf_hooks', 'node:*'],
});
for (const f of readdirSync(join(faceApi, 'model'))) {
  if (/^(ssd_mobilenetv1_model|face_landmark_68_model)[-.]/.test(f)) copyFileSync(join(faceApi, 'model', f), join(tmp, 'model', f));
}
for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(tmp, f));
copyFileSync(join(faceApi, 'demo', 'sample1.jpg'), join(tmp, 'sample.jpg'));
copyFileSync(join(here, 'src', 'index.html'), join(tmp, 'index.html'));
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.log(`built ${out}`);
