import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFormatError } from './errors';
import { mulberry32 } from './rng';
import {
  readSfcManifest,
  SFC_IDENTITY_SUBSETS,
  sfcFractionSubset,
  sfcIdentitySubset,
  sfcTestCount,
  sfcTimeSplit,
  SfcWriter,
  writeSfcManifest,
  type SfcRow,
} from './sfc';
import { tempDir } from './test-helpers';

const t = tempDir('deepface-sfc-');
afterAll(t.cleanup);

/** Random rows: `ids` identities with 1..maxPer images, timestamps from a small range so ties happen. */
function randomRows(seed: number, ids: number, maxPer: number, shuffled: boolean): SfcRow[] {
  const rng = mulberry32(seed);
  const rows: SfcRow[] = [];
  for (let i = 0; i < ids; i++) {
    const n = 1 + rng.int(maxPer);
    for (let k = 0; k < n; k++) rows.push({ identity: `person_${i}`, image: `p${i}/img_${k}.jpg`, timestamp: 1_400_000_000 + rng.int(50) });
  }
  if (shuffled) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
  }
  return rows;
}

/** Plain reference for the time split: objects, a full sort per identity (latest time, then latest row, first). */
function referenceTimeSplit(rows: SfcRow[], fraction: number): Set<number> {
  const byId = new Map<string, number[]>();
  rows.forEach((r, i) => byId.set(r.identity, [...(byId.get(r.identity) ?? []), i]));
  const test = new Set<number>();
  for (const list of byId.values()) {
    const sorted = [...list].sort((a, b) => (rows[b]!.timestamp as number) - (rows[a]!.timestamp as number) || b - a);
    const k = list.length < 2 ? 0 : Math.min(list.length - 1, Math.max(1, Math.round(fraction * list.length)));
    for (const r of sorted.slice(0, k)) test.add(r);
  }
  return test;
}

describe('SFC writer + reader', () => {
  it('round-trips rows, boxes, ISO timestamps and UTF-8 names', () => {
    const file = join(t.dir, 'rt.csv');
    writeSfcManifest(
      file,
      [
        { identity: 'Zoë', image: 'a/1.jpg', timestamp: 1.5, box: { x: 1, y: 2, width: 3, height: 4 } },
        { identity: 'Bob', image: 's3://bucket/b 2.jpg', timestamp: new Date('2014-01-01T00:00:00Z') },
        { identity: 'Zoë', image: 'a/2.jpg', timestamp: -7 },
      ],
      { boxes: true },
    );
    expect(readFileSync(file, 'utf8')).toBe('identity,image,timestamp,x,y,width,height\nZoë,a/1.jpg,1.5,1,2,3,4\nBob,s3://bucket/b 2.jpg,1388534400,,,,\nZoë,a/2.jpg,-7,1,2,3,4\n'.replace('-7,1,2,3,4', '-7,,,,'));
    const m = readSfcManifest(file);
    expect(m.rows).toBe(3);
    expect(m.identities).toEqual(['Zoë', 'Bob']);
    expect([...m.identity]).toEqual([0, 1, 0]);
    expect([...m.timestamp]).toEqual([1.5, 1388534400, -7]);
    expect([...m.box!.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(Number.isNaN(m.box![4])).toBe(true);
    expect(m.images([2, 1, 0])).toEqual(['a/2.jpg', 's3://bucket/b 2.jpg', 'a/1.jpg']);
    expect(m.imagePath(0)).toBe(join(t.dir, 'a', '1.jpg'));
    expect(m.imagePath(1)).toBe('s3://bucket/b 2.jpg');
    writeFileSync(file, 'identity,image,timestamp\r\nann,x.jpg,2014-06-01T12:00:00+02:00\r\nann,y.jpg,2014-06-01T10:00:00Z');
    const iso = readSfcManifest(file);
    expect([...iso.timestamp]).toEqual([Date.UTC(2014, 5, 1, 10) / 1000, Date.UTC(2014, 5, 1, 10) / 1000]);
    expect(iso.image(1)).toBe('y.jpg');
  });

  it('reads CRLF, negative, long and decimal timestamps exactly (fast and careful paths agree)', () => {
    const file = join(t.dir, 'numbers.csv');
    writeFileSync(file, 'identity,image,timestamp\r\na,1.jpg,0\r\nb,2.jpg,-1234567890\r\na,3.jpg,999999999999999\r\na,4.jpg,1234567890123456\r\nb,5.jpg,1.25\nb,6.jpg,17');
    const m = readSfcManifest(file);
    expect([...m.timestamp]).toEqual([0, -1234567890, 999999999999999, 1234567890123456, 1.25, 17]);
    expect([...m.identity]).toEqual([0, 1, 0, 0, 1, 1]);
    expect(m.images([0, 3, 5])).toEqual(['1.jpg', '4.jpg', '6.jpg']);
  });

  it('reads the same columns whatever the chunk size (rows cut across chunk boundaries)', () => {
    const rows = randomRows(3, 40, 30, true);
    const file = join(t.dir, 'chunks.csv');
    writeSfcManifest(file, rows);
    const big = readSfcManifest(file);
    for (const chunkBytes of [7, 64, 1000]) {
      const small = readSfcManifest(file, { chunkBytes });
      expect([...small.identity]).toEqual([...big.identity]);
      expect([...small.timestamp]).toEqual([...big.timestamp]);
      expect(small.images([0, 5, rows.length - 1])).toEqual([rows[0]!.image, rows[5]!.image, rows.at(-1)!.image]);
    }
    expect(big.rows).toBe(rows.length);
    expect(big.identities.length).toBe(40);
    expect(big.identity.every((id, r) => big.identities[id] === rows[r]!.identity)).toBe(true);
  });

  it('writes atomically: abort or a bad row leaves the old file untouched and no temp file', () => {
    const file = join(t.dir, 'atomic.csv');
    writeSfcManifest(file, [{ identity: 'a', image: 'old.jpg', timestamp: 1 }]);
    const before = readFileSync(file, 'utf8');
    const w = new SfcWriter(file);
    w.write({ identity: 'a', image: 'new.jpg', timestamp: 2 });
    expect(readFileSync(file, 'utf8')).toBe(before);
    w.abort();
    expect(() => writeSfcManifest(file, [{ identity: 'b', image: 'x.jpg', timestamp: 3 }, { identity: 'b,c', image: 'y.jpg', timestamp: 4 }])).toThrow(
      /SFC row 2: identity must not contain a comma or a line break, got "b,c"/,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => writeSfcManifest(join(t.dir, 'q.csv'), [{ identity: '"a"', image: 'x', timestamp: 1 }])).toThrow(/SFC row 1: identity must not start with a double quote/);
    expect(() => writeSfcManifest(join(t.dir, 'nan.csv'), [{ identity: 'a', image: 'x', timestamp: Number.NaN }])).toThrow(/SFC row 1: timestamp must be a finite number/);
    expect(() => writeSfcManifest(join(t.dir, 'box.csv'), [{ identity: 'a', image: 'x', timestamp: 1, box: { x: 0, y: 0, width: 1, height: 1 } }])).toThrow(/opened without \{ boxes: true \}/);
    expect(existsSync(join(t.dir, 'nan.csv'))).toBe(false);
  });

  const bad: [string, string, RegExp][] = [
    ['an empty file', '', /^F: file is empty \(expected the header "identity,image,timestamp"\)/],
    ['a missing header', 'ann,a.jpg,1\n', /^F:1: first line must be the header "identity,image,timestamp" or "identity,image,timestamp,x,y,width,height", got "ann,a\.jpg,1"/],
    ['a row with 2 fields', 'identity,image,timestamp\nann,a.jpg,1\nann,b.jpg\n', /^F:3: expected 3 comma-separated fields, found 2/],
    ['a row with 4 fields', 'identity,image,timestamp\nann,a.jpg,1,9\n', /^F:2: expected 3 comma-separated fields `identity,image,timestamp`, found more/],
    ['an empty identity', 'identity,image,timestamp\n,a.jpg,1\n', /^F:2: identity is empty/],
    ['quoted fields', 'identity,image,timestamp\n"ann","a.jpg",1\n', /^F:2: fields must not be quoted/],
    ['a quoted image', 'identity,image,timestamp\nann,"a.jpg",1\n', /^F:2: fields must not be quoted/],
    ['a header with spaces', 'identity, image, timestamp\nann,a.jpg,1\n', /^F:1: first line must be the header/],
    ['a tab-separated file', 'identity\timage\ttimestamp\nann\ta.jpg\t1\n', /^F:1: first line must be the header/],
    ['an empty image', 'identity,image,timestamp\n\nann,,1\n', /^F:3: image is empty/],
    ['a bad timestamp', 'identity,image,timestamp\nann,a.jpg,yesterday\n', /^F:2: timestamp must be Unix seconds or an ISO 8601 date-time with a zone, got "yesterday"/],
    ['an ISO time without a zone', 'identity,image,timestamp\nann,a.jpg,2014-06-01T12:00:00\n', /^F:2: timestamp must be .* got "2014-06-01T12:00:00"/],
    ['a half box', 'identity,image,timestamp,x,y,width,height\nann,a.jpg,1,1,2,,\n', /^F:2: box x,y,width,height must be 4 finite numbers or all empty, got "1,2,,"/],
    ['a negative box width', 'identity,image,timestamp,x,y,width,height\nann,a.jpg,1,1,2,-3,4\n', /^F:2: box width and height must be positive, got -3×4/],
    ['a box row with 5 fields', 'identity,image,timestamp,x,y,width,height\nann,a.jpg,1,1,2\n', /^F:2: expected 7 comma-separated fields, found 5/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what} as file:line`, () => {
      const file = join(t.dir, 'F');
      writeFileSync(file, text);
      let error: unknown;
      try {
        readSfcManifest(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatasetFormatError);
      expect((error as Error).message.replace(file, 'F')).toMatch(message);
    });
  }

  it('skips bad rows when asked, counting them with their messages', () => {
    const file = join(t.dir, 'skip.csv');
    writeFileSync(file, 'identity,image,timestamp\nann,a.jpg,1\nann,b.jpg,x\nbob\nbob,c.jpg,3\n');
    const m = readSfcManifest(file, { badRows: 'skip' });
    expect(m.rows).toBe(2);
    expect(m.images([0, 1])).toEqual(['a.jpg', 'c.jpg']);
    expect(m.skipped.count).toBe(2);
    expect(m.skipped.examples).toEqual([`${file}:3: timestamp must be Unix seconds or an ISO 8601 date-time with a zone, got "x"`, `${file}:4: expected 3 comma-separated fields, found 1`]);
  });

  it('names a missing file', () => {
    expect(() => readSfcManifest(join(t.dir, 'nope.csv'))).toThrow(/nope\.csv: file not found/);
  });
});

describe('SFC splits', () => {
  const rows = randomRows(11, 120, 60, true);
  const file = join(t.dir, 'split.csv');
  writeSfcManifest(file, rows);
  const m = readSfcManifest(file);

  it('sfcTestCount: 5 % rounded, at least 1 from 2 images, never all', () => {
    expect([0, 1, 2, 10, 29, 30, 100, 1000, 1200].map((n) => sfcTestCount(n, 0.05))).toEqual([0, 0, 1, 1, 1, 2, 5, 50, 60]);
  });

  it('the time split matches a plain sort-based reference, ties included', () => {
    for (const fraction of [0.05, 0.3]) {
      const split = sfcTimeSplit(m, { testFraction: fraction });
      const expected = referenceTimeSplit(rows, fraction);
      expect([...split.test]).toEqual([...expected].sort((a, b) => a - b));
      expect(split.train.length + split.test.length).toBe(rows.length);
      expect(new Set([...split.train, ...split.test]).size).toBe(rows.length);
    }
  });

  it('every test image is at least as recent as every training image of its identity', () => {
    const split = sfcTimeSplit(m);
    const latestTrain = new Map<number, number>();
    for (const r of split.train) latestTrain.set(m.identity[r]!, Math.max(latestTrain.get(m.identity[r]!) ?? -Infinity, m.timestamp[r]!));
    for (const r of split.test) expect(m.timestamp[r]!).toBeGreaterThanOrEqual(latestTrain.get(m.identity[r]!) ?? -Infinity);
  });

  it('identity subsets are seeded, nested and keep whole identities', () => {
    const split = sfcTimeSplit(m);
    const s30 = sfcIdentitySubset(m, split, 30, 5);
    const s60 = sfcIdentitySubset(m, split, 60, 5);
    expect(s30.identities).toHaveLength(30);
    expect([...s30.identities].every((id) => s60.identities.includes(id))).toBe(true);
    expect([...sfcIdentitySubset(m, split, 30, 5).identities]).toEqual([...s30.identities]);
    expect([...sfcIdentitySubset(m, split, 30, 6).identities]).not.toEqual([...s30.identities]);
    const kept = new Set(s30.identities);
    const expectedTrain = [...split.train].filter((r) => kept.has(m.identity[r]!));
    expect([...s30.train]).toEqual(expectedTrain);
    expect(s30.test.every((r) => kept.has(m.identity[r]!))).toBe(true);
    expect(sfcIdentitySubset(m, split, SFC_IDENTITY_SUBSETS['DF-4.4K'], 5).train).toHaveLength(split.train.length);
    expect(() => sfcIdentitySubset(m, split, 121)).toThrow(/count must be an integer in 1\.\.120 \(the manifest has 120 identities\), got 121/);
  });

  it('fraction subsets keep round(f·n) (≥ 1) training images per identity, nested, test unchanged', () => {
    const split = sfcTimeSplit(m);
    const perId = (rowsOf: Int32Array): Map<number, number> => {
      const c = new Map<number, number>();
      for (const r of rowsOf) c.set(m.identity[r]!, (c.get(m.identity[r]!) ?? 0) + 1);
      return c;
    };
    const full = perId(split.train);
    const f10 = sfcFractionSubset(m, split, 0.1, 3);
    const f50 = sfcFractionSubset(m, split, 0.5, 3);
    for (const [id, n] of perId(f10.train)) expect(n).toBe(Math.max(1, Math.round(0.1 * full.get(id)!)));
    expect(perId(f10.train).size).toBe(full.size);
    const in50 = new Set(f50.train);
    expect(f10.train.every((r) => in50.has(r))).toBe(true);
    expect(f10.test).toBe(split.test);
    const trainSet = new Set(split.train);
    expect(f50.train.every((r) => trainSet.has(r))).toBe(true);
    expect([...f50.train]).toEqual([...f50.train].sort((a, b) => a - b));
  });
});

describe('selectKth', () => {
  it('agrees with a full sort for every k, with ties, sorted and reversed input', async () => {
    const { selectKth } = await import('./sfc');
    const rng = mulberry32(9);
    const inputs = [
      Float64Array.from({ length: 101 }, () => rng.int(10)),
      Float64Array.from({ length: 64 }, () => rng.next()),
      Float64Array.from({ length: 50 }, (_, i) => i),
      Float64Array.from({ length: 50 }, (_, i) => -i),
      Float64Array.of(3),
    ];
    for (const input of inputs) {
      const sorted = [...input].sort((a, b) => a - b);
      for (let k = 0; k < input.length; k++) expect(selectKth(input.slice(), k)).toBe(sorted[k]);
    }
  });
});
