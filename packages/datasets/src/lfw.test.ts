import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from './decode';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { findLfwImageRoot, indexLfwImagesAsync, loadLfw, loadLfwAsync, type LfwDataset } from './lfw';
import { DATASETS, missingDataset, tempDir } from './test-helpers';

/** A tiny LFW: 3 people, 2 folds of 1 + 1 pairs, people.txt with 2 folds. */
function writeTinyLfw(write: (rel: string, c: string) => string, imagesUnder: string): void {
  const jpg = 'not decoded here';
  for (const [name, n] of [['Ann', 2], ['Bob', 1], ['Cy', 3]] as const) {
    for (let i = 1; i <= n; i++) write(`${imagesUnder}${name}/${name}_${String(i).padStart(4, '0')}.jpg`, jpg);
  }
  write('pairs.txt', '2\t1\nAnn\t1\t2\nAnn\t1\tBob\t1\nCy\t1\t3\nCy\t2\tAnn\t2\n');
  write('pairsDevTrain.txt', '1\nAnn\t1\t2\nAnn\t2\tCy\t3\n');
  write('pairsDevTest.txt', '1\nCy\t1\t2\nBob\t1\tCy\t1\n');
  write('people.txt', '2\n2\nAnn\t2\nBob\t1\n1\nCy\t3\n');
}

describe('LFW on synthetic folders', () => {
  const t = tempDir();
  afterAll(t.cleanup);

  it('finds the images in a plain folder, a known subfolder and a nested Kaggle-style folder', () => {
    const plain = tempDir();
    const sub = tempDir();
    const nested = tempDir();
    try {
      writeTinyLfw(plain.write, '');
      writeTinyLfw(sub.write, 'lfw-deepfunneled/');
      writeTinyLfw(nested.write, 'lfw-deepfunneled/lfw-deepfunneled/');
      expect(findLfwImageRoot(plain.dir)).toBe(plain.dir);
      expect(findLfwImageRoot(sub.dir)).toBe(join(sub.dir, 'lfw-deepfunneled'));
      expect(findLfwImageRoot(nested.dir)).toBe(join(nested.dir, 'lfw-deepfunneled', 'lfw-deepfunneled'));
    } finally {
      plain.cleanup();
      sub.cleanup();
      nested.cleanup();
    }
  });

  it('iterates View 2 folds, View 1 and the unrestricted training identities', () => {
    writeTinyLfw(t.write, 'lfw/');
    const lfw = loadLfw(t.dir, { view2Shape: { folds: 2, pairsPerClass: 1 } });
    expect(lfw.imageCount).toBe(6);
    const folds = [...lfw.view2Folds()];
    expect(folds.map((f) => [f.fold, f.train.length, f.test.length])).toEqual([
      [1, 2, 2],
      [2, 2, 2],
    ]);
    expect(folds[0]!.test[0]!.path1).toBe(join(t.dir, 'lfw', 'Ann', 'Ann_0001.jpg'));
    expect(folds[0]!.train.every((p) => p.fold === 2)).toBe(true);
    const v1 = lfw.view1();
    expect([v1.train.length, v1.test.length]).toEqual([2, 2]);
    // Training folds for test fold 2 = fold 1 of people.txt: Ann (2 images) and Bob (1).
    expect(lfw.unrestrictedTraining(2).map((p) => [p.name, p.images.length])).toEqual([
      ['Ann', 2],
      ['Bob', 1],
    ]);
    expect(() => lfw.unrestrictedTraining(3)).toThrow(/testFold must be 1\.\.2/);
  });

  it('loadLfwAsync finds the same images and also checks them', async () => {
    const lfw = await loadLfwAsync(t.dir, { view2Shape: { folds: 2, pairsPerClass: 1 } });
    expect(lfw.imageCount).toBe(6);
    t.write('pairsDevTest.txt', '1\nCy\t1\t7\nBob\t1\tCy\t1\n');
    await expect(loadLfwAsync(t.dir, { view2Shape: null })).rejects.toThrow(/pairsDevTest\.txt:2: image not found: .*Cy_0007\.jpg/);
    t.write('pairsDevTest.txt', '1\nCy\t1\t2\nBob\t1\tCy\t1\n');
  });

  it('rejects a View 2 header that is not 10 × 300 by default', () => {
    expect(() => loadLfw(t.dir)).toThrow(/pairs\.txt:1: View 2 must be 10 folds × \(300 \+ 300\) pairs, the header declares 2 × \(1 \+ 1\)/);
  });

  it('names the file, line and missing image when a pair points nowhere', () => {
    const bad = tempDir();
    try {
      writeTinyLfw(bad.write, '');
      bad.write('pairsDevTest.txt', '1\nCy\t1\t9\nBob\t1\tCy\t1\n');
      let error: unknown;
      try {
        loadLfw(bad.dir, { view2Shape: null });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatasetLayoutError);
      expect((error as Error).message).toContain(`${join(bad.dir, 'pairsDevTest.txt')}:2: image not found: ${join(bad.dir, 'Cy', 'Cy_0009.jpg')}`);
      bad.write('pairsDevTest.txt', '1\nCy\t1\t2\nBob\t1\tCy\t1\n');
      bad.write('people.txt', '1\n1\nAnn\t5\n');
      expect(() => loadLfw(bad.dir, { view2Shape: null })).toThrow(/people\.txt:3: Ann has 5 images listed but .*Ann_0003\.jpg is missing/);
    } finally {
      bad.cleanup();
    }
  });

  it('reports a malformed protocol file with file:line', () => {
    const bad = tempDir();
    try {
      writeTinyLfw(bad.write, '');
      bad.write('pairs.txt', '2\t1\nAnn\t1\t2\nAnn\t1\tBob\n');
      expect(() => loadLfw(bad.dir)).toThrow(DatasetFormatError);
      expect(() => loadLfw(bad.dir)).toThrow(/pairs\.txt:3: header declares 2 fold/);
    } finally {
      bad.cleanup();
    }
  });

  it('says clearly when there is no image folder', () => {
    const empty = tempDir();
    try {
      empty.write('pairs.txt', '1\n');
      expect(() => findLfwImageRoot(empty.dir)).toThrow(/no LFW image folder found/);
      expect(() => findLfwImageRoot(join(empty.dir, 'nope'))).toThrow(/LFW folder not found/);
      expect(() => loadLfw(join(empty.dir, 'pairs.txt'))).toThrow(/pairs\.txt: expected the LFW folder \(holding pairs\.txt and the images\), got a file/);
    } finally {
      empty.cleanup();
    }
  });
});

const lfwDir = join(DATASETS, 'lfw');
describe.skipIf(missingDataset('lfw'))('LFW real data (../shared/datasets/lfw)', { timeout: 30_000 }, () => {
  let lfw!: LfwDataset;
  beforeAll(() => {
    lfw = loadLfw(lfwDir); // checks every referenced image exists
  }, 30_000);

  it('the parallel index equals the sequential one', async () => {
    const sync = lfw.images; // built by indexLfwImages in loadLfw
    const parallel = await indexLfwImagesAsync(lfw.imageRoot, 8);
    expect([...parallel.keys()]).toEqual([...sync.keys()]);
    expect([...parallel].every(([name, numbers]) => [...numbers].join() === [...sync.get(name)!].join())).toBe(true);
  }, 30_000);

  it('has 13,233 images of 5,749 people in lfw-deepfunneled/', () => {
    expect(lfw.imageRoot).toBe(join(lfwDir, 'lfw-deepfunneled'));
    expect(lfw.images.size).toBe(5749);
    expect(lfw.imageCount).toBe(13233);
  });

  it('View 2 is 10 folds × (300 + 300) = 6,000 pairs', () => {
    const folds = [...lfw.view2Folds()];
    expect(folds).toHaveLength(10);
    for (const f of folds) {
      expect(f.test).toHaveLength(600);
      expect(f.train).toHaveLength(5400);
      expect(f.test.filter((p) => p.same)).toHaveLength(300);
    }
    const first = folds[0]!.test[0]!;
    expect([first.name1, first.index1, first.index2]).toEqual(['Abel_Pacheco', 1, 4]);
    expect(existsSync(first.path1) && existsSync(first.path2)).toBe(true);
  });

  it('View 1 is 2,200 training and 1,000 test pairs', () => {
    const v1 = lfw.view1();
    expect(v1.train).toHaveLength(2200);
    expect(v1.test).toHaveLength(1000);
  });

  it('people.txt has 10 folds covering all 5,749 people; unrestricted training excludes the test fold', () => {
    const folds = lfw.people!.folds;
    expect(folds).toHaveLength(10);
    expect(folds.reduce((s, f) => s + f.length, 0)).toBe(5749);
    expect(folds.reduce((s, f) => s + f.reduce((t, p) => t + p.images, 0), 0)).toBe(13233);
    const train = lfw.unrestrictedTraining(1);
    expect(train).toHaveLength(5749 - folds[0]!.length);
    const testNames = new Set(folds[0]!.map((p) => p.name));
    expect(train.some((p) => testNames.has(p.name))).toBe(false);
    // View 2 fold k's pairs only use people of people.txt fold k (that is what makes the unrestricted protocol fair).
    const fold1 = [...lfw.view2Folds()][0]!.test;
    expect(fold1.every((p) => testNames.has(p.name1) && testNames.has(p.name2))).toBe(true);
  });

  it('decodes a few images to 250×250 RGB', async () => {
    const files = [...lfw.view2Folds()][0]!.test.slice(0, 3).map((p) => p.path1);
    for (const file of files) {
      const img = await decodeImage(file);
      expect([img.width, img.height, img.channels, img.data.length]).toEqual([250, 250, 3, 250 * 250 * 3]);
    }
  });
});
