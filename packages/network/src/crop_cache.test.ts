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

  it('round-trips per-crop targets (teacher descriptors) bit-exactly, and checks their length', async () => {
    const b = new CropCacheBuilder(2, 3);
    b.add('ann', crop(2, 1), [0.5, -0.25, 1e-7]);
    b.add('bob', crop(2, 2), [Math.PI, 0, -1]);
    expect(() => b.add('cid', crop(2, 3), [1, 2])).toThrow('crop for cid: target has 2 values, the cache holds 3');
    expect(() => b.add('cid', crop(2, 3))).toThrow('crop for cid: target has no values, the cache holds 3');
    expect(() => b.add('cid', crop(2, 3), [1, NaN, 2])).toThrow('crop for cid: target value 1 is NaN');
    expect(() => new CropCacheBuilder(2).add('cid', crop(2, 3), [1])).toThrow('a target was given to a cache without targets');
    const path = join(mkdtempSync(join(tmpdir(), 'crops-')), 't.bin');
    await saveCropCache(path, b.build());
    const back = await loadCropCache(path);
    expect(back.targetDim).toBe(3);
    expect(Array.from(back.targets!)).toEqual(Array.from(Float32Array.of(0.5, -0.25, 1e-7, Math.PI, 0, -1)));
    expect(back.pixels.length).toBe(2 * 12);
    expect(back.pixels[12]).toBe(2);
    // A file without targets still decodes as before (targetDim absent).
    const plain = new CropCacheBuilder(2);
    plain.add('ann', crop(2, 1));
    expect(decodeCropCache(encodeCropCache(plain.build())).targets).toBeUndefined();
    // One target value cut off: the body no longer matches the header.
    const bytes = encodeCropCache(b.build());
    expect(() => decodeCropCache(bytes.subarray(0, bytes.length - 4), 't.bin')).toThrow('t.bin: truncated or padded: body has');
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
