import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadShapeCsv } from './node';
import { normalizeShape } from './shape';
import { syntheticFace } from './synthetic-face';
import { createTemplate } from './template';
import { maxAbsDiff } from './test-utils';

describe('loadShapeCsv', () => {
  it('loads a shape file by path and it drives a template', async () => {
    const face = syntheticFace();
    const dir = mkdtempSync(join(tmpdir(), 'frontalize-'));
    const path = join(dir, 'face.csv');
    writeFileSync(path, Array.from({ length: 68 }, (_, i) => `${face[3 * i]},${face[3 * i + 1]},${face[3 * i + 2]}`).join('\n'));
    const shape = await loadShapeCsv(path);
    expect(maxAbsDiff(shape, normalizeShape(face))).toBeLessThan(1e-12);
    expect(createTemplate({ shape }).shape).toHaveLength(204);
  });

  it('names a missing file', async () => {
    await expect(loadShapeCsv('/nonexistent/face.csv')).rejects.toThrow(/cannot read \/nonexistent\/face\.csv: ENOENT/);
  });
});
