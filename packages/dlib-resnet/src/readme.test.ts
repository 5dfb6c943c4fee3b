import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@deepface-ts/test-utils';
import { describe, expect, it } from 'vitest';

describe('README example', () => {
  it('runs as written and prints what the README says', () => {
    const r = runReadmeExample(join(dirname(fileURLToPath(import.meta.url)), '..'));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('3 different people');
    expect(r.status).toBe(0);
  }, 60_000);
});
