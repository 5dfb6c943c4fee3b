/**
 * Draws detections (boxes, 68 landmarks: eyes red, mouth yellow, the rest cyan) over an
 * image and writes a PNG, to look at what the detector does.
 *
 *   pnpm --filter @deepface-ts/detect draw <image> [out.png] [ssd|tiny]
 *
 * Default output: <tmpdir>/deepface-ts-detect-<name>.png. Prints one JSON line.
 */
import { renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { createFaceDetector } from '../src/index';
import { decodeRgb } from './lfw';

const [file, outArg, kind = 'ssd'] = process.argv.slice(2);
if (!file) {
  console.error('usage: draw <image> [out.png] [ssd|tiny]');
  process.exit(2);
}
const out = outArg ?? join(tmpdir(), `deepface-ts-detect-${basename(file, extname(file))}.png`);
const img = await decodeRgb(file);
const det = await createFaceDetector({ detector: kind as 'ssd' | 'tiny' });
const faces = await det.detect(img);
det.dispose();
// Small images are drawn enlarged (z×) so the 68 points stay visible.
const z = Math.max(1, Math.round(750 / Math.max(img.width, img.height)));
const W = img.width * z;
const H = img.height * z;
const s = Math.max(W, H) / 500;
let svg = `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">`;
for (const f of faces) {
  svg += `<rect x="${f.box.x * z}" y="${f.box.y * z}" width="${f.box.width * z}" height="${f.box.height * z}" fill="none" stroke="lime" stroke-width="${1.5 * s}"/>`;
  svg += `<text x="${f.box.x * z}" y="${f.box.y * z - 3 * s}" fill="lime" font-size="${10 * s}">${f.score.toFixed(2)}</text>`;
  for (let k = 0; k < 68; k++) {
    const colour = k >= 36 && k < 48 ? 'red' : k >= 48 ? 'yellow' : 'cyan';
    svg += `<circle cx="${f.landmarks[2 * k]! * z}" cy="${f.landmarks[2 * k + 1]! * z}" r="${1.2 * s}" fill="${colour}"/>`;
  }
}
svg += '</svg>';
const tmp = `${out}.tmp-${process.pid}`;
const base = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } })
  .resize(W, H, { kernel: 'nearest' })
  .png()
  .toBuffer();
await sharp(base)
  .composite([{ input: Buffer.from(svg) }])
  .png()
  .toFile(tmp);
renameSync(tmp, out); // never leave a half-written PNG at the target path
console.log(JSON.stringify({ image: file, out, faces: faces.length, scores: faces.map((f) => +f.score.toFixed(3)) }));
