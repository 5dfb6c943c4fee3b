import { describe, expect, it } from 'vitest';
import { parseBenchmarkArgs, UsageError } from './args';

const env = { DEEPFACE_DATASETS: '/data' } as NodeJS.ProcessEnv;

describe('parseBenchmarkArgs', () => {
  it('defaults, and a leading "--" from pnpm is ignored', () => {
    const a = parseBenchmarkArgs(['--', 'lfw'], env, '/repo');
    expect(a).toMatchObject({ protocol: 'lfw', descriptor: 'lbp', align: 'none', data: '/data', cache: '/repo/node_modules/.cache/deepface-ts/descriptors', seed: 1 });
    expect(a.out).toMatch(/deepface-ts-benchmark[/\\]lfw-lbp-none$/);
  });
  it('relative --data is resolved from where the user ran the command', () => {
    expect(parseBenchmarkArgs(['cfp-fp', '--data', '../shared/datasets', '--no-cache'], {}, '/work/main')).toMatchObject({ data: '/work/shared/datasets', cache: null });
  });
  it('clear errors for what a new user may type', () => {
    expect(() => parseBenchmarkArgs([], env)).toThrow(UsageError);
    expect(() => parseBenchmarkArgs(['lfw2'], env)).toThrow(/unknown protocol "lfw2"; expected one of: lfw, lfw-restricted, lfw-unrestricted, cfp-ff, cfp-fp, lfw-closed, lfw-open, ytf/);
    expect(() => parseBenchmarkArgs(['lfw', '--descriptor', 'sift'], env)).toThrow(/unknown descriptor "sift"/);
    expect(() => parseBenchmarkArgs(['lfw', '--align', '4d'], env)).toThrow(/unknown --align "4d"; expected one of: none, 2d, 3d/);
    expect(() => parseBenchmarkArgs(['lfw', '--seed', 'x'], env)).toThrow(/--seed must be a non-negative integer/);
    expect(() => parseBenchmarkArgs(['lfw', '--colour'], env)).toThrow(UsageError);
    expect(() => parseBenchmarkArgs(['lfw', 'cfp-ff'], env)).toThrow(/one protocol at a time/);
    expect(() => parseBenchmarkArgs(['lfw', '--raw-crop', '1.5'], env)).toThrow(/--raw-crop must be a fraction in \(0, 1\], got "1.5"/);
  });
  it('--raw-crop overrides the raw centre crop fraction; absent, the defaults hold', () => {
    expect(parseBenchmarkArgs(['lfw', '--raw-crop', '0.5'], env).rawCrop).toBe(0.5);
    expect(parseBenchmarkArgs(['lfw'], env).rawCrop).toBeUndefined();
  });
});
