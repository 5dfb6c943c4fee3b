import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { datasetsRoot } from './paths';
import { tempDir } from './test-helpers';

describe('datasetsRoot', () => {
  const t = tempDir();
  const saved = process.env.DEEPFACE_DATASETS;
  afterAll(t.cleanup);
  afterEach(() => {
    if (saved === undefined) delete process.env.DEEPFACE_DATASETS;
    else process.env.DEEPFACE_DATASETS = saved;
  });

  it('uses $DEEPFACE_DATASETS when set', () => {
    process.env.DEEPFACE_DATASETS = '/data/faces';
    expect(datasetsRoot('/anywhere')).toBe('/data/faces');
  });

  it('otherwise finds the repo root (pnpm-workspace.yaml) above the start folder and goes to ../shared/datasets', () => {
    delete process.env.DEEPFACE_DATASETS;
    const repo = join(t.dir, 'work', 'main');
    mkdirSync(join(repo, 'packages', 'x', 'src'), { recursive: true });
    writeFileSync(join(repo, 'pnpm-workspace.yaml'), 'packages: []\n');
    expect(datasetsRoot(join(repo, 'packages', 'x', 'src'))).toBe(join(t.dir, 'work', 'shared', 'datasets'));
  });
});
