import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetLayoutError } from './errors';
import { DATASETS, missingDataset, tempDir } from './test-helpers';
import { loadYtfSplits, parseYtfLabeledFaces, parseYtfSplits, sampleYtfFramePairs, ytfFold, YtfFrames, type YtfPair } from './ytf';

const HEADER = 'split number, pair id, first name, second name, is same';
const rows = ['1, 1, Ann/0, Ann/2, 1', '1, 2, Ann/0, Bob/1, 0', '2, 1, Bob/1, Bob/3, 1', '2, 2, Bob/3, Ann/2, 0'];

/** Writes a synthetic frame tree: frame_images_DB/Name/video/video.N.jpg (or aligned_detect_video.N.jpg). */
function writeFrames(write: (rel: string, c: string) => string, layout: 'frame_images_DB' | 'aligned_images_DB', frames: number): void {
  for (const [name, videos] of [['Ann', ['0', '2']], ['Bob', ['1', '3']]] as const) {
    for (const v of videos) {
      // Written out of order and with numbers that sort wrongly as text (10 < 9), to test the ordering.
      for (let f = frames; f >= 1; f--) {
        const file = layout === 'frame_images_DB' ? `${v}.${f * 9}.jpg` : `aligned_detect_${v}.${f * 9}.jpg`;
        write(`${layout}/${name}/${v}/${file}`, 'x');
      }
    }
    if (layout === 'frame_images_DB') write(`${layout}/${name}.labeled_faces.txt`, `${name}\\${videos[0]}\\${videos[0]}.9.jpg,0,100,80,40,50,0.0,1\n`);
  }
}

describe('parseYtfSplits', () => {
  it('reads files with and without the header line', () => {
    const withHeader = parseYtfSplits([HEADER, ...rows].join('\n'), 'splits.txt');
    const without = parseYtfSplits(rows.join('\r\n'), 'splits.txt');
    expect(withHeader.map(({ line: _l, ...p }) => p)).toEqual(without.map(({ line: _l, ...p }) => p));
    expect(without[1]).toMatchObject({ split: 1, pairId: 2, first: { name: 'Ann', video: '0' }, second: { name: 'Bob', video: '1' }, same: false, line: 2 });
    expect(withHeader[0]!.line).toBe(2);
  });

  const bad: [string, string, RegExp][] = [
    ['4 fields', '1, 1, Ann/0, Ann/2', /^s\.txt:1: expected 5 comma-separated fields/],
    ['split 0', '0, 1, Ann/0, Ann/2, 1', /^s\.txt:1: split number must be an integer ≥ 1, got 0/],
    ['a video without a number', '1, 1, Ann, Ann/2, 1', /^s\.txt:1: first video must be `Name\/video`, got "Ann"/],
    ['same = 2', '1, 1, Ann/0, Ann/2, 2', /^s\.txt:1: same must be 0 or 1, got "2"/],
    ['same = 1 for two people', '1, 1, Ann/0, Bob/2, 1', /^s\.txt:1: marked same \(1\) but the videos are of different people \(Ann, Bob\)/],
    ['a repeated pair id', '1, 1, Ann/0, Ann/2, 1\n1, 1, Ann/0, Ann/3, 1', /^s\.txt:2: split 1 pair 1 already appears on line 1/],
    ['an empty file', '\n', /^s\.txt: file is empty/],
  ];
  for (const [what, text, message] of bad) {
    it(`reports ${what} as file:line`, () => expect(() => parseYtfSplits(text, 's.txt')).toThrow(message));
  }
});

describe('parseYtfLabeledFaces', () => {
  it('converts centre boxes to top-left boxes keyed by video/frame', () => {
    const m = parseYtfLabeledFaces('Ann\\0\\0.9.jpg,0,100,80,40,50,0.0,1\n', 'Ann.labeled_faces.txt');
    expect(m.get('0/0.9.jpg')).toEqual({ x: 80, y: 55, width: 40, height: 50 });
  });
  it('reports malformed rows as file:line', () => {
    expect(() => parseYtfLabeledFaces('a\\0\\1.jpg,0,1,2\n', 'f.txt')).toThrow(/^f\.txt:1: expected `file,_,cx,cy,w,h,…`/);
    expect(() => parseYtfLabeledFaces('\na\\0\\1.jpg,0,1,2,x,4\n', 'f.txt')).toThrow(/^f\.txt:2: face width must be a finite number, got "x"/);
    expect(() => parseYtfLabeledFaces('a\\0\\1.jpg,0,1,2,0,4\n', 'f.txt')).toThrow(/^f\.txt:1: face box must have positive size/);
  });
});

describe('YTF frames on a synthetic tree', () => {
  const t = tempDir();
  afterAll(t.cleanup);
  writeFrames(t.write, 'frame_images_DB', 12);
  writeFrames(t.write, 'aligned_images_DB', 4);
  const pairs = parseYtfSplits(rows.join('\n'));

  it('finds the layout and lists frames in frame-number order', () => {
    const frames = new YtfFrames(t.dir);
    expect(frames.layout).toBe('frame_images_DB');
    const list = frames.frames({ name: 'Ann', video: '0' });
    expect(list.map((f) => f.split('/').pop())).toEqual(Array.from({ length: 12 }, (_, i) => `0.${(i + 1) * 9}.jpg`));
    expect(frames.faceBoxes('Ann')?.get('0/0.9.jpg')).toEqual({ x: 80, y: 55, width: 40, height: 50 });
    const aligned = new YtfFrames(join(t.dir, 'aligned_images_DB'));
    expect(aligned.layout).toBe('aligned_images_DB');
    expect(aligned.frames({ name: 'Bob', video: '3' })[0]).toMatch(/aligned_detect_3\.9\.jpg$/);
    expect(aligned.faceBoxes('Bob')).toBeUndefined();
  });

  it('names the missing video folder', () => {
    const frames = new YtfFrames(t.dir);
    expect(() => frames.frames({ name: 'Ann', video: '7' })).toThrow(DatasetLayoutError);
    expect(() => frames.frames({ name: 'Ann', video: '7' })).toThrow(`YTF video folder not found: ${join(t.dir, 'frame_images_DB', 'Ann', '7')}`);
  });

  it('samples 50 training / 100 test frame pairs per video pair, one frame from each video, reproducibly', () => {
    const frames = new YtfFrames(t.dir);
    const fold = ytfFold(pairs, frames, 2, { seed: 7 });
    expect(fold.train).toHaveLength(2 * 50);
    expect(fold.test.map((x) => x.framePairs.length)).toEqual([100, 100]);
    for (const fp of fold.train) {
      expect(fp.frame1).toContain(join('frame_images_DB', fp.pair.first.name, fp.pair.first.video) + '/');
      expect(fp.frame2).toContain(join('frame_images_DB', fp.pair.second.name, fp.pair.second.video) + '/');
      expect(fp.same).toBe(fp.pair.same);
    }
    // 12 × 12 = 144 frame combinations ≥ 100: all sampled pairs are distinct.
    const keys = new Set(fold.test[0]!.framePairs.map((f) => `${f.frame1}|${f.frame2}`));
    expect(keys.size).toBe(100);
    const again = ytfFold(pairs, new YtfFrames(t.dir), 2, { seed: 7 });
    expect(again.train.map((f) => f.frame1 + f.frame2)).toEqual(fold.train.map((f) => f.frame1 + f.frame2));
    const other = ytfFold(pairs, frames, 2, { seed: 8 });
    expect(other.train.map((f) => f.frame1 + f.frame2)).not.toEqual(fold.train.map((f) => f.frame1 + f.frame2));
  });

  it('uses every frame roughly uniformly', () => {
    const pair: YtfPair = pairs[0]!;
    const f1 = Array.from({ length: 10 }, (_, i) => `a${i}`);
    const f2 = Array.from({ length: 10 }, (_, i) => `b${i}`);
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 200; seed++) {
      for (const s of sampleYtfFramePairs(pair, f1, f2, 50, seed)) counts.set(s.frame1, (counts.get(s.frame1) ?? 0) + 1);
    }
    // 10,000 draws over 10 frames: each near 1,000 (σ ≈ 30).
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('repeats frame pairs only when the videos are too short for distinct ones', () => {
    const s = sampleYtfFramePairs(pairs[0]!, ['a', 'b'], ['c', 'd', 'e'], 50, 1);
    expect(s).toHaveLength(50);
    expect(new Set(s.map((x) => x.frame1 + x.frame2)).size).toBe(6);
  });
});

describe.skipIf(missingDataset('ytf'))('YTF real splits.txt (../shared/datasets/ytf)', { timeout: 30_000 }, () => {
  it('has 5,000 video pairs in 10 splits of 500, half of them same', () => {
    const pairs = loadYtfSplits(join(DATASETS, 'ytf', 'splits.txt'));
    expect(pairs).toHaveLength(5000);
    for (let s = 1; s <= 10; s++) expect(pairs.filter((p) => p.split === s)).toHaveLength(500);
    expect(pairs.filter((p) => p.same)).toHaveLength(2500);
    expect(pairs[0]).toMatchObject({ split: 1, pairId: 1, first: { name: 'Sadie_Frost', video: '1' }, second: { name: 'Sadie_Frost', video: '5' }, same: true });
  });
});
