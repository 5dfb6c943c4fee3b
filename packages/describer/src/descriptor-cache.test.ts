import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DescriptorCache } from './descriptor-cache';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'bench-cache-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('DescriptorCache', () => {
  it('round-trips rows by path, under its key', async () => {
    const c = await DescriptorCache.open(dir, 'lbp-v1-none', 3);
    c.set('/a.jpg', Float32Array.from([1, 2, 3]));
    c.set('/b.jpg', Float32Array.from([4, 5, 6.5]));
    await c.save();
    expect(await readdir(dir)).toEqual(['lbp-v1-none.bin']); // no temp files left
    const again = await DescriptorCache.open(dir, 'lbp-v1-none', 3);
    expect(again.size).toBe(2);
    expect(Array.from(again.get('/b.jpg')!)).toEqual([4, 5, 6.5]);
    const other = await DescriptorCache.open(dir, 'lbp-v1-2d', 3);
    expect(other.size).toBe(0);
  });
  it('a corrupt or mismatched cache file is reported and ignored', async () => {
    await writeFile(join(dir, 'k.bin'), 'garbage');
    const warnings: string[] = [];
    const c = await DescriptorCache.open(dir, 'k', 3, (m) => warnings.push(m));
    expect(c.size).toBe(0);
    expect(warnings[0]).toMatch(/k\.bin is unreadable \(not a descriptor cache\); starting afresh/);
    c.set('/a.jpg', new Float32Array(3));
    await c.save();
    const wrongDim = await DescriptorCache.open(dir, 'k', 4, (m) => warnings.push(m));
    expect(wrongDim.size).toBe(0);
    expect(warnings[1]).toMatch(/dim 3/);
  });
  it('refuses a row of the wrong length', async () => {
    const c = await DescriptorCache.open(null, 'k', 3);
    expect(() => c.set('/x.jpg', new Float32Array(2))).toThrow(/\/x\.jpg has 2 values, the cache holds 3/);
  });
});
