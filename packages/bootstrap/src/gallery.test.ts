import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Gallery } from './gallery';
import { gaussian } from './testing';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Gallery', () => {
  it('enrols, identifies top-k distinct identities, rejects strangers, and persists', async () => {
    const dim = 64;
    const dir = mkdtempSync(join(tmpdir(), 'deepface-gallery-test-'));
    dirs.push(dir);
    const centres = gaussian(30 * dim, 1);
    const sample = (id: number, seed: number, n = 1) => {
      const noise = gaussian(n * dim, seed);
      const out = new Float32Array(n * dim);
      for (let i = 0; i < n * dim; i++) out[i] = centres[id * dim + (i % dim)] + 0.4 * noise[i];
      return out;
    };
    const gallery = Gallery.open(dir, dim, { threshold: 0.6 });
    // 20 enrolled people, 3 images each; people 20..29 are strangers.
    for (let id = 0; id < 20; id++) gallery.enrol(`person-${id}`, sample(id, 100 + id, 3));
    expect(gallery.size).toBe(60);
    expect(gallery.identities.length).toBe(20);
    let rank1 = 0;
    for (let id = 0; id < 20; id++) {
      const r = gallery.identify(sample(id, 500 + id), 5);
      expect(r.matches.length).toBe(5);
      expect(new Set(r.matches.map((m) => m.identity)).size).toBe(5);
      for (let i = 1; i < 5; i++) expect(r.matches[i].score).toBeLessThanOrEqual(r.matches[i - 1].score);
      if (r.matches[0].identity === `person-${id}` && !r.rejected) rank1++;
    }
    expect(rank1).toBe(20);
    let rejected = 0;
    for (let id = 20; id < 30; id++) if (gallery.identify(sample(id, 700 + id), 5).rejected) rejected++;
    expect(rejected).toBe(10);
    await gallery.close();

    // Reopened: same answers from disk.
    const again = Gallery.open(dir, dim, { threshold: 0.6 });
    expect(again.size).toBe(60);
    expect(again.identify(sample(7, 507), 1).matches[0].identity).toBe('person-7');
    expect(() => again.enrol('', new Float32Array(dim))).toThrow(/non-empty string/);
    expect(() => again.enrol('x', new Float32Array(dim + 1))).toThrow(/features of x.*not a multiple of dim = 64/);
    expect(() => Gallery.open(dir, dim + 1)).toThrow(/holds dim 64, asked for dim 65/);
  });

  it('answers an empty gallery with a rejection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepface-gallery-test-'));
    dirs.push(dir);
    const r = Gallery.open(dir, 8).identify(new Float32Array(8).fill(1));
    expect(r.matches).toEqual([]);
    expect(r.rejected).toBe(true);
  });
});
