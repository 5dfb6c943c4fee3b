import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dirAtFar } from './identification';
import { bestBalancedAccuracy, cmcChartSpec, dirChartSpec, parseRocText, readRocFile, renderSvg, rocChartSpec, writeChart } from './plot';
import { rocCurve } from './roc';

const datasets = process.env.DEEPFACE_DATASETS ?? resolve(__dirname, '../../../../shared/datasets');
const rocDir = join(datasets, 'lfw', 'roc-files');
const haveRocFiles = existsSync(rocDir);
if (!haveRocFiles) console.warn(`[metrics] ${rocDir} not found: skipping the published-ROC tests (set DEEPFACE_DATASETS)`);

describe('parseRocText', () => {
  it('reads TPR FPR lines, sorted by FPR', () => {
    const r = parseRocText('# comment\n0.5 0.1\n0 0\n\n1 1\n', 'x');
    expect(r.fpr).toEqual([0, 0.1, 1]);
    expect(r.tpr).toEqual([0, 0.5, 1]);
    expect(bestBalancedAccuracy(r)).toBeCloseTo(0.7, 15);
  });
  it('skips literal NaN lines and counts them', () => {
    const r = parseRocText('0.0000 NaN\n0 0\n1 1\n', 'x');
    expect(r.fpr).toEqual([0, 1]);
    expect(r.skippedLines).toBe(1);
  });
  it('a bad line → error naming the file and line', () => {
    expect(() => parseRocText('0 0\n0.5 abc\n', 'f', 'my.txt')).toThrow(/my\.txt:2: expected "TPR FPR"/);
    expect(() => parseRocText('0 0\n1.5 0.2\n', 'f', 'my.txt')).toThrow(/my\.txt:2/);
    expect(() => parseRocText('\n', 'f', 'empty.txt')).toThrow(/empty\.txt: no ROC points/);
  });
});

describe('charts', () => {
  const ours = rocCurve([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [1, 1, 0, 1, 0, 0]);
  it('renders ROC SVG with each series in the legend, linear and log FPR', async () => {
    const published = parseRocText('0 0\n0.6 0.1\n1 1\n', 'published');
    const svg = await renderSvg(rocChartSpec([{ name: 'ours', ...ours }, published], { title: 'test ROC' }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('ours');
    expect(svg).toContain('published');
    expect(svg).toContain('test ROC');
    const log = await renderSvg(rocChartSpec([{ name: 'ours', ...ours }], { logFpr: true, minFpr: 0.01 }));
    expect(log).toContain('false positive rate');
  });
  it('renders CMC and DIR charts and writes SVG + PNG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metrics-plot-'));
    try {
      const points = dirAtFar({ scores: [0.9, 0.1, 0.2, 0.7, 0.6, 0.5], probeIds: ['A', 'B', 'X'], galleryIds: ['A', 'B'] }, [0.01, 0.1, 1]);
      await writeChart(cmcChartSpec([{ name: 'ours', cmc: [0.5, 0.7, 0.9] }]), join(dir, 'cmc'));
      const out = await writeChart(dirChartSpec([{ name: 'ours', points }]), join(dir, 'dir'));
      const meta = await sharp(await readFile(out.png)).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(400);
      expect((await readdir(dir)).sort()).toEqual(['cmc.png', 'cmc.svg', 'dir.png', 'dir.svg']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveRocFiles)('published LFW ROC files', () => {
  it('the LBP curve peaks near 0.695 and the DeepFace ensemble near 0.974', async () => {
    const lbp = await readRocFile(join(rocDir, 'lbp_eurasip2009_jrs-roc.txt'));
    expect(bestBalancedAccuracy(lbp)).toBeCloseTo(0.695, 2);
    const df = await readRocFile(join(rocDir, 'deepface_ensemble.txt'));
    expect(bestBalancedAccuracy(df)).toBeCloseTo(0.974, 2);
  });
});
