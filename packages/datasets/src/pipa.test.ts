import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPipaSubsets, headToBody, loadPipa, parsePipaAnnotations, PipaPhotoResolver } from './pipa';
import { DATASETS, missingDataset, tempDir } from './test-helpers';

describe('parsePipaAnnotations', () => {
  it('keeps the 17-digit photoset ids exact and maps subset codes', () => {
    const rows = parsePipaAnnotations('72157607317745768 1808093328 277 -159 218 294 1 1\n72157607317745768 3588949802 618 76 87 120 1 0\n', 'a.txt');
    expect(rows[0]).toMatchObject({ photosetId: '72157607317745768', photoId: '1808093328', head: { x: 277, y: -159, width: 218, height: 294 }, identityId: 1, subset: 'train', line: 1 });
    expect(rows[1]!.subset).toBe('leftover');
    expect(rows[0]!.half).toBeUndefined();
    expect(parsePipaAnnotations('1 2 3 4 5 6 7 3 1\n')[0]).toMatchObject({ subset: 'test', half: 1 });
  });

  const bad: [string, string, RegExp][] = [
    ['7 columns', '1 2 3 4 5 6 7\n', /^a\.txt:1: expected 8 columns/],
    ['mixed 8 and 9 columns', '1 2 3 4 5 6 7 1\n1 2 3 4 5 6 7 1 0\n', /^a\.txt:2: has 9 columns but earlier lines have 8/],
    ['a non-numeric photo id', '1 abc 3 4 5 6 7 1\n', /^a\.txt:1: photo id must be digits, got "abc"/],
    ['zero head width', '1 2 3 4 0 6 7 1\n', /^a\.txt:1: head width must be an integer ≥ 1, got 0/],
    ['subset code 4', '1 2 3 4 5 6 7 4\n', /^a\.txt:1: subset id must be 0 \(leftover\), 1 \(train\), 2 \(val\) or 3 \(test\), got 4/],
    ['half 2', '1 2 3 4 5 6 7 3 2\n', /^a\.txt:1: half must be 0 or 1, got "2"/],
    ['a decimal box', '1 2 3.5 4 5 6 7 1\n', /^a\.txt:1: head x must be an integer, got "3\.5"/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what} as file:line`, () => expect(() => parsePipaAnnotations(text, 'a.txt')).toThrow(message));
  }
});

describe('headToBody', () => {
  it('is 3 head widths wide, centred, and 6 head heights tall from the head top (hand-computed)', () => {
    // Head 20×30 at (100, 50): centre x 110 → body x 110 − 30 = 80, width 60; y 50, height 180.
    expect(headToBody({ x: 100, y: 50, width: 20, height: 30 })).toEqual({ x: 80, y: 50, width: 60, height: 180 });
    expect(headToBody({ x: 100, y: 50, width: 20, height: 30 }, { widthScale: 2, heightScale: 4 })).toEqual({ x: 90, y: 50, width: 40, height: 120 });
  });
  it('clips to the image and rejects empty boxes', () => {
    expect(headToBody({ x: 0, y: -10, width: 20, height: 30 }, { imageSize: { width: 100, height: 100 } })).toEqual({ x: 0, y: 0, width: 40, height: 100 });
    expect(() => headToBody({ x: 0, y: 0, width: 0, height: 3 })).toThrow(/positive size/);
    expect(() => headToBody({ x: 500, y: 0, width: 10, height: 10 }, { imageSize: { width: 100, height: 100 } })).toThrow(/outside the 100×100 image/);
  });
});

describe('PipaPhotoResolver', () => {
  const t = tempDir();
  afterAll(t.cleanup);
  it('finds photoset_photo.jpg anywhere and photoset/photo.jpg, and lists the missing ones', () => {
    t.write('train/72157607317745768_1808093328.jpg', 'x');
    t.write('test/72157607317745768_3588949802.JPG', 'x');
    t.write('albums/555/777.png', 'x');
    t.write('notes.txt', 'x');
    const r = new PipaPhotoResolver(t.dir);
    expect(r.size).toBe(3);
    expect(r.resolve('72157607317745768', '1808093328')).toBe(join(t.dir, 'train', '72157607317745768_1808093328.jpg'));
    expect(r.resolve('555', '777')).toBe(join(t.dir, 'albums', '555', '777.png'));
    expect(r.resolve('1', '2')).toBeUndefined();
    const rows = parsePipaAnnotations('72157607317745768 1808093328 1 1 5 5 1 1\n1 2 1 1 5 5 1 1\n');
    expect(r.missing(rows).map((x) => x.line)).toEqual([2]);
  });
  it('names a missing folder', () => {
    expect(() => new PipaPhotoResolver(join(t.dir, 'nope'))).toThrow(/PIPA photo folder not found/);
  });
});

describe.skipIf(missingDataset('pipa'))('PIPA real annotations (../shared/datasets/pipa)', { timeout: 30_000 }, () => {
  let pipa!: ReturnType<typeof loadPipa>;
  beforeAll(() => {
    pipa = loadPipa(join(DATASETS, 'pipa'));
  }, 30_000);
  it('all_data.txt has the published subset sizes (1 train, 2 val, 3 test, 0 leftover)', () => {
    expect(pipa.all).toHaveLength(63188);
    expect(countPipaSubsets(pipa.all)).toEqual({
      train: { instances: 29223, identities: 1409 },
      val: { instances: 9642, identities: 366 },
      test: { instances: 12886, identities: 581 },
      leftover: { instances: 11437, identities: 54 },
    });
    expect(new Set(pipa.all.map((i) => i.identityId)).size).toBe(2356);
    expect(new Set(pipa.all.map((i) => `${i.photosetId}_${i.photoId}`)).size).toBe(37107);
  });
  it('reads the 8 split files, all val/test rows, each with a half', () => {
    for (const set of ['val', 'test'] as const) {
      for (const split of ['original', 'album', 'time', 'day'] as const) {
        const rows = pipa.splits[set]?.[split];
        expect(rows, `${set}/${split}`).toBeDefined();
        expect(rows!.every((r) => r.subset === set && (r.half === 0 || r.half === 1))).toBe(true);
      }
    }
    expect(pipa.splits.test!.original).toHaveLength(12886);
    expect(pipa.splits.val!.time).toHaveLength(9642);
  });
});
