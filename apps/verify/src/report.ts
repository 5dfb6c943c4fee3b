/** The HTML report of a verification run: every face's crop, its confidence, and the similarity matrix. */
import { writeFile, rename } from 'node:fs/promises';
import sharp from 'sharp';
import type { RgbImage } from '@deepface-ts/image';

export interface ReportFace {
  label: string;
  crop: RgbImage<Uint8Array>;
  norm: number;
  /** Detection score. */
  score: number;
}

async function pngDataUri(image: RgbImage<Uint8Array>, scale = 2): Promise<string> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(image.width * scale, image.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export async function writeReport(path: string, faces: ReportFace[], similarity: Float64Array, threshold: number, title: string, describer: string): Promise<void> {
  const n = faces.length;
  const uris = await Promise.all(faces.map((f) => pngDataUri(f.crop)));
  const cell = (v: number, same: boolean) => {
    // green above the threshold, red below; stronger the further from it
    const t = Math.max(-1, Math.min(1, (v - threshold) * 4));
    const color = t >= 0 ? `rgba(40,160,60,${0.15 + 0.6 * t})` : `rgba(200,50,50,${0.15 + 0.6 * -t})`;
    return `<td style="background:${color}" title="${same ? 'same' : 'different'}">${v.toFixed(3)}</td>`;
  };
  const head = faces.map((f, i) => `<th><img src="${uris[i]}" width="64"><br>${escape(f.label)}</th>`).join('');
  const rows = faces
    .map((f, i) => `<tr><th><img src="${uris[i]}" width="64"><br>${escape(f.label)}</th>${faces.map((_, j) => (i === j ? '<td>—</td>' : cell(similarity[i * n + j]!, similarity[i * n + j]! >= threshold))).join('')}</tr>`)
    .join('\n');
  const cards = faces
    .map((f, i) => `<figure><img src="${uris[i]}"><figcaption>${escape(f.label)}<br>norm ${f.norm.toFixed(2)} · detection ${f.score.toFixed(2)}</figcaption></figure>`)
    .join('\n');
  const html = `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}figure{display:inline-block;margin:6px;text-align:center}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;text-align:center;font-size:12px}img{image-rendering:pixelated}</style>
<h1>${escape(title)}</h1>
<p>${n} faces. Cosine similarity of unit-norm descriptors (${escape(describer)}); decision threshold ${threshold.toFixed(3)}, calibrated on LFW View 1 (green: same person, red: different). Each crop is what the network saw, with its descriptor's norm before normalisation (for DeepFace, ‖F7‖: low norms go with unreliable faces) and the detection score.</p>
<h2>Aligned crops</h2>${cards}
<h2>Similarity matrix</h2><table><tr><th></th>${head}</tr>${rows}</table>`;
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, html);
  await rename(tmp, path);
}
