import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareRuns, describeComparison, readRunResult, type RunResult } from './compare';

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
