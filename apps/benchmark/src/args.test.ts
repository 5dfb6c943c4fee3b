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
  it('--descriptor ensemble: default members deepface + dlib, --members, its own output folder', () => {
    const a = parseBenchmarkArgs(['lfw-restricted', '--descriptor', 'ensemble'], env, '/repo');
    expect(a).toMatchObject({ protocol: 'lfw-restricted', descriptor: 'ensemble', members: ['deepface', 'dlib'], align: 'none' });
    expect(a.out).toMatch(/deepface-ts-benchmark[/\\]lfw-restricted-ensemble-deepface\+dlib$/);
    expect(parseBenchmarkArgs(['lfw-unrestricted', '--descriptor', 'ensemble', '--members', 'dlib,deepface,lbp', '--model', 'm.safetensors'], env, '/repo')).toMatchObject({
      members: ['dlib', 'deepface', 'lbp'],
      model: '/repo/m.safetensors',
    });
    expect(parseBenchmarkArgs(['lfw'], env).members).toBeUndefined();
  });
  it('--descriptor ensemble is refused with a clear usage error where it does not apply', () => {
    for (const protocol of ['lfw', 'cfp-fp', 'lfw-closed', 'ytf']) {
      expect(() => parseBenchmarkArgs([protocol, '--descriptor', 'ensemble'], env)).toThrow(UsageError);
      expect(() => parseBenchmarkArgs([protocol, '--descriptor', 'ensemble'], env)).toThrow(new RegExp(`--descriptor ensemble is trained on the training folds' pairs: use it with lfw-restricted or lfw-unrestricted, not ${protocol}`));
    }
    const bad: [string[], RegExp][] = [
      [['--align', '3d'], /--descriptor ensemble takes no --align: each member is described on its own alignment/],
      [['--members', 'deepface,sift'], /unknown --members descriptor "sift"; expected one of: deepface, dlib, lbp/],
      [['--members', 'dlib,dlib'], /--members names a descriptor twice/],
      [['--members', 'dlib'], /--members needs at least two of deepface, dlib, lbp/],
      [['--members', 'dlib,lbp', '--model', 'm.safetensors'], /--model picks the weights of the deepface member, and --members has none/],
      [['--mirror'], /--mirror, --no-mirror and --jitter are options of --descriptor dlib/],
    ];
    for (const [extra, message] of bad) expect(() => parseBenchmarkArgs(['lfw-restricted', '--descriptor', 'ensemble', ...extra], env)).toThrow(message);
    expect(() => parseBenchmarkArgs(['lfw-restricted', '--descriptor', 'dlib', '--members', 'deepface,dlib'], env)).toThrow(/--members picks the descriptors of --descriptor ensemble/);
  });
});
