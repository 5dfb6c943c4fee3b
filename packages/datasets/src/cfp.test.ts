import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCfp, parseCfpFiducials, parseCfpPairFile, type CfpDataset } from './cfp';
import { DATASETS, missingDataset, tempDir } from './test-helpers';

/** The tiny CFP's protocol is not the published 10 × (350 + 350): only check that its folds agree. */
const TINY = { protocolShape: null };

/** A tiny CFP: 2 people × (2 frontal + 1 profile), one fold of each protocol. */
function writeTinyCfp(write: (rel: string, c: string) => string, imagesPrefix = 'Data/Images/'): void {
  for (const id of ['001', '002']) {
    for (const n of ['01', '02']) write(`${imagesPrefix}${id}/frontal/${n}.jpg`, 'x');
    write(`${imagesPrefix}${id}/profile/01.jpg`, 'x');
    write(`Data/Fiducials/${id}/frontal/01.txt`, Array.from({ length: 30 }, (_, i) => `${i}.5,${i * 2}`).join('\n') + '\n');
  }
  write('Data/list_name.txt', 'Ann\nBob\n');
  write('Protocol/Pair_list_F.txt', '1 ../Data/Images/001/frontal/01.jpg\n2 ../Data/Images/001/frontal/02.jpg\n3 ../Data/Images/002/frontal/01.jpg\n4 ../Data/Images/002/frontal/02.jpg\n');
  write('Protocol/Pair_list_P.txt', '1 ../Data/Images/001/profile/01.jpg\n2 ../Data/Images/002/profile/01.jpg\n');
  write('Protocol/Split/FF/01/same.txt', '1,2\n3,4\n');
  write('Protocol/Split/FF/01/diff.txt', '1,3\n');
  write('Protocol/Split/FP/01/same.txt', '1,1\n');
  write('Protocol/Split/FP/01/diff.txt', '4,1\n');
}

describe('CFP on synthetic folders', () => {
  const t = tempDir();
  afterAll(t.cleanup);

  it('reads lists, folds and fiducials, also when images sit under train/ and test/', () => {
    writeTinyCfp(t.write, 'Data/Images/train/');
    const cfp = loadCfp(t.dir, TINY);
    expect(cfp.names).toEqual(['Ann', 'Bob']);
    expect(cfp.frontal[2]).toMatchObject({ index: 3, identity: 2, pose: 'frontal', number: 1, path: join(t.dir, 'Data/Images/train/002/frontal/01.jpg') });
    expect(cfp.folds.FF[0]!.map((p) => [p.same, p.first.index, p.second.index])).toEqual([
      [true, 1, 2],
      [true, 3, 4],
      [false, 1, 3],
    ]);
    expect(cfp.folds.FP[0]![1]).toMatchObject({ same: false, first: { identity: 2 }, second: { identity: 1, pose: 'profile' } });
    const f = cfp.fiducials(cfp.frontal[0]!);
    expect(f).toHaveLength(60);
    expect([f[0], f[1], f[58], f[59]]).toEqual([0.5, 0, 29.5, 58]);
    const folds = [...cfp.protocol('FF')];
    expect(folds.map((x) => [x.fold, x.train.length, x.test.length])).toEqual([[1, 0, 3]]);
  });

  it('reports a same pair of two identities, and an index past the list, as file:line', () => {
    const bad = tempDir();
    try {
      writeTinyCfp(bad.write);
      bad.write('Protocol/Split/FF/01/same.txt', '1,2\n1,3\n');
      expect(() => loadCfp(bad.dir, TINY)).toThrow(`${join(bad.dir, 'Protocol/Split/FF/01/same.txt')}:2: a same pair joins identities 1 and 2`);
      bad.write('Protocol/Split/FF/01/same.txt', '1,2\n');
      bad.write('Protocol/Split/FP/01/diff.txt', '4,3\n');
      expect(() => loadCfp(bad.dir, TINY)).toThrow(/FP\/01\/diff\.txt:1: second index 3 is past the end of its list \(2\)/);
      bad.write('Protocol/Split/FP/01/diff.txt', '4,1\n');
      bad.write('Protocol/Pair_list_P.txt', '1 ../Data/Images/001/profile/01.jpg\n2 ../Data/Images/002/profile/09.jpg\n');
      expect(() => loadCfp(bad.dir, TINY)).toThrow(/Pair_list_P\.txt:2: image not found: .*002\/profile\/09\.jpg/);
      bad.write('Protocol/Pair_list_P.txt', '1 ../Data/Images/001/profile/01.jpg\n3 ../Data/Images/002/profile/01.jpg\n');
      expect(() => loadCfp(bad.dir, TINY)).toThrow(/Pair_list_P\.txt:2: indices must run 1, 2, 3, …; expected 2, got 3/);
      bad.write('Protocol/Pair_list_P.txt', '1 ../Data/Images/001/frontal/01.jpg\n');
      expect(() => loadCfp(bad.dir, TINY)).toThrow(/Pair_list_P\.txt:1: a profile list names a frontal image/);
    } finally {
      bad.cleanup();
    }
  });

  it('reports malformed pair and fiducial lines as file:line', () => {
    expect(() => parseCfpPairFile('1,2\n1 2\n', 's.txt', 10, 10)).toThrow(/^s\.txt:2: expected `i,j`, got "1 2"/);
    expect(() => parseCfpPairFile('0,2\n', 's.txt', 10, 10)).toThrow(/^s\.txt:1: first index must be an integer ≥ 1, got 0/);
    expect(() => parseCfpFiducials('1,2\n', 'f.txt')).toThrow(/^f\.txt:1: expected 30 lines `x,y`, got 1/);
    const lines = Array.from({ length: 30 }, () => '1,2');
    lines[4] = '1,nan';
    expect(() => parseCfpFiducials(lines.join('\n'), 'f.txt')).toThrow(/^f\.txt:5: y must be a finite number, got "nan"/);
  });
});

describe.skipIf(missingDataset('cfp'))('CFP real data (../shared/datasets/cfp)', { timeout: 30_000 }, () => {
  let cfp!: CfpDataset;
  beforeAll(() => {
    cfp = loadCfp(join(DATASETS, 'cfp'));
  }, 30_000);
  it('has 500 people, 5,000 frontal and 2,000 profile images, all on disk', () => {
    expect(cfp.names).toHaveLength(500);
    expect(cfp.frontal).toHaveLength(5000);
    expect(cfp.profile).toHaveLength(2000);
    expect(new Set(cfp.frontal.map((i) => i.identity)).size).toBe(500);
    expect([...cfp.frontal, ...cfp.profile].every((i) => existsSync(i.path))).toBe(true);
  });
  it('has 10 FF and 10 FP folds of 350 same + 350 different pairs, identity-disjoint', () => {
    for (const kind of ['FF', 'FP'] as const) {
      expect(cfp.folds[kind]).toHaveLength(10);
      const owner = new Map<number, number>();
      const shared: string[] = [];
      for (const fold of cfp.folds[kind]) {
        expect(fold.filter((p) => p.same)).toHaveLength(350);
        expect(fold.filter((p) => !p.same)).toHaveLength(350);
        for (const p of fold) {
          for (const id of [p.first.identity, p.second.identity]) {
            if ((owner.get(id) ?? p.fold) !== p.fold) shared.push(`identity ${id} in folds ${owner.get(id)} and ${p.fold}`);
            owner.set(id, p.fold);
          }
        }
      }
      expect(shared).toEqual([]);
      expect(cfp.folds.FP[0]!.every((p) => p.first.pose === 'frontal' && p.second.pose === 'profile')).toBe(true);
    }
  });
  it('counts the published FF quirk: 130 pairs written twice, as i,j and j,i in one file (kept)', () => {
    expect(cfp.warnings.reversedRepeats).toBe(130);
    expect(cfp.warnings.examples).toHaveLength(20);
    expect(cfp.warnings.examples[0]).toMatch(/Split\/FF\/01\/same\.txt:\d+: pair \d+,\d+ repeats \d+,\d+ of line \d+ \(kept, as published\)/);
    expect(cfp.warnings.examples.every((w) => w.includes('/FF/'))).toBe(true);
  });
  it('reads 30 fiducial points for a frontal and a profile image', () => {
    // First lines of Data/Fiducials/001/frontal/01.txt and 001/profile/01.txt.
    const frontal = cfp.fiducials(cfp.frontal[0]!);
    const profile = cfp.fiducials(cfp.profile[0]!);
    expect(frontal).toHaveLength(60);
    expect([frontal[0], frontal[1]]).toEqual([Math.fround(27.565), Math.fround(87.906)]);
    expect([profile[0], profile[1]]).toEqual([Math.fround(47.166), Math.fround(65.19)]);
  });
});
