import { describe, expect, it } from 'vitest';
import { parsePairsCsv, PairsFileError, splitCsvLine } from './pairs-csv';

const parse = (text: string) => parsePairsCsv(text, 'p.csv', '/photos');

describe('splitCsvLine', () => {
  it.each([
    ['a.jpg,b.jpg', ['a.jpg', 'b.jpg']],
    [' a.jpg , b.jpg ,1', ['a.jpg', 'b.jpg', '1']],
    ['"x, y.jpg",b.jpg', ['x, y.jpg', 'b.jpg']],
    ['"say ""hi"".jpg",b', ['say "hi".jpg', 'b']],
    ['a,,b', ['a', '', 'b']],
  ])('%j → %j', (line, fields) => expect(splitCsvLine(line)).toEqual(fields));
  it('an unclosed quote is undefined', () => expect(splitCsvLine('"a,b')).toBeUndefined());
});

describe('parsePairsCsv', () => {
  it('reads pairs, resolves paths from the CSV folder, reads every label spelling', () => {
    const r = parse('a,b,same\nx.jpg,y.jpg,1\n/abs/z.jpg,w.jpg,no\nq.jpg,r.jpg,TRUE\ns.jpg,t.jpg,0\n\n# a comment\nu.jpg,v.jpg,yes\n');
    expect(r.errors).toEqual([]);
    expect(r.labelled).toBe(true);
    expect(r.pairs).toEqual([
      { a: '/photos/x.jpg', b: '/photos/y.jpg', same: true, line: 2 },
      { a: '/abs/z.jpg', b: '/photos/w.jpg', same: false, line: 3 },
      { a: '/photos/q.jpg', b: '/photos/r.jpg', same: true, line: 4 },
      { a: '/photos/s.jpg', b: '/photos/t.jpg', same: false, line: 5 },
      { a: '/photos/u.jpg', b: '/photos/v.jpg', same: true, line: 8 },
    ]);
  });

  it('takes the columns in any order and without labels', () => {
    const r = parse('b,a\r\n2.jpg,1.jpg\r\n');
    expect(r.labelled).toBe(false);
    expect(r.pairs).toEqual([{ a: '/photos/1.jpg', b: '/photos/2.jpg', same: undefined, line: 2 }]);
  });

  // One bad row per case: reported as file:line, skipped, the good rows kept.
  it.each([
    ['x.jpg,y.jpg,maybe', /^p\.csv:3: "same" must be 1\/0, yes\/no or true\/false, got "maybe"$/],
    ['x.jpg,y.jpg', /^p\.csv:3: 2 fields, the header has 3$/],
    ['x.jpg,y.jpg,1,extra', /^p\.csv:3: 4 fields, the header has 3$/],
    [',y.jpg,1', /^p\.csv:3: empty path in column "a"$/],
    ['x.jpg,,0', /^p\.csv:3: empty path in column "b"$/],
    ['"x.jpg,y.jpg,1', /^p\.csv:3: unclosed quote$/],
  ])('bad row %j', (row, message) => {
    const r = parse(`a,b,same\nok1.jpg,ok2.jpg,1\n${row}\nok3.jpg,ok4.jpg,0\n`);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.pairs.map((p) => p.line)).toEqual([2, 4]);
  });

  it.each([
    ['', /p\.csv: empty file/],
    ['\n\n', /p\.csv: empty file/],
    ['left,right\nx,y\n', /p\.csv:1: the header must name columns "a" and "b"/],
    ['a,b,a\nx,y,z\n', /p\.csv:1: column "a" appears twice/],
    ['"a,b\n', /p\.csv:1: unclosed quote in the header/],
  ])('bad header %j is fatal', (text, message) => {
    expect(() => parse(text)).toThrow(PairsFileError);
    expect(() => parse(text)).toThrow(message);
  });
});
