import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's first example, run exactly as written (from this package's folder, so its imports resolve as a consumer's would).
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs as written and prints what the README says', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, 'README.md has a ts example').toBeDefined();
    const file = join(root, `.readme-example-${process.pid}.mts`);
    writeFileSync(file, code!);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('3 different people');
    } finally {
      rmSync(file, { force: true });
    }
  }, 60_000);
});
