import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, YtfFrames } from '@deepface-ts/datasets';
import { parseBenchmarkArgs } from './args';
import { runBenchmark } from './run';
import { ytfBoxRegion } from './ytf';

// A synthetic YouTube Faces tree: 5 people × 2 videos × 3 frames of 120×100. Each person's face is a
// fixed stripe pattern inside a 40×40 box whose place differs per video and frame; the rest is noise.
let root: string;
const people = ['Ann_A', 'Ben_B', 'Cat_C', 'Dan_D', 'Eve_E'];
const FRAMES = 3;

function boxOf(video: number, frame: number): { cx: number; cy: number } {
  return { cx: 40 + 20 * video + 5 * frame, cy: 45 + 3 * frame };
}

async function writeFrame(path: string, person: number, video: number, frame: number): Promise<void> {
  const { cx, cy } = boxOf(video, frame);
  const [w, h] = [120, 100];
  const data = Buffer.alloc(w * h * 3);
  const angle = (person * Math.PI) / people.length;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const jitter = Math.sin((x * 12.9898 + y * 78.233 + frame * 37.719 + video * 11.3) * 43758.5453) % 1;
      const inFace = Math.abs(x - cx) < 20 && Math.abs(y - cy) < 20;
      const stripe = Math.sin(((x - cx) * Math.cos(angle) + (y - cy) * Math.sin(angle)) / (1.5 + person * 0.6));
      const v = inFace ? 128 + 90 * stripe + 15 * jitter : 128 + 120 * jitter;
      data.fill(Math.max(0, Math.min(255, Math.round(v))), (y * w + x) * 3, (y * w + x) * 3 + 3);
    }
  }
  await sharp(data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 92 }).toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bench-ytf-'));
  const frames = join(root, 'ytf', 'frame_images_DB');
  for (const [p, name] of people.entries()) {
    const labels: string[] = [];
    for (let v = 0; v < 2; v++) {
      await mkdir(join(frames, name, String(v)), { recursive: true });
      for (let f = 1; f <= FRAMES; f++) {
        const file = `${v}.${f}.jpg`;
        await writeFrame(join(frames, name, String(v), file), p, v, f);
        const { cx, cy } = boxOf(v, f);
        labels.push(`${name}\\${v}\\${file},0,${cx},${cy},40,40,0.0,1.0`);
      }
    }
    await writeFile(join(frames, `${name}.labeled_faces.txt`), labels.join('\r\n') + '\r\n');
  }
  // 10 splits × (2 same + 2 different) video pairs, with the official header line.
  const lines = ['split number, pair id, first name, second name, is same'];
  for (let s = 1; s <= 10; s++) {
    const [a, b, c] = [people[s % 5]!, people[(s + 1) % 5]!, people[(s + 2) % 5]!];
    lines.push(`${s}, 1, ${a}/0, ${a}/1, 1`, `${s}, 2, ${b}/1, ${b}/0, 1`, `${s}, 3, ${a}/0, ${b}/1, 0`, `${s}, 4, ${c}/1, ${a}/1, 0`);
  }
  await writeFile(join(root, 'ytf', 'splits.txt'), lines.join('\n') + '\n');
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('runBenchmark ytf on a synthetic YouTube Faces tree', () => {
  it('scores every video pair by its frame pairs and reads out 10-fold accuracy, AUC, EER; reruns use the score cache', async () => {
    const args = parseBenchmarkArgs(['ytf', '--descriptor', 'lbp', '--align', 'none', '--data', root, '--out', join(root, 'out'), '--cache', join(root, 'cache')], {}, root);
    const s = await runBenchmark(args);
    expect(s).toMatchObject({ protocol: 'ytf', descriptor: 'lbp', align: 'none', metric: 'chi2', pairs: 40, framePairsPerVideoPair: 50, failedImages: 0, missingPairs: 0, fromCache: 0 });
    expect(s.foldPairs).toEqual(Array(10).fill(4)); // accuracy over all 40 pairs, 4 per split
    expect(s.frames).toBe(30); // every frame of the tree is sampled (3 × 3 combinations < 50 per video pair)
    for (const k of ['accuracy', 'se', 'auc', 'eer']) expect(typeof s[k]).toBe('number');
    expect(Object.keys(s.cosine as object).sort()).toEqual(['accuracy', 'auc', 'eer', 'se']);
    expect(s.auc as number).toBeGreaterThan(0.8); // same-person stripes are clearly closer
    expect(existsSync(join(root, 'out', 'roc.png'))).toBe(true);
    const report = await readFile(join(root, 'out', 'report.md'), 'utf8');
    expect(report).toMatch(/40 video pairs in 10 splits; each scored by the mean similarity of 50 frame pairs/);
    expect(report).toMatch(/\| χ² \| [01]\.\d{4} ± 0\.\d{4} \|/);
    const again = await runBenchmark(args);
    expect(again).toMatchObject({ fromCache: 40, frames: 0, accuracy: s.accuracy, auc: s.auc });
  });

  it('cuts each frame around its labelled face box (twice its side, centred), and names a frame without a box', async () => {
    const frames = new YtfFrames(join(root, 'ytf', 'frame_images_DB'));
    const region = ytfBoxRegion(frames);
    const path = join(frames.framesDir, 'Ann_A', '1', '1.2.jpg');
    const cut = region.of(await decodeImage(path), path);
    expect([cut.width, cut.height]).toEqual([80, 80]);
    // The face box (40×40) is the centre half; the stripes there differ from the noise outside.
    const { cx, cy } = boxOf(1, 2);
    const image = await decodeImage(path);
    expect(cut.data[(40 * 80 + 40) * 3]).toBe(image.data[(cy * image.width + cx) * 3]);
    const stray = join(frames.framesDir, 'Ann_A', '1', '1.9.jpg');
    expect(() => region.of(image, stray)).toThrow(/no face box for 1\/1\.9\.jpg in .*Ann_A\.labeled_faces\.txt/);
  });

  it('a malformed splits.txt line → error naming the file and line', async () => {
    const dir = join(root, 'bad');
    await mkdir(join(dir, 'ytf', 'frame_images_DB'), { recursive: true });
    await writeFile(join(dir, 'ytf', 'splits.txt'), '1, 1, Ann_A/0, Ann_A/1, 1\n1, 2, Ann_A/0 Ben_B/1, 0\n');
    const args = parseBenchmarkArgs(['ytf', '--data', dir, '--no-cache'], {}, root);
    await expect(runBenchmark(args)).rejects.toThrow(/splits\.txt:2: expected 5 comma-separated fields/);
  });

  it('without frame_images_DB → error naming the missing folder', async () => {
    const dir = join(root, 'splits-only');
    await mkdir(join(dir, 'ytf'), { recursive: true });
    await writeFile(join(dir, 'ytf', 'splits.txt'), '1, 1, Ann_A/0, Ann_A/1, 1\n');
    const args = parseBenchmarkArgs(['ytf', '--data', dir, '--no-cache'], {}, root);
    await expect(runBenchmark(args)).rejects.toThrow(/YTF frames not found: .*splits-only[/\\]ytf[/\\]frame_images_DB does not exist/);
  });
});
