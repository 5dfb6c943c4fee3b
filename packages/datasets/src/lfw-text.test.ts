import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from './errors';
import { lfwImageName, parseLfwPairs, parseLfwPeople } from './lfw-text';

const pairs2x1 = ['2\t1', 'Ann\t1\t2', 'Ann\t1\tBob\t1', 'Cy\t1\t3', 'Cy\t2\tDee\t4'].join('\n');

describe('parseLfwPairs', () => {
  it('reads folds of matched then mismatched pairs (tabs or spaces, CRLF, BOM)', () => {
    const p = parseLfwPairs('\uFEFF' + pairs2x1.replace(/\n/g, '\r\n').replace('Cy\t1\t3', 'Cy 1  3') + '\r\n\r\n', 'p.txt');
    expect(p.pairsPerClass).toBe(1);
    expect(p.folds).toHaveLength(2);
    expect(p.folds[0]![0]).toMatchObject({ fold: 1, same: true, name1: 'Ann', index1: 1, name2: 'Ann', index2: 2, line: 2 });
    expect(p.folds[1]![0]).toMatchObject({ fold: 2, same: true, name1: 'Cy', index1: 1, index2: 3, line: 4 });
    expect(p.folds[1]![1]).toMatchObject({ fold: 2, same: false, name1: 'Cy', index1: 2, name2: 'Dee', index2: 4, line: 5 });
  });

  it('reads a View 1 file with a single count header', () => {
    const p = parseLfwPairs('1\nAnn 1 2\nAnn 1 Bob 1\n', 'pairsDevTest.txt');
    expect(p.folds).toHaveLength(1);
    expect(p.folds[0]!.map((x) => x.same)).toEqual([true, false]);
  });

  const bad: [string, string, RegExp][] = [
    ['empty file', '', /^p\.txt: file is empty/],
    ['header with 3 fields', '1 2 3\n', /^p\.txt:1: header must be/],
    ['non-numeric header', 'ten 300\n', /^p\.txt:1: fold count must be an integer, got "ten"/],
    ['too few lines', '2\t1\nAnn 1 2\nAnn 1 Bob 1\n', /^p\.txt:3: header declares 2 fold\(s\) × \(1 matched \+ 1 mismatched\) = 4 pair lines, but the file has 2/],
    ['too many lines', '1\nAnn 1 2\nAnn 1 Bob 1\nEve 1 2\n', /^p\.txt:4: header declares .* but the file has 3/],
    ['matched line with 4 fields', '1\nAnn 1 Bob 2\nAnn 1 Bob 1\n', /^p\.txt:2: expected a matched pair `name i j` \(3 fields\) in fold 1, got 4/],
    ['mismatched line with 3 fields', '1\nAnn 1 2\nAnn 1 2\n', /^p\.txt:3: expected a mismatched pair `name1 i name2 j` \(4 fields\) in fold 1, got 3/],
    ['image number 0', '1\nAnn 0 2\nAnn 1 Bob 1\n', /^p\.txt:2: first image number must be an integer ≥ 1, got 0/],
    ['image number not a number', '1\nAnn 1 2\nAnn 1 Bob x\n', /^p\.txt:3: second image number must be an integer, got "x"/],
    ['mismatched pair of one person', '1\nAnn 1 2\nAnn 1 Ann 3\n', /^p\.txt:3: mismatched pair names the same person twice \(Ann\)/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what} as file:line`, () => {
      let error: unknown;
      try {
        parseLfwPairs(text, 'p.txt');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message).toMatch(message);
    });
  }
});

describe('parseLfwPeople', () => {
  it('reads people.txt folds', () => {
    const p = parseLfwPeople('2\n2\nAnn\t3\nBob\t1\n1\nCy\t2\n', 'people.txt');
    expect(p.folds.map((f) => f.map((x) => `${x.name}:${x.images}`))).toEqual([['Ann:3', 'Bob:1'], ['Cy:2']]);
    expect(p.folds[1]![0]!.line).toBe(6);
  });
  it('reads a counted single list (peopleDev*) and a bare list (lfw-names)', () => {
    expect(parseLfwPeople('2\nAnn 3\nBob 1\n').folds[0]).toHaveLength(2);
    expect(parseLfwPeople('Ann 3\nBob 1\n').folds[0]).toHaveLength(2);
  });
  const bad: [string, string, RegExp][] = [
    ['empty file', '\n\n', /^people\.txt: file is empty/],
    ['fold shorter than declared', '2\n2\nAnn 3\n1\nCy 2\n', /^people\.txt:4: fold 1 declares 2 people but has 1/],
    ['missing fold', '3\n1\nAnn 3\n1\nCy 2\n', /^people\.txt:5: expected the person count of fold 3 of 3, got end of file/],
    ['line with 3 fields', '1\nAnn 3 x\n', /^people\.txt:2: expected `name imageCount` \(2 fields\), got 3/],
    ['zero images', 'Ann 0\n', /^people\.txt:1: image count must be an integer ≥ 1, got 0/],
    ['duplicate person', '2\nAnn 1\nAnn 2\n', /^people\.txt:3: Ann is listed twice in fold 1/],
    ['extra lines after the folds', '1\nAnn 1\nBob 1\n', /^people\.txt:3: unexpected line after the last declared fold/],
    ['count line in a bare list', 'Ann 1\n4\n', /^people\.txt:2: unexpected count line "4"/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what} as file:line`, () => {
      expect(() => parseLfwPeople(text, 'people.txt')).toThrow(message);
    });
  }
});

describe('lfwImageName', () => {
  it('pads the image number to 4 digits', () => {
    expect(lfwImageName('George_W_Bush', 7)).toBe('George_W_Bush/George_W_Bush_0007.jpg');
    expect(lfwImageName('George_W_Bush', 530)).toBe('George_W_Bush/George_W_Bush_0530.jpg');
  });
});
