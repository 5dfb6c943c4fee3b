/**
 * Draws decoded LFW crops (152×152 float RGB, the network's input size) into one PNG, to
 * look at: wrong channel order, orientation or scaling shows at a glance.
 * Usage: tsx scripts/contact-sheet.ts [out.png]   (default: <tmpdir>/deepface-lfw-contact-sheet.png)
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { datasetsRoot, decodeAll, loadLfw } from '../src/index';

const out = process.argv[2] ?? join(tmpdir(), 'deepface-lfw-contact-sheet.png');
const lfw = loadLfw(join(datasetsRoot(), 'lfw'), { checkImages: false });
const files = [...lfw.view2Folds()][0]!.test.slice(0, 16).flatMap((p) => [p.path1, p.path2]);
const { images } = await decodeAll(files, { resize: { width: 152, height: 152 }, dtype: 'float32', progress: false });
const cols = 8;
const size = 152;
const rows = Math.ceil(images.length / cols);
const sheet = new Uint8Array(cols * size * rows * size * 3);
images.forEach((img, k) => {
  if (!img) return;
  const ox = (k % cols) * size;
  const oy = Math.floor(k / cols) * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size * 3; x++) sheet[((oy + y) * cols * size + ox) * 3 + x] = Math.round(img.data[y * size * 3 + x]!);
  }
});
await sharp(sheet, { raw: { width: cols * size, height: rows * size, channels: 3 } }).png().toFile(out);
console.log(out);
