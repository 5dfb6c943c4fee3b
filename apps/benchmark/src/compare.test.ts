import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from './args';
import { compareRuns, describeComparison, drawComparison, parseCompareArgs, readRunResult, type RunResult } from './compare';

const dir = mkdtempSync(join(tmpdir(), 'bench-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (align: string, fold_accuracy: number[], extra: Partial<RunResult> = {}): RunResult => ({
  protocol: 'lfw', descriptor: 'lbp', align, metric: 'chi2', accuracy: fold_accuracy.reduce((a, b) => a + b, 0) / fold_accuracy.length, fold_accuracy, pairs: 6000, ...extra,
});

describe('compareRuns', () => {
  it('hand-computed: per-fold differences 0.1, 0, 0.2', () => {
    const c = compareRuns(run('2d', [0.7, 0.8, 0.9]), run('none', [0.6, 0.8, 0.7]));
    // mean 0.1, sample std 0.1, SE 0.1/√3 = 0.0577, t = √3, p (2 df) = 1 − √(3/5) = 0.2254.
    expect(c).toMatchObject({ of: 'lfw', a: 'lbp --align 2d', b: 'lbp --align none', difference: 0.1, se: 0.0577, t: 1.732, p: 0.225, wins: 2, losses: 0, ties: 1, folds: 3 });
    expect(describeComparison(c)).toMatch(/A − B = \+0\.1000 ± 0\.0577 \(paired SE over 3 folds\), t = 1\.73, two-sided p = 0\.23; A ahead in 2, behind in 0, level in 1 folds/);
  });

  it('refuses runs of different protocols, pair counts or fold counts', () => {
    expect(() => compareRuns(run('2d', [0.7, 0.8]), run('none', [0.6, 0.8], { protocol: 'cfp-fp' }))).toThrow(/A is a lfw run and B a cfp-fp run/);
    expect(() => compareRuns(run('2d', [0.7, 0.8]), run('none', [0.6, 0.8], { pairs: 7000 }))).toThrow(/A scored 6000 pairs and B 7000/);
    expect(() => compareRuns(run('2d', [0.7, 0.8]), run('none', [0.6, 0.8, 0.7]))).toThrow(/2 and 3 folds/);
  });
});

describe('readRunResult', () => {
  it('reads a run folder or its result.json', () => {
    const out = join(dir, 'run');
    mkdirSync(out);
    writeFileSync(join(out, 'result.json'), JSON.stringify(run('3d', [0.7, 0.72])));
    expect(readRunResult(out).align).toBe('3d');
    expect(readRunResult(join(out, 'result.json')).fold_accuracy).toEqual([0.7, 0.72]);
  });

  it('names the file and what is wrong with it', () => {
    expect(() => readRunResult(join(dir, 'nowhere'))).toThrow(/nowhere: not found \(pass a benchmark run's --out folder/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"protocol": "lfw",');
    expect(() => readRunResult(bad)).toThrow(/bad\.json: not JSON/);
    const ident = join(dir, 'ident.json');
    writeFileSync(ident, JSON.stringify({ protocol: 'lfw-open', descriptor: 'lbp', align: 'none', metric: 'chi2', dir_at_1far: 0.04 }));
    expect(() => readRunResult(ident)).toThrow(/ident\.json: no per-fold accuracies/);
    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify({ protocol: 'lfw' }));
    expect(() => readRunResult(partial)).toThrow(/partial\.json: no "descriptor"/);
  });
});

describe('parseCompareArgs', () => {
  it('takes two runs and an optional --out, relative to the working folder', () => {
    expect(parseCompareArgs(['a', '/abs/b'], '/work')).toEqual({ files: ['/work/a', '/abs/b'] });
    expect(parseCompareArgs(['a', 'b', '--out', 'plots'], '/work')).toEqual({ files: ['/work/a', '/work/b'], out: '/work/plots' });
  });
  it('refuses the wrong number of runs and unknown options as usage errors', () => {
    expect(() => parseCompareArgs(['a'], '/w')).toThrow(UsageError);
    expect(() => parseCompareArgs(['a', 'b', 'c'], '/w')).toThrow(/takes two runs .* got 3/);
    expect(() => parseCompareArgs(['a', 'b', '--folds', '3'], '/w')).toThrow(UsageError);
  });
});

describe('drawComparison', () => {
  it("draws both runs' ROC curves from their roc.json; runs without one are left out", async () => {
    const [a, b, old] = ['ra', 'rb', 'rold'].map((n) => join(dir, n));
    for (const d of [a, b, old]) mkdirSync(d);
    writeFileSync(join(a, 'roc.json'), JSON.stringify({ metric: 'χ²', fpr: [0, 0.1, 0.5, 1], tpr: [0, 0.6, 0.9, 1] }));
    writeFileSync(join(b, 'roc.json'), JSON.stringify({ metric: 'χ²', fpr: [0, 0.3, 1], tpr: [0, 0.5, 1] }));
    const plots = await drawComparison([a, b], [run('3d', [0.7, 0.72]), run('none', [0.68, 0.69])], join(dir, 'cmp'));
    expect(plots).toEqual([join(dir, 'cmp.png'), join(dir, 'cmp-log.png')]);
    for (const f of ['cmp.svg', 'cmp.png', 'cmp-log.svg', 'cmp-log.png']) expect(existsSync(join(dir, f))).toBe(true);
    const svg = readFileSync(join(dir, 'cmp.svg'), 'utf8');
    expect(svg).toContain('A: lbp --align 3d χ² (0.7100)');
    expect(svg).toContain('B: lbp --align none χ² (0.6850)');
    expect(await drawComparison([old, old], [run('2d', [0.7, 0.72]), run('2d', [0.7, 0.72])], join(dir, 'none'))).toEqual([]);
  });
});
