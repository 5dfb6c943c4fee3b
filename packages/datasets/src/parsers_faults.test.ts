// Bad input the parsers must refuse (issue 16, class 5, and the SFC reservation of class 1):
// one row per case, each on synthetic files written to a temp folder, each checking that the
// error names the file and line (`path:line: what is wrong`). Quirks that the published files
// themselves have are counted warnings instead; the real-data tests at the end check them.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCfp, parseCfpFiducials, parseCfpPairFile } from './cfp';
import { DatasetFormatError, DatasetLayoutError } from './errors';
import { parseLfwPairs, parseLfwPeople } from './lfw-text';
import { parsePipaAnnotations } from './pipa-text';
import { parseIsoSeconds, readSfcManifest, sfcTimeSplit } from './sfc';
import { DATASETS, missingDataset, tempDir } from './test-helpers';
import { parseYtfLabeledFaces, parseYtfSplits, YtfFrames } from './ytf';

const HERE = dirname(fileURLToPath(import.meta.url));
const t = tempDir('deepface-faults-');
afterAll(t.cleanup);

/** The error `run` throws (undefined when it throws none). */
function errorOf(run: () => unknown): Error | undefined {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

/**
 * A synthetic CFP with 3 folds: 3 people × (3 frontal + 1 profile). Frontal i belongs to person
 * ceil(i/3), profile j to person j. Each FF fold has 2 same + 1 diff pairs, each FP fold 1 + 1.
 */
function writeCfp(dir: string, overrides: Record<string, string | null> = {}): string {
  const w = (rel: string, content: string) => {
    const file = join(dir, rel);
    t.write(join(dir.slice(t.dir.length + 1), rel), content);
    return file;
  };
  rmSync(dir, { recursive: true, force: true });
  const frontal: string[] = [];
  const profile: string[] = [];
  for (let id = 1; id <= 3; id++) {
    const nnn = String(id).padStart(3, '0');
    for (let n = 1; n <= 3; n++) {
      w(`Data/Images/${nnn}/frontal/0${n}.jpg`, 'x');
      w(`Data/Fiducials/${nnn}/frontal/0${n}.txt`, Array.from({ length: 30 }, (_, k) => `${k}.5,${k}`).join('\n') + '\n');
      frontal.push(`${frontal.length + 1} ../Data/Images/${nnn}/frontal/0${n}.jpg`);
    }
    w(`Data/Images/${nnn}/profile/01.jpg`, 'x');
    profile.push(`${id} ../Data/Images/${nnn}/profile/01.jpg`);
  }
  const files: Record<string, string> = {
    'Protocol/Pair_list_F.txt': frontal.join('\n') + '\n',
    'Protocol/Pair_list_P.txt': profile.join('\n') + '\n',
    'Protocol/Split/FF/01/same.txt': '1,2\n1,3\n',
    'Protocol/Split/FF/01/diff.txt': '1,4\n',
    'Protocol/Split/FF/02/same.txt': '4,5\n4,6\n',
    'Protocol/Split/FF/02/diff.txt': '4,7\n',
    'Protocol/Split/FF/03/same.txt': '7,8\n7,9\n',
    'Protocol/Split/FF/03/diff.txt': '7,1\n',
    'Protocol/Split/FP/01/same.txt': '1,1\n',
    'Protocol/Split/FP/01/diff.txt': '1,2\n',
    'Protocol/Split/FP/02/same.txt': '4,2\n',
    'Protocol/Split/FP/02/diff.txt': '4,3\n',
    'Protocol/Split/FP/03/same.txt': '7,3\n',
    'Protocol/Split/FP/03/diff.txt': '7,1\n',
  };
  for (const [rel, content] of Object.entries({ ...files, ...overrides })) if (content !== null) w(rel, content);
  return dir;
}

const ANY_SHAPE = { protocolShape: null };

describe('CFP: folds that are empty, duplicated or missing, and bad pair lists', () => {
  const dir = join(t.dir, 'cfp');
  const at = (rel: string) => join(dir, 'Protocol', 'Split', rel);

  it('the synthetic CFP itself loads, with no warnings', () => {
    const cfp = loadCfp(writeCfp(dir), ANY_SHAPE);
    expect(cfp.folds.FF.map((f) => f.length)).toEqual([3, 3, 3]);
    expect(cfp.folds.FP.map((f) => f.length)).toEqual([2, 2, 2]);
    expect(cfp.warnings).toEqual({ reversedRepeats: 0, examples: [] });
    // The same folder against the published shape: 3 folders, not 10.
    expect(() => loadCfp(dir)).toThrow(DatasetLayoutError);
    expect(() => loadCfp(dir)).toThrow(`${join(dir, 'Protocol/Split/FF')}: expected 10 fold folders 01..10, found 3 (01, 02, 03)`);
  });

  const cases: { what: string; files: Record<string, string | null>; options?: Parameters<typeof loadCfp>[1]; error: () => string }[] = [
    { what: 'an empty fold file (fold sizes 2, 0, 2)', files: { 'Protocol/Split/FF/02/same.txt': '' }, error: () => `${at('FF/02/same.txt')}: has no pairs (every fold needs its same pairs)` },
    { what: 'a fold of blank lines only', files: { 'Protocol/Split/FP/03/diff.txt': '\n\n\n' }, error: () => `${at('FP/03/diff.txt')}: has no pairs (every fold needs its diff pairs)` },
    { what: 'a fold larger than the others (the 1,050-pair fold)', files: { 'Protocol/Split/FF/02/same.txt': '4,5\n4,6\n5,6\n' }, error: () => `${at('FF/02/same.txt')}:3: has 3 pairs, but ${at('FF/01/same.txt')} has 2` },
    { what: 'a fold smaller than the others', files: { 'Protocol/Split/FF/03/same.txt': '7,8\n' }, error: () => `${at('FF/03/same.txt')}:1: has 1 pairs, but ${at('FF/01/same.txt')} has 2` },
    {
      what: 'a fold of the wrong size for the declared shape',
      files: {},
      options: { protocolShape: { folds: 3, pairsPerClass: 1 } },
      error: () => `${at('FF/01/same.txt')}:2: has 2 pairs, but the protocol has 1 same pairs per fold`,
    },
    { what: 'a pair written twice in one file', files: { 'Protocol/Split/FF/01/same.txt': '1,2\n1,2\n' }, error: () => `${at('FF/01/same.txt')}:2: pair 1,2 already on line 1` },
    { what: 'an FP pair written twice in one file', files: { 'Protocol/Split/FP/02/diff.txt': '4,3\n4,3\n' }, error: () => `${at('FP/02/diff.txt')}:2: pair 4,3 already on line 1` },
    { what: 'a pair in two folds (a duplicated fold)', files: { 'Protocol/Split/FF/02/diff.txt': '1,4\n' }, error: () => `${at('FF/02/diff.txt')}:1: pair 1,4 is already in ${at('FF/01/diff.txt')}:1 (a pair may be in one fold only)` },
    { what: 'an FF pair in two folds, the second time reversed', files: { 'Protocol/Split/FF/03/diff.txt': '4,1\n' }, error: () => `${at('FF/03/diff.txt')}:1: pair 4,1 is already in ${at('FF/01/diff.txt')}:1 (a pair may be in one fold only)` },
    { what: 'an image paired with itself (FF)', files: { 'Protocol/Split/FF/01/same.txt': '1,2\n3,3\n' }, error: () => `${at('FF/01/same.txt')}:2: pair 3,3 pairs an image with itself` },
    { what: 'a missing fold file', files: { 'Protocol/Split/FP/02/same.txt': null }, error: () => `${at('FP/02/same.txt')}: file not found` },
    { what: 'a missing fold folder (a gap)', files: Object.fromEntries(['same', 'diff'].map((w) => [`Protocol/Split/FP/02/${w}.txt`, null])), error: () => `${at('FP')}: fold folders must be 01..NN without gaps; found 03 where 02 was expected` },
    {
      what: 'a missing last fold (fewer folds than the shape)',
      files: {},
      options: { protocolShape: { folds: 4, pairsPerClass: 1 } },
      error: () => `${at('FF')}: expected 4 fold folders 01..04, found 3 (01, 02, 03); pass protocolShape to read another shape`,
    },
    { what: 'FF and FP with different fold counts', files: { 'Protocol/Split/FF/04/same.txt': '2,3\n5,6\n', 'Protocol/Split/FF/04/diff.txt': '2,5\n' }, error: () => `${join(dir, 'Protocol', 'Split')}: FF has 4 fold folders but FP has 3` },
    {
      what: 'a pair-list path that leaves the CFP folder',
      files: { 'Protocol/Pair_list_P.txt': '1 ../Data/Images/001/profile/01.jpg\n2 ../../elsewhere/002/profile/01.jpg\n3 ../Data/Images/003/profile/01.jpg\n' },
      error: () => `${join(dir, 'Protocol/Pair_list_P.txt')}:2: path "../../elsewhere/002/profile/01.jpg" leads outside the CFP folder ${dir}`,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => {
      writeCfp(dir, c.files);
      const error = errorOf(() => loadCfp(dir, c.options ?? ANY_SHAPE));
      expect(error?.message).toBe(c.error());
    });
  }

  it('keeps an FF pair repeated as j,i in one file, and counts it as a warning (the published protocol has 130)', () => {
    // Every FF same file gets a third pair so that the folds stay equal.
    writeCfp(dir, { 'Protocol/Split/FF/01/same.txt': '1,2\n1,3\n2,1\n', 'Protocol/Split/FF/02/same.txt': '4,5\n4,6\n5,6\n', 'Protocol/Split/FF/03/same.txt': '7,8\n7,9\n8,9\n' });
    const cfp = loadCfp(dir, ANY_SHAPE);
    expect(cfp.folds.FF[0]).toHaveLength(4);
    expect(cfp.warnings).toEqual({ reversedRepeats: 1, examples: [`${at('FF/01/same.txt')}:3: pair 2,1 repeats 1,2 of line 1 (kept, as published)`] });
    // In FP the two indices point into different lists: 1,2 and 2,1 are different pairs.
    expect(parseCfpPairFile('1,2\n2,1\n', 'fp.txt', 9, 3).map((r) => r.reverseOf)).toEqual([undefined, undefined]);
    expect(parseCfpPairFile('1,2\n2,1\n', 'ff.txt', 9, 9, { symmetric: true }).map((r) => r.reverseOf)).toEqual([undefined, 1]);
  });
});

/** A fiducials file of 30 `x,y` lines with line `k` (1-based) replaced. */
const fiducials = (k: number, text: string): string => Array.from({ length: 30 }, (_, i) => (i === k - 1 ? text : `${i}.5,${i}`)).join('\n') + '\n';

type Case = [what: string, run: (file: string) => unknown, content: string, error: (file: string) => string];

/** Each row writes `content` to a file, runs the parser on it and expects exactly `error(file)` as the message. */
function table(title: string, name: string, cases: Case[]): void {
  describe(title, () => {
    cases.forEach(([what, run, content, error], k) => {
      it(`refuses ${what}`, () => {
        const file = t.write(join(title.split(':')[0]!.toLowerCase(), `${k}`, name), content);
        const e = errorOf(() => run(file));
        expect(e).toBeInstanceOf(DatasetFormatError);
        expect(e!.message).toBe(error(file));
      });
    });
  });
}

const read = (file: string) => readFileSync(file, 'utf8');
const cfpFid = (file: string) => parseCfpFiducials(read(file), file);
const lfwPairs = (file: string) => parseLfwPairs(read(file), file);
const lfwPeople = (file: string) => parseLfwPeople(read(file), file);
const pipa = (file: string) => parsePipaAnnotations(read(file), file);
const ytf = (file: string) => parseYtfSplits(read(file), file);
const ytfFaces = (file: string) => parseYtfLabeledFaces(read(file), file);
const sfc = (file: string) => readSfcManifest(file);

table('CFP fiducials: numbers', '01.txt', [
  ['1e39 (Infinity as float32)', cfpFid, fiducials(5, '1,1e39'), (f) => `${f}:5: y 1e39 is too large for a 32-bit float (it would be stored as Infinity)`],
  ['-1e39', cfpFid, fiducials(2, '-1e39,1'), (f) => `${f}:2: x -1e39 is too large for a 32-bit float (it would be stored as -Infinity)`],
  ['1e400 (Infinity as a double)', cfpFid, fiducials(3, '1e400,1'), (f) => `${f}:3: x must be a finite number, got "1e400"`],
  ['0x10 (hexadecimal)', cfpFid, fiducials(7, '0x10,3'), (f) => `${f}:7: x must be a decimal number, got "0x10" (hexadecimal, octal and binary forms are not read)`],
  ['0b11 (binary)', cfpFid, fiducials(30, '3,0b11'), (f) => `${f}:30: y must be a decimal number, got "0b11" (hexadecimal, octal and binary forms are not read)`],
  ['Infinity spelt out', cfpFid, fiducials(1, 'Infinity,2'), (f) => `${f}:1: x must be a finite number, got "Infinity"`],
  ['an empty coordinate', cfpFid, fiducials(4, '3,'), (f) => `${f}:4: y must be a finite number, got ""`],
]);

table('LFW: duplicate pairs, bad names and numbers', 'pairs.txt', [
  ['a matched pair twice in a fold', lfwPairs, '2\nAnn\t1\t2\nAnn\t1\t2\nAnn\t1\tBob\t1\nBob\t1\tCy\t1\n', (f) => `${f}:3: pair Ann 1 / Ann 2 already on line 2`],
  ['a matched pair twice, the second time reversed', lfwPairs, '2\nAnn\t1\t2\nAnn\t2\t1\nAnn\t1\tBob\t1\nBob\t1\tCy\t1\n', (f) => `${f}:3: pair Ann 2 / Ann 1 already on line 2`],
  ['a mismatched pair twice, reversed', lfwPairs, '2\nAnn\t1\t2\nBob\t1\t2\nAnn\t1\tBob\t1\nBob\t1\tAnn\t1\n', (f) => `${f}:5: pair Bob 1 / Ann 1 already on line 4`],
  ['a pair in two folds', lfwPairs, '2\t1\nAnn\t1\t2\nAnn\t1\tBob\t1\nBob\t1\t2\nBob\t1\tAnn\t1\n', (f) => `${f}:5: pair Bob 1 / Ann 1 already on line 3`],
  ['an image paired with itself', lfwPairs, '1\nAnn\t3\t3\nAnn\t1\tBob\t1\n', (f) => `${f}:2: matched pair pairs image Ann 3 with itself`],
  ['a name that climbs out of the image folder', lfwPairs, '1\n..\t1\t2\nAnn\t1\tBob\t1\n', (f) => `${f}:2: name must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got ".."`],
  ['a name with a path in it', lfwPairs, '1\nAnn\t1\t2\nAnn\t1\t../../etc\t1\n', (f) => `${f}:3: second name must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got "../../etc"`],
  ['a hexadecimal image number', lfwPairs, '1\nAnn\t0x1\t2\nAnn\t1\tBob\t1\n', (f) => `${f}:2: first image number must be an integer, got "0x1"`],
  ['a person in two folds of people.txt', lfwPeople, '2\n2\nAnn\t3\nBob\t2\n1\nAnn\t3\n', (f) => `${f}:6: Ann is already in fold 1 (line 3); a person belongs to one fold`],
  ['a people name with a path', lfwPeople, '1\nC:x\t2\n', (f) => `${f}:2: name must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got "C:x"`],
]);

table('PIPA: duplicate rows and numbers', 'all_data.txt', [
  ['the same head box twice in a photo', pipa, '77 1 10 10 20 20 5 1\n77 2 10 10 20 20 5 1\n77 1 10 10 20 20 6 1\n', (f) => `${f}:3: photo 77 1 has the head box 10 10 20 20 already on line 1`],
  ['an exact duplicate row', pipa, '77 1 10 10 20 20 5 1\n77 1 40 10 20 20 6 1\n77 1 40 10 20 20 6 1\n', (f) => `${f}:3: photo 77 1 has the head box 40 10 20 20 already on line 2`],
  ['one person twice in a photo', pipa, '77 1 10 10 20 20 5 1\n77 1 50 10 20 20 5 1\n', (f) => `${f}:2: photo 77 1 has identity 5 already on line 1 (a person appears once in a photo)`],
  ['a duplicate row in a split file', pipa, '77 1 10 10 20 20 5 2 0\n77 1 10 10 20 20 5 2 1\n', (f) => `${f}:2: photo 77 1 has the head box 10 10 20 20 already on line 1`],
  ['a hexadecimal coordinate', pipa, '77 1 0x10 10 20 20 5 1\n', (f) => `${f}:1: head x must be an integer, got "0x10"`],
  ['a decimal coordinate', pipa, '77 1 10 10.5 20 20 5 1\n', (f) => `${f}:1: head y must be an integer, got "10.5"`],
]);

const HEADER = 'split number, pair id, first name, second name, is same';
table('YTF: header guess, traversal, duplicates, numbers', 'splits.txt', [
  ['a first data row whose split is not a digit (it was taken for a header and dropped)', ytf, 'x1, 1, Ann/0, Ann/2, 1\n1, 2, Ann/0, Bob/1, 0\n', (f) => `${f}:1: split number must be an integer, got "x1"`],
  ['a first row with a blank split', ytf, ', 1, Ann/0, Ann/2, 1\n1, 2, Ann/0, Bob/1, 0\n', (f) => `${f}:1: split number must be an integer, got ""`],
  ['a header line other than the official one', ytf, 'split, pair, first, second, same\n1, 1, Ann/0, Ann/2, 1\n', (f) => `${f}:1: split number must be an integer, got "split"`],
  ['the official header anywhere but line 1', ytf, `1, 1, Ann/0, Ann/2, 1\n${HEADER}\n`, (f) => `${f}:2: split number must be an integer, got "split number"`],
  ['`..` as a name', ytf, '1, 1, ../0, ../2, 1\n', (f) => `${f}:1: first video's name must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got ".."`],
  ['`..` as a video', ytf, '1, 1, Ann/0, Ann/.., 1\n', (f) => `${f}:1: second video's video must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got ".."`],
  ['`.` as a video', ytf, '1, 1, Ann/., Ann/2, 1\n', (f) => `${f}:1: first video's video must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got "."`],
  ['a Windows path in a video', ytf, '1, 1, Ann/..\\..\\x, Ann/2, 1\n', (f) => `${f}:1: first video's video must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got "..\\\\..\\\\x"`],
  ['a drive prefix', ytf, '1, 1, C:/0, C:/2, 1\n', (f) => `${f}:1: first video's name must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got "C:"`],
  ['an absolute path', ytf, '1, 1, /etc/passwd, Ann/2, 1\n', (f) => `${f}:1: first video must be \`Name/video\`, got "/etc/passwd"`],
  ['a video paired with itself', ytf, '1, 1, Ann/0, Ann/0, 1\n', (f) => `${f}:1: pairs video Ann/0 with itself`],
  ['a video pair twice in a split (reversed)', ytf, '1, 1, Ann/0, Ann/2, 1\n1, 2, Ann/2, Ann/0, 1\n', (f) => `${f}:2: videos Ann/2 and Ann/0 are already paired in split 1 on line 1`],
  ['a hexadecimal pair id', ytf, '1, 0x1, Ann/0, Ann/2, 1\n', (f) => `${f}:1: pair id must be an integer, got "0x1"`],
]);

table('YTF labeled faces: numbers', 'Ann.labeled_faces.txt', [
  ['a hexadecimal width', ytfFaces, 'Ann\\0\\0.1.jpg,0,100,80,0x10,50,0.0,1\n', (f) => `${f}:1: face width must be a decimal number, got "0x10" (hexadecimal, octal and binary forms are not read)`],
  ['an infinite centre', ytfFaces, 'Ann\\0\\0.1.jpg,0,100,80,40,50,0.0,1\nAnn\\0\\0.2.jpg,0,1e400,80,40,50,0.0,1\n', (f) => `${f}:2: face centre x must be a finite number, got "1e400"`],
]);

const SFC = 'identity,image,timestamp\n';
const SFC_BOX = 'identity,image,timestamp,x,y,width,height\n';
table('SFC: duplicate rows, dates, numbers', 'manifest.csv', [
  ['a repeated row (fast path)', sfc, `${SFC}ann,a.jpg,1\nbob,b.jpg,2\nann,a.jpg,1\n`, (f) => `${f}:4: image "a.jpg" is already on line 2 (a repeated image could land in both the train and the test split)`],
  ['a repeated image with another time (careful path)', sfc, `${SFC}ann,a.jpg,1\n\nann,a.jpg,2014-06-01T00:00:00Z\n`, (f) => `${f}:4: image "a.jpg" is already on line 2 (a repeated image could land in both the train and the test split)`],
  ['one image under two identities', sfc, `${SFC}ann,a.jpg,1\nbob,a.jpg,1\n`, (f) => `${f}:3: image "a.jpg" is already on line 2 as identity "ann", here "bob" (one image cannot be two people)`],
  ['a repeated row in a box manifest', sfc, `${SFC_BOX}ann,a.jpg,1,1,2,3,4\nann,a.jpg,1,,,,\n`, (f) => `${f}:3: image "a.jpg" is already on line 2 (a repeated image could land in both the train and the test split)`],
  ['30 February', sfc, `${SFC}ann,a.jpg,2014-02-30T00:00:00Z\n`, (f) => `${f}:2: timestamp "2014-02-30T00:00:00Z" is not a valid date-time: day 30 is not a day of February 2014 (01..28)`],
  ['29 February of a common year', sfc, `${SFC}ann,a.jpg,1900-02-29T12:00Z\n`, (f) => `${f}:2: timestamp "1900-02-29T12:00Z" is not a valid date-time: day 29 is not a day of February 1900 (01..28)`],
  ['31 April', sfc, `${SFC}ann,a.jpg,1\nann,b.jpg,2014-04-31T12:00:00+02:00\n`, (f) => `${f}:3: timestamp "2014-04-31T12:00:00+02:00" is not a valid date-time: day 31 is not a day of April 2014 (01..30)`],
  ['day 00', sfc, `${SFC}ann,a.jpg,2014-04-00T12:00:00Z\n`, (f) => `${f}:2: timestamp "2014-04-00T12:00:00Z" is not a valid date-time: day 00 is not a day of April 2014 (01..30)`],
  ['month 13', sfc, `${SFC}ann,a.jpg,2014-13-01T00:00:00Z\n`, (f) => `${f}:2: timestamp "2014-13-01T00:00:00Z" is not a valid date-time: month 13 is not 01..12`],
  ['hour 24', sfc, `${SFC}ann,a.jpg,2014-02-28T24:00:00Z\n`, (f) => `${f}:2: timestamp "2014-02-28T24:00:00Z" is not a valid date-time: hour 24 is not 00..23`],
  ['minute 60', sfc, `${SFC}ann,a.jpg,2014-02-28T23:60:00Z\n`, (f) => `${f}:2: timestamp "2014-02-28T23:60:00Z" is not a valid date-time: minute 60 is not 00..59`],
  ['second 60', sfc, `${SFC}ann,a.jpg,2016-12-31T23:59:60Z\n`, (f) => `${f}:2: timestamp "2016-12-31T23:59:60Z" is not a valid date-time: second 60 is not 00..59 (leap seconds have no Unix time)`],
  ['a zone offset of 25 hours', sfc, `${SFC}ann,a.jpg,2014-02-28T23:00:00+25:00\n`, (f) => `${f}:2: timestamp "2014-02-28T23:00:00+25:00" is not a valid date-time: zone offset +25:00 is not a time of day`],
  ['a date without a time', sfc, `${SFC}ann,a.jpg,2014-02-28\n`, (f) => `${f}:2: timestamp must be Unix seconds or an ISO 8601 date-time with a zone, got "2014-02-28"`],
  ['a hexadecimal timestamp', sfc, `${SFC}ann,a.jpg,0x10\n`, (f) => `${f}:2: timestamp must be Unix seconds or an ISO 8601 date-time with a zone, got "0x10"`],
  ['an infinite timestamp', sfc, `${SFC}ann,a.jpg,1e400\n`, (f) => `${f}:2: timestamp "1e400" is too large`],
  ['a box of 1e39 (Infinity as float32)', sfc, `${SFC_BOX}ann,a.jpg,1,1e39,2,3,4\n`, (f) => `${f}:2: box x,y,width,height must fit 32-bit floats (|v| < 3.4e38), got "1e39,2,3,4"`],
  ['a hexadecimal box', sfc, `${SFC_BOX}ann,a.jpg,1,0x10,2,3,4\n`, (f) => `${f}:2: box x,y,width,height must be decimal numbers, got "0x10,2,3,4" (hexadecimal, octal and binary forms are not read)`],
  ['a box spelt Infinity', sfc, `${SFC_BOX}ann,a.jpg,1,1,2,Infinity,4\n`, (f) => `${f}:2: box x,y,width,height must be 4 finite numbers or all empty, got "1,2,Infinity,4"`],
]);

describe('SFC duplicates with badRows: skip', () => {
  it('drops the repeated rows, counts them, and no image ends up in both train and test', () => {
    // Without the check, ann's a.jpg (rows 1 and 4) would be ann's oldest and newest image: one copy train, one test.
    const rows = ['ann,a.jpg,100', 'ann,b.jpg,200', 'ann,c.jpg,300', 'ann,a.jpg,400', 'bob,x.jpg,1', 'bob,y.jpg,2', 'cy,x.jpg,3'];
    const file = t.write('sfc-skip/m.csv', SFC + rows.join('\n') + '\n');
    const m = readSfcManifest(file, { badRows: 'skip' });
    expect(m.rows).toBe(5);
    expect(m.skipped.count).toBe(2);
    expect(m.skipped.examples).toEqual([
      `${file}:5: image "a.jpg" is already on line 2 (a repeated image could land in both the train and the test split)`,
      `${file}:8: image "x.jpg" is already on line 6 as identity "bob", here "cy" (one image cannot be two people)`,
    ]);
    expect(m.identities).toEqual(['ann', 'bob']); // cy had only the refused row
    const split = sfcTimeSplit(m, { testFraction: 0.4 });
    const train = new Set(m.images(split.train));
    expect(m.images(split.test).filter((image) => train.has(image))).toEqual([]);
  });

  it('tells apart images whose 32-bit hashes collide (bytes are compared, not only hashes)', () => {
    // c/09pf8.jpg and c/0arj6.jpg have the same length and the same FNV-1a hash (1166823595).
    const file = t.write('sfc-collide/m.csv', `${SFC}ann,c/09pf8.jpg,1\nann,c/0arj6.jpg,2\nbob,c/09pf9.jpg,3\nbob,c/0arj7.jpg,4.5\n`);
    const m = readSfcManifest(file);
    expect(m.images([0, 1, 2, 3])).toEqual(['c/09pf8.jpg', 'c/0arj6.jpg', 'c/09pf9.jpg', 'c/0arj7.jpg']);
    writeFileSync(file, `${SFC}ann,c/09pf8.jpg,1\nann,c/0arj6.jpg,2\nann,c/0arj6.jpg,3\n`);
    expect(errorOf(() => readSfcManifest(file))?.message).toBe(`${file}:4: image "c/0arj6.jpg" is already on line 3 (a repeated image could land in both the train and the test split)`);
  });

  it('refuses every repeat among many rows, whatever the chunk size, and keeps the boxes of the rows left', () => {
    const n = 50_000;
    const lines = Array.from({ length: n }, (_, i) => `p${i % 97},f/${i}.jpg,${i}`);
    const file = t.write('sfc-many/m.csv', SFC + lines.join('\n') + '\n' + lines.slice(0, 1000).join('\n') + '\n');
    for (const chunkBytes of [4096, 8 << 20]) {
      const m = readSfcManifest(file, { badRows: 'skip', chunkBytes });
      expect([m.rows, m.skipped.count]).toEqual([n, 1000]);
      expect([m.timestamp[0], m.timestamp[n - 1]]).toEqual([0, n - 1]);
    }
    const boxes = t.write('sfc-many/boxes.csv', `${SFC_BOX}a,1.jpg,1,1,1,1,1\na,2.jpg,2,2,2,2,2\na,1.jpg,3,3,3,3,3\nb,3.jpg,4,,,,\nb,4.jpg,5,5,5,5,5\n`);
    const m = readSfcManifest(boxes, { badRows: 'skip' });
    expect([m.rows, m.skipped.count, [...m.timestamp]]).toEqual([4, 1, [1, 2, 4, 5]]);
    expect([...m.box!].map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, 1, 1, 1, 2, 2, 2, 2, null, null, null, null, 5, 5, 5, 5]);
  });

  it('finds repeats among 300,000 rows (the check partitions large manifests in rounds)', () => {
    const n = 300_000;
    const lines = Array.from({ length: n }, (_, i) => `p${i % 1013},faces/${i % 1013}/${i}.jpg,${i}`);
    // Three repeats far apart: the last row repeats the first, two in the middle repeat each other's neighbours.
    lines.push(lines[0]!, lines[150_000]!.replace(/,\d+$/, ',7'), lines[299_999]!);
    const file = t.write('sfc-rounds/m.csv', SFC + lines.join('\n') + '\n');
    const m = readSfcManifest(file, { badRows: 'skip' });
    expect([m.rows, m.skipped.count]).toEqual([n, 3]);
    expect(m.skipped.examples).toEqual([
      `${file}:${n + 2}: image "faces/0/0.jpg" is already on line 2 (a repeated image could land in both the train and the test split)`,
      `${file}:${n + 3}: image "faces/${150_000 % 1013}/150000.jpg" is already on line ${150_002} (a repeated image could land in both the train and the test split)`,
      `${file}:${n + 4}: image "faces/${299_999 % 1013}/299999.jpg" is already on line ${300_001} (a repeated image could land in both the train and the test split)`,
    ]);
    expect(errorOf(() => readSfcManifest(file))?.message).toBe(m.skipped.examples[0]);
  });
});

describe('SFC ISO timestamps: strict, and equal to Date where Date is right', () => {
  it('reads valid date-times exactly as Date.parse does', () => {
    for (const text of ['2014-06-01T12:00:00Z', '2014-06-01T12:00Z', '2016-02-29T23:59:59.999Z', '2000-02-29T00:00:00+02:00', '1969-12-31T23:59:59.5-05:30', '0001-01-01T00:00:00Z', '2014-06-01T12:00:00+0130', '1900-03-01T00:00:00Z']) {
      expect(parseIsoSeconds(text)).toBe(Date.parse(text) / 1000);
    }
  });
  it('refuses every impossible day that Date.parse rolls over into the next month', () => {
    for (let year = 1999; year <= 2001; year++) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 28; day <= 31; day++) {
          const text = `${year}-${String(month).padStart(2, '0')}-${day}T00:00:00Z`;
          const rolled = new Date(Date.parse(text)).getUTCDate() !== day;
          expect(typeof parseIsoSeconds(text)).toBe(rolled ? 'string' : 'number');
        }
      }
    }
  });
});

describe('YtfFrames refuses names that leave the frame folder', () => {
  it('throws for `..`, separators and drive prefixes, before touching the disk', () => {
    const root = t.write('ytf-frames/frame_images_DB/Ann/0/0.1.jpg', 'x').replace(/\/Ann\/0\/0\.1\.jpg$/, '');
    const frames = new YtfFrames(root);
    expect(frames.frames({ name: 'Ann', video: '0' })).toHaveLength(1);
    for (const video of [{ name: '..', video: 'x' }, { name: 'Ann', video: '..' }, { name: 'Ann', video: '../../x' }, { name: 'C:', video: '0' }]) {
      expect(() => frames.frames(video)).toThrow(/^YtfFrames: video (name|number) must be a plain folder name/);
    }
    expect(() => frames.faceBoxes('../Ann')).toThrow(/^YtfFrames: person name must be a plain folder name, got "\.\.\/Ann"/);
  });
});

describe('SFC reader: reservation follows the rows, not the bytes', () => {
  const MiB = 1 << 20;
  /** Bytes of typed-array storage behind a manifest's columns. */
  const reserved = (m: ReturnType<typeof readSfcManifest>): number =>
    [m.identity, m.timestamp, m.imageOffset, m.imageLength, m.box].reduce((sum, a) => sum + (a ? a.buffer.byteLength : 0), 0);

  it('a 20 MB file of newlines reserves a few hundred bytes of columns; the process grows by less than a 16 MiB cap (8 MiB of it the read buffer)', () => {
    // Before: ~24 bytes per file byte for blank lines: 20 M × 24 B ≈ 490 MiB (a 200 MB file: 4.9 GB).
    const file = join(t.dir, 'newlines.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, SFC + 'ann,a.jpg,1\n');
    const newlines = Buffer.alloc(MiB, 10);
    for (let k = 0; k < 20; k++) writeSync(fd, newlines);
    writeSync(fd, 'bob,b.jpg,2\n');
    closeSync(fd);
    // In a child process with the collector at hand, so that other tests' garbage neither adds nor subtracts.
    const script = join(t.dir, 'newlines-child.mts');
    writeFileSync(
      script,
      `import { readSfcManifest } from ${JSON.stringify(pathToFileURL(join(HERE, 'sfc.ts')).href)};
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const before = process.memoryUsage();
const m = readSfcManifest(${JSON.stringify(file)}, { progress: false });
const after = process.memoryUsage();
const columns = [m.identity, m.timestamp, m.imageOffset, m.imageLength].reduce((sum, a) => sum + a.buffer.byteLength, 0);
console.log(JSON.stringify({ rows: m.rows, images: m.images([0, 1]), columns, growth: after.arrayBuffers - before.arrayBuffers + after.heapUsed - before.heapUsed }));
`,
    );
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: join(HERE, '..'), encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; images: string[]; columns: number; growth: number };
    const CAP = 16 * MiB;
    console.info(`[datasets] 20 MiB of newlines: columns ${r.columns} B, arrayBuffers + heap growth ${(r.growth / MiB).toFixed(1)} MiB (cap ${CAP / MiB} MiB; before the fix ~490 MiB)`);
    expect(r.rows).toBe(2);
    expect(r.images).toEqual(['a.jpg', 'b.jpg']);
    expect(r.columns).toBeLessThan(1024);
    expect(r.growth).toBeLessThan(CAP);
  });

  it('reserves exactly one row per non-blank line, however many blank lines follow', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `p${i % 7},img/${i}.jpg,${i}`);
    const file = join(t.dir, 'rows-then-blanks.csv');
    writeFileSync(file, SFC + rows.join('\r\n') + '\r\n' + '\r\n'.repeat(2 * MiB));
    const m = readSfcManifest(file);
    expect(m.rows).toBe(1000);
    expect(m.identity.buffer.byteLength).toBe(1000 * 4);
    expect(reserved(m)).toBe(1000 * 24); // identity 4 + timestamp 8 + image offset 8 + length 4
  });
});

describe.skipIf(missingDataset('lfw') || missingDataset('ytf') || missingDataset('pipa'))('the published LFW, YTF and PIPA files have none of these faults (../shared/datasets)', { timeout: 30_000 }, () => {
  it('LFW pair and people files parse (no duplicate pairs, no person in two folds)', () => {
    for (const name of ['pairs.txt', 'pairsDevTrain.txt', 'pairsDevTest.txt']) expect(lfwPairs(join(DATASETS, 'lfw', name)).folds.flat().length).toBeGreaterThan(0);
    for (const name of ['people.txt', 'peopleDevTrain.txt', 'peopleDevTest.txt', 'lfw-names.txt']) expect(lfwPeople(join(DATASETS, 'lfw', name)).folds.length).toBeGreaterThan(0);
  });
  it('YTF splits.txt parses: no header line, its first row kept', () => {
    const pairs = ytf(join(DATASETS, 'ytf', 'splits.txt'));
    expect(pairs).toHaveLength(5000);
    expect(pairs[0]!.line).toBe(1);
  });
  it('PIPA annotation files parse (no repeated head box or person in a photo)', () => {
    expect(pipa(join(DATASETS, 'pipa', 'all_data.txt'))).toHaveLength(63188);
    expect(pipa(join(DATASETS, 'pipa', 'split_test_original.txt'))).toHaveLength(12886);
  });
});
