/**
 * Checks our recognition net against face-api's own implementation (its bundled tfjs, cpu
 * backend) on synthetic crops, square and not (padding + resize included).
 *
 *   pnpm --filter @deepface-ts/dlib-resnet parity
 *
 * face-api's ESM bundle targets browsers: in Node its tfjs platform asks a stubbed `util`
 * module for TextEncoder and fails at import. The script copies the bundle to a temp file
 * with that one stub call replaced by Node's `util`, and imports the copy. Prints the largest
 * difference per crop and one JSON line; exits 1 above 1e-5.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFaceRecognizer } from '../src/index';

const require = createRequire(import.meta.url);
const pkg = dirname(require.resolve('@vladmandic/face-api/package.json'));
const bundle = readFileSync(join(pkg, 'dist/face-api.esm.js'), 'utf8');
const patched = bundle.replace(/this\.util=[A-Za-z0-9_$]+\(\),/, 'this.util=globalThis.__parityNodeUtil,');
if (patched === bundle) throw new Error('face-api bundle: the tfjs Node platform\'s util stub was not found (another face-api version?)');
(globalThis as Record<string, unknown>).__parityNodeUtil = require('node:util');
const dir = mkdtempSync(join(tmpdir(), 'faceapi-parity-'));
const copy = join(dir, 'face-api.esm.mjs');
writeFileSync(copy, patched);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let faceapi: any;
try {
  faceapi = await import(pathToFileURL(copy).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const ftf = faceapi.tf;
await ftf.setBackend('cpu');
await ftf.ready();
const manifest = JSON.parse(readFileSync(join(pkg, 'model/face_recognition_model-weights_manifest.json'), 'utf8'));
const bin = readFileSync(join(pkg, 'model/face_recognition_model.bin'));
const net = new faceapi.FaceRecognitionNet();
net.loadFromWeightMap(ftf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights));

const ours = await createFaceRecognizer({ backend: 'cpu' });
const rows = [];
for (const [w, h, seed] of [[150, 150, 3], [120, 170, 7], [200, 160, 11], [64, 64, 5]] as const) {
  let s = seed;
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((i % (w * 3)) + (s >>> 27)) % 256;
  });
  const ref = (await net.computeFaceDescriptor(ftf.tensor3d(data, [h, w, 3], 'int32'))) as Float32Array;
  const mine = (await ours.describe([{ width: w, height: h, channels: 3, data }]))[0]!;
  const maxDiff = mine.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
  rows.push({ width: w, height: h, maxDiff, refNorm: +Math.hypot(...ref).toFixed(4) });
  console.log(`${w}×${h}: max |ours − face-api| = ${maxDiff.toExponential(2)} (descriptor norm ${Math.hypot(...ref).toFixed(3)})`);
}
ours.dispose();
const worst = Math.max(...rows.map((r) => r.maxDiff));
console.log(JSON.stringify({ worst, rows }));
if (!(worst < 1e-5)) process.exit(1);
