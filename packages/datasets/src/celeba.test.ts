import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { celebaToSfcRows, loadCeleba, mergeCelebaSources, writeCelebaSfcManifest, type CelebaImage } from './celeba';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { readSfcManifest, sfcTimeSplit } from './sfc';
import { tempDir } from './test-helpers';

const t = tempDir('deepface-celeba-');
afterAll(t.cleanup);
let folders = 0;

/** Writes a file at an absolute path, making its folders. */
function put(file: string, content: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** A synthetic CelebA folder: images (empty files: the loader never decodes), annotation files as given. */
function celeba(files: { images: string[]; identity?: string; partition?: string; layout?: 'flat' | 'official' }): string {
  const dir = join(t.dir, `c${folders++}`);
  const official = files.layout === 'official';
  for (const name of files.images) put(join(dir, official ? 'Img/img_align_celeba' : '', name), '');
  if (files.identity !== undefined) put(join(dir, official ? 'Anno' : '', 'identity_CelebA.txt'), files.identity);
  if (files.partition !== undefined) put(join(dir, official ? 'Eval' : '', 'list_eval_partition.txt'), files.partition);
  if (files.images.length === 0) put(join(dir, 'README'), 'no images');
  return dir;
}

const IDENTITY = '000001.jpg 2880\r\n000002.jpg 2937\r\n000003.jpg 8692\r\n000004.jpg 2880\r\n000005.jpg 4153\r\n';
const PARTITION = '000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n000005.jpg 2\n';

describe('loadCeleba', () => {
  it('returns the listed images that are on disk (.jpg or .png), with counts of what is missing and unlisted', () => {
    const dir = celeba({ images: ['000001.jpg', '000002.jpg', '000004.png', '000009.jpg', 'notes.txt', '12345.jpg'], identity: IDENTITY, partition: PARTITION });
    const c = loadCeleba(dir);
    expect(c.imageDir).toBe(dir);
    expect(c.identityFile).toBe(join(dir, 'identity_CelebA.txt'));
    expect(c.partitionFile).toBe(join(dir, 'list_eval_partition.txt'));
    expect(c.images).toEqual([
      { number: 1, path: join(dir, '000001.jpg'), identity: 2880, partition: 'train', line: 1 },
      { number: 2, path: join(dir, '000002.jpg'), identity: 2937, partition: 'train', line: 2 },
      { number: 4, path: join(dir, '000004.png'), identity: 2880, partition: 'test', line: 4 },
    ]);
    expect(c.counts).toEqual({ listed: 5, present: 4, rows: 3, identities: 2, missing: 2, unlisted: 1, malformed: 0, duplicateLines: 0, duplicateFiles: 0, unpartitioned: 0 });
    expect(c.warnings).toEqual([]);
  });

  it('finds the official layout (Img/img_align_celeba, Anno/, Eval/); the partition file is optional', () => {
    const dir = celeba({ images: ['000003.jpg'], identity: IDENTITY, partition: PARTITION, layout: 'official' });
    const c = loadCeleba(dir);
    expect(c.imageDir).toBe(join(dir, 'Img/img_align_celeba'));
    expect(c.images).toEqual([{ number: 3, path: join(dir, 'Img/img_align_celeba/000003.jpg'), identity: 8692, partition: 'val', line: 3 }]);
    const without = loadCeleba(dir, { partitionFile: null });
    expect(without.partitionFile).toBeUndefined();
    expect(without.images[0]).not.toHaveProperty('partition');
    expect(loadCeleba(celeba({ images: ['000003.jpg'], identity: IDENTITY })).images[0]).not.toHaveProperty('partition');
  });

  it("reads Kaggle's nested folder and its CSV partition file with a header", () => {
    const dir = join(t.dir, 'kaggle');
    put(join(dir, 'img_align_celeba/img_align_celeba/000002.jpg'), '');
    put(join(dir, 'list_eval_partition.csv'), 'image_id,partition\n000001.jpg,0\n000002.jpg,1\n');
    const identityFile = put(join(t.dir, 'kaggle-identity.txt'), IDENTITY);
    const c = loadCeleba(dir, { identityFile });
    expect(c.imageDir).toBe(join(dir, 'img_align_celeba/img_align_celeba'));
    expect(c.images).toEqual([{ number: 2, path: join(c.imageDir, '000002.jpg'), identity: 2937, partition: 'val', line: 2 }]);
  });

  it('counts a repeated identical line, a .jpg + .png of one image and images the partition file lacks, as warnings', () => {
    const dir = celeba({ images: ['000001.jpg', '000001.png', '000002.jpg'], identity: '000001.jpg 7\n000002.jpg 8\n000001.jpg 7\n', partition: '000001.jpg 0\n' });
    const c = loadCeleba(dir);
    expect(c.images.map((i) => [i.number, i.path.slice(dir.length + 1), i.partition])).toEqual([
      [1, '000001.jpg', 'train'],
      [2, '000002.jpg', undefined],
    ]);
    expect(c.counts).toMatchObject({ listed: 2, present: 2, rows: 2, duplicateLines: 1, duplicateFiles: 1, unpartitioned: 1 });
    expect(c.warnings).toEqual([
      `${join(dir, 'identity_CelebA.txt')}:3: 000001.jpg is listed again (first on line 1) with the same identity; kept once`,
      `${join(dir, '000001.png')}: image 000001 is also 000001.jpg; using 000001.jpg`,
      `${join(dir, 'list_eval_partition.txt')}: does not list 000002.jpg (image 2 of ${join(dir, 'identity_CelebA.txt')})`,
    ]);
  });

  it.each([
    ['000001.jpg 1\n000002.jpg\n', 'identity', 2, 'expected `NNNNNN.jpg <identity>`, got "000002.jpg"'],
    ['000001.jpg 1 2\n', 'identity', 1, 'expected `NNNNNN.jpg <identity>`, got "000001.jpg 1 2"'],
    ['1.jpg 5\n', 'identity', 1, 'image name must be 6 digits then .jpg or .png (like 000001.jpg), got "1.jpg"'],
    ['000001.gif 5\n', 'identity', 1, 'image name must be 6 digits then .jpg or .png (like 000001.jpg), got "000001.gif"'],
    ['0000001.jpg 5\n', 'identity', 1, 'image name must be 6 digits then .jpg or .png (like 000001.jpg), got "0000001.jpg"'],
    ['000000.jpg 5\n', 'identity', 1, 'image numbers start at 000001, got 000000.jpg'],
    ['000001.jpg five\n', 'identity', 1, 'identity must be an integer, got "five"'],
    ['000001.jpg -3\n', 'identity', 1, 'identity must be an integer ≥ 0, got -3'],
    ['000001.jpg 99999999999999999999\n', 'identity', 1, 'identity must be an integer ≥ 0, got 99999999999999999999'],
    ['000001.jpg 3\n', 'partition', 1, 'partition must be 0 (train), 1 (val) or 2 (test), got "3"'],
    ['000001.jpg train\n', 'partition', 1, 'partition must be 0 (train), 1 (val) or 2 (test), got "train"'],
  ])('%j in the %s file: file:line: error', (text, which, line, problem) => {
    const dir = celeba(which === 'identity' ? { images: ['000001.jpg'], identity: text } : { images: ['000001.jpg'], identity: IDENTITY, partition: text });
    const file = join(dir, which === 'identity' ? 'identity_CelebA.txt' : 'list_eval_partition.txt');
    expect(() => loadCeleba(dir)).toThrow(new DatasetFormatError(file, line, problem));
  });

  it("badLines: 'skip' counts and lists malformed lines, but an image with two identities stays an error", () => {
    const dir = celeba({ images: ['000001.jpg', '000002.jpg', '000003.jpg'], identity: '000001.jpg 1\nnonsense\n000002.jpg x\n000003.jpg 3\n', partition: '000001.jpg 7\n' });
    const c = loadCeleba(dir, { badLines: 'skip' });
    expect(c.images.map((i) => [i.number, i.identity])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(c.counts).toMatchObject({ listed: 2, present: 3, rows: 2, unlisted: 1, malformed: 3, unpartitioned: 2 });
    const file = join(dir, 'identity_CelebA.txt');
    expect(c.warnings.slice(0, 3)).toEqual([
      `${file}:2: expected \`NNNNNN.jpg <identity>\`, got "nonsense"`,
      `${file}:3: identity must be an integer, got "x"`,
      `${join(dir, 'list_eval_partition.txt')}:1: partition must be 0 (train), 1 (val) or 2 (test), got "7"`,
    ]);
    put(join(dir, 'identity_CelebA.txt'), '000001.jpg 1\n000002.jpg 2\n000001.png 5\n');
    expect(() => loadCeleba(dir, { badLines: 'skip' })).toThrow(`${file}:3: 000001.png is listed again with identity 5 (line 1 gives 1): one image cannot have two`);
    put(join(dir, 'list_eval_partition.txt'), '000001.jpg 0\n000001.jpg 2\n');
    put(join(dir, 'identity_CelebA.txt'), '000001.jpg 1\n');
    expect(() => loadCeleba(dir, { badLines: 'skip' })).toThrow(`${join(dir, 'list_eval_partition.txt')}:2: 000001.jpg is listed again with partition 2 (line 1 gives 0)`);
  });

  it('checks an annotation file’s size before reading it', () => {
    const dir = celeba({ images: ['000001.jpg'], identity: IDENTITY });
    expect(() => loadCeleba(dir, { maxFileBytes: 64 })).toThrow(
      new DatasetFormatError(join(dir, 'identity_CelebA.txt'), undefined, `file is 0.0 MiB (${IDENTITY.length} bytes), more than the 0.0 MiB allowed for it: is it the right file?`),
    );
    expect(loadCeleba(dir, { maxFileBytes: IDENTITY.length }).counts.rows).toBe(1);
  });

  it('names what is missing: the folder, the images, the identity file', () => {
    expect(() => loadCeleba(join(t.dir, 'nowhere'))).toThrow(DatasetLayoutError);
    expect(() => loadCeleba(celeba({ images: [], identity: IDENTITY }))).toThrow(/no CelebA images \(NNNNNN\.jpg or \.png\) here or in img_align_celeba, /);
    const noIdentity = celeba({ images: ['000001.jpg'] });
    expect(() => loadCeleba(noIdentity)).toThrow(`${noIdentity}: identity_CelebA.txt or Anno/identity_CelebA.txt not found (option identityFile)`);
    expect(() => loadCeleba(noIdentity, { identityFile: 'ids.txt' })).toThrow(`${join(noIdentity, 'ids.txt')}: file not found`);
    expect(() => loadCeleba(noIdentity, { imageDir: 'imgs' })).toThrow(`CelebA image folder not found: ${join(noIdentity, 'imgs')}`);
  });
});

describe('mergeCelebaSources', () => {
  const a = loadCeleba(celeba({ images: ['000001.jpg', '000002.jpg'], identity: IDENTITY }));
  const b = loadCeleba(celeba({ images: ['000002.png', '000004.jpg', '000005.jpg'], identity: IDENTITY, partition: PARTITION }));

  it('keeps each file number once, from the first source, taking a partition from whichever source has it', () => {
    const m = mergeCelebaSources([a, b]);
    expect(m.images.map((i) => [i.number, i.path.startsWith(a.imageDir) ? 'a' : 'b', i.partition])).toEqual([
      [1, 'a', undefined],
      [2, 'a', 'train'],
      [4, 'b', 'test'],
      [5, 'b', 'test'],
    ]);
    expect(m.duplicates).toBe(1);
    expect(m.identities).toBe(3);
    expect(m.sources).toEqual([
      { imageDir: a.imageDir, images: 2, duplicates: 0 },
      { imageDir: b.imageDir, images: 3, duplicates: 1 },
    ]);
    expect(mergeCelebaSources([b, a]).images.map((i) => i.number)).toEqual([1, 2, 4, 5]);
    expect(mergeCelebaSources([]).images).toEqual([]);
  });

  it('refuses a file number that two sources give different identities or partitions', () => {
    const other = loadCeleba(celeba({ images: ['000004.jpg'], identity: '000004.jpg 11\n' }));
    expect(() => mergeCelebaSources([b, other])).toThrow(`${other.identityFile}:1: image 000004 has identity 11 here but 2880 in ${b.identityFile}:4: the sources disagree`);
    const moved = loadCeleba(celeba({ images: ['000005.jpg'], identity: IDENTITY, partition: '000005.jpg 0\n' }));
    expect(() => mergeCelebaSources([b, moved])).toThrow(/image 000005 is in partition train here but test in the source of .*:5: the sources disagree/);
  });
});

describe('CelebA → SFC-format', () => {
  const images: CelebaImage[] = [
    { number: 1, path: '/data/celeba/000001.jpg', identity: 2880, partition: 'train', line: 1 },
    { number: 2, path: '/data/celeba/000002.jpg', identity: 2937, partition: 'val', line: 2 },
    { number: 4, path: '/data/celeba/000004.jpg', identity: 2880, partition: 'test', line: 4 },
    { number: 7, path: '/data/celeba/000007.jpg', identity: 2880, line: 7 },
  ];

  it('names identities celeba-<id> and seeds each timestamp from the file number alone', () => {
    const rows = celebaToSfcRows(images);
    expect(rows.map((r) => [r.identity, r.image])).toEqual([
      ['celeba-2880', '/data/celeba/000001.jpg'],
      ['celeba-2937', '/data/celeba/000002.jpg'],
      ['celeba-2880', '/data/celeba/000004.jpg'],
      ['celeba-2880', '/data/celeba/000007.jpg'],
    ]);
    for (const r of rows) expect(Number.isInteger(r.timestamp) && (r.timestamp as number) >= 1_400_000_000 && (r.timestamp as number) < 1_500_000_000).toBe(true);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(4);
    // The same image gets the same time in any subset, order or merge.
    const alone = celebaToSfcRows([images[2]!, images[0]!]);
    expect(alone.map((r) => r.timestamp)).toEqual([rows[2]!.timestamp, rows[0]!.timestamp]);
    expect(celebaToSfcRows(images, { seed: 1 })[0]!.timestamp).not.toBe(rows[0]!.timestamp);
  });

  it('filters by partition, writes relative paths and takes another prefix', () => {
    expect(celebaToSfcRows(images, { partitions: ['train', 'test'], relativeTo: '/data', identityPrefix: 'cA' }).map((r) => [r.identity, r.image])).toEqual([
      ['cA2880', 'celeba/000001.jpg'],
      ['cA2880', 'celeba/000004.jpg'],
    ]);
    expect(() => celebaToSfcRows(images, { span: 0 })).toThrow(RangeError);
  });

  it('writes a manifest that apps/train reads, with the same time split however the sources were merged', () => {
    const x = loadCeleba(celeba({ images: ['000001.jpg', '000002.jpg', '000003.jpg'], identity: IDENTITY }));
    const y = loadCeleba(celeba({ images: ['000003.jpg', '000004.jpg', '000005.jpg'], identity: IDENTITY }));
    const split = (sources: (typeof x)[]): string[] => {
      const file = join(t.dir, `merged-${folders++}.csv`);
      expect(writeCelebaSfcManifest(file, mergeCelebaSources(sources).images)).toBe(5);
      const m = readSfcManifest(file);
      expect(m.identities).toEqual(['celeba-2880', 'celeba-2937', 'celeba-8692', 'celeba-4153']);
      return [...sfcTimeSplit(m, { testFraction: 0.5 }).test].map((r) => m.image(r).slice(-10));
    };
    const test = split([x, y]);
    expect(test).toHaveLength(1); // celeba-2880 has 2 images: 1 test
    expect(split([y, x])).toEqual(test);
  });
});
