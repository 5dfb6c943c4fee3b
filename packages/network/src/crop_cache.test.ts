import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cropCacheExamples, CropCacheBuilder, decodeCropCache, encodeCropCache, loadCropCache, saveCropCache } from './crop_cache';

const crop = (size: number, v: number) => ({ width: size, height: size, channels: 3, data: new Uint8Array(size * size * 3).fill(v) });

describe('crop cache', () => {
  it('round-trips crops, labels and identities through a file', async () => {
    const b = new CropCacheBuilder(4);
    b.add('ann', crop(4, 10));
    b.add('bob', crop(4, 20));
    b.add('ann', crop(4, 30));
    const cache = b.build({ align: '3d' });
    expect(Array.from(cache.labels)).toEqual([0, 1, 0]);
    const path = join(mkdtempSync(join(tmpdir(), 'crops-')), 'c.bin');
    await saveCropCache(path, cache);
    const back = await loadCropCache(path);
    expect(back.identities).toEqual(['ann', 'bob']);
    expect(Array.from(back.labels)).toEqual([0, 1, 0]);
    expect(back.pixels[2 * 48]).toBe(30);
    expect(back.meta).toEqual({ align: '3d' });
  });

  it('feeds training as network inputs in [-1, 1] with optional subsets and label maps', () => {
    const b = new CropCacheBuilder(2);
    b.add('a', crop(2, 0));
    b.add('b', crop(2, 255));
    const ex = cropCacheExamples(b.build(), 'rgb', Int32Array.from([1]), Int32Array.from([5, 7]));
    const { x, labels } = ex.load(Int32Array.from([0])) as { x: Float32Array; labels: Int32Array };
    expect(ex.count).toBe(1);
    expect(Array.from(labels)).toEqual([7]);
    expect(x[0]).toBe(1);
  });

  it('rejects wrong crops, truncated and corrupt files', () => {
    const b = new CropCacheBuilder(3);
    expect(() => b.add('x', crop(4, 0))).toThrow('crop for x is 4×4×3 Uint8Array, expected 3×3×3 Uint8Array');
    b.add('x', crop(3, 1));
    const bytes = encodeCropCache(b.build());
    expect(() => decodeCropCache(bytes.subarray(0, bytes.length - 1), 'c.bin')).toThrow(/c\.bin: truncated or padded: body has/);
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 1;
    expect(() => decodeCropCache(bad, 'c.bin')).toThrow('c.bin: corrupt: CRC-32 mismatch');
    expect(() => decodeCropCache(new Uint8Array(20), 'c.bin')).toThrow('c.bin: not a crop cache (bad magic)');
  });
});
