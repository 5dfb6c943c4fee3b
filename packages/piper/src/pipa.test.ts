import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipa } from './pipa';
import { createRandom } from './rng';

/**
 * A tiny PIPA-format set written by the test: photos of 2 people each (a head square and a shirt
 * rectangle whose colours depend on the identity, plus per-instance noise), `all_data.txt`,
 * `split_val_original.txt` and `split_test_original.txt` (with halves), a missing photo, a corrupt photo,
 * and a head that is mostly outside its photo.
 */
const root = mkdtempSync(join(tmpdir(), 'piper-pipa-'));
const photos = join(root, 'photos');
const ann = join(root, 'annotations');
const W = 160;
const H = 150;

interface Person {
  id: number;
  x: number;
  y: number;
}

async function writePhoto(path: string, people: Person[], rand: () => number, colours: Map<number, number[]>) {
  const data = new Uint8Array(W * H * 3);
  const bg = [rand() * 255, rand() * 255, rand() * 255];
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.max(0, Math.min(255, bg[c] + (rand() - 0.5) * 60));
  const fill = (x0: number, y0: number, w: number, h: number, rgb: number[], texture: number) => {
    for (let y = Math.max(0, y0); y < Math.min(H, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(W, x0 + w); x++) {
        const stripe = Math.floor((y - y0) / texture) % 2 ? 40 : -40;
        for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, rgb[c] + stripe + (rand() - 0.5) * 30));
      }
    }
  };
  for (const p of people) {
    const col = colours.get(p.id)!;
    fill(p.x, p.y, 20, 20, col.slice(3, 6), 3 + (p.id % 4)); // head
    fill(p.x - 20, p.y + 22, 60, 100, col.slice(0, 3), 4 + (p.id % 5)); // shirt
  }
  const img = sharp(Buffer.from(data), { raw: { width: W, height: H, channels: 3 } });
  await (path.endsWith('.png') ? img.png() : img.jpeg({ quality: 92 })).toFile(path);
}

const rows: { set: 'train' | 'val' | 'test'; line: string; half: number }[] = [];

beforeAll(async () => {
  mkdirSync(photos, { recursive: true });
  mkdirSync(ann, { recursive: true });
  const rand = createRandom(11);
  const sets = { train: [1, 2, 3, 4], val: [101, 102, 103, 104, 105], test: [201, 202, 203, 204, 205] } as const;
  const colours = new Map<number, number[]>();
  for (const ids of Object.values(sets)) for (const id of ids) colours.set(id, Array.from({ length: 6 }, () => 30 + rand() * 195));
  let photo = 1000;
  const subsetCode = { train: 1, val: 2, test: 3 };
  for (const set of ['train', 'val', 'test'] as const) {
    const ids = sets[set];
    for (let shot = 0; shot < 6; shot++) {
      for (let k = 0; k < ids.length; k += 2) {
        const pair = ids.slice(k, k + 2);
        const people = pair.map((id, t) => ({ id, x: 30 + t * 80 + Math.floor(rand() * 10), y: 8 + Math.floor(rand() * 10) }));
        photo++;
        await writePhoto(join(photos, `777_${photo}.${photo % 2 ? 'png' : 'jpg'}`), people, rand, colours);
        for (const p of people) rows.push({ set, line: `777 ${photo} ${p.x} ${p.y} 20 20 ${p.id} ${subsetCode[set]}`, half: shot % 2 });
      }
    }
  }
  // A head mostly outside the photo (head and upper-body parts do not fire; the body part still does).
  rows.push({ set: 'test', line: `777 1001 ${W - 4} 10 20 20 201 3`, half: 0 });
  // An annotation whose photo is missing, and one whose photo is corrupt.
  rows.push({ set: 'val', line: `777 99999 10 10 20 20 101 2`, half: 1 });
  writeFileSync(join(photos, '777_88888.jpg'), 'not a jpeg');
  rows.push({ set: 'test', line: `777 88888 10 10 20 20 202 3`, half: 1 });
  writeFileSync(join(ann, 'all_data.txt'), rows.map((r) => r.line).join('\n') + '\n');
  for (const set of ['val', 'test'] as const) {
    writeFileSync(join(ann, `split_${set}_original.txt`), rows.filter((r) => r.set === set).map((r) => `${r.line} ${r.half}`).join('\n') + '\n');
  }
}, 30_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PIPA path end to end on a synthetic PIPA-format set', () => {
  it('runs recognition, one-shot and retrieval; skips missing and corrupt photos with file:line', async () => {
    const report = await runPipa({ annotations: ann, photos, pcaDims: 16, oneShotRepeats: 1 });
    expect(report.instances).toEqual({ val: 30, test: 31 });
    expect(report.skipped.map((s) => s.where)).toEqual([
      `${ann}/split_val_original.txt:31`,
      `${ann}/split_test_original.txt:32`,
    ]);
    expect(report.skipped[0].reason).toMatch(/photo 777_99999 not found/);
    expect(report.skipped[1].reason).toMatch(/777_88888\.jpg/);
    const r = report.recognition;
    expect(r.K).toBe(5);
    // Identities differ by shirt and head colour/texture: far above the 20 % chance.
    expect(r.partsAlone.body).toBeGreaterThan(0.6);
    expect(r.fused.piper).toBeGreaterThan(0.6);
    expect(r.fireRate.head).toBeLessThan(1); // the head outside the photo does not fire
    expect(report.oneShot.map((o) => o.k)).toEqual([1, 2, 3]);
    expect(report.retrieval.piper[0]).toBeGreaterThan(0.4);
  }, 60_000);

  it('a malformed all_data.txt fails with the file and line', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'all_data.txt'), '777 1001 10 10 20 20 101 2\n777 1002 10 10 20 101 2\n');
    await expect(runPipa({ annotations: bad, photos })).rejects.toThrow(`${join(bad, 'all_data.txt')}:2: expected 8 columns`);
  });

  it('missing split files are named', async () => {
    const bad = join(root, 'nosplit');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'all_data.txt'), '777 1001 10 10 20 20 101 2\n');
    await expect(runPipa({ annotations: bad, photos })).rejects.toThrow(/split_val_original.txt and split_test_original.txt are both needed/);
  });
});
