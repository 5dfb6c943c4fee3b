import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDescriber, type Describer } from './describe';
import { enrolFolder, identifyPhoto, listPhotos } from './identify';

const datasets = process.env.DEEPFACE_DATASETS ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'datasets');
const lfw = join(datasets, 'lfw', 'lfw-deepfunneled');
const hasLfw = existsSync(lfw);
if (!hasLfw) console.log(`identify tests skipped: LFW not found at ${lfw} (set DEEPFACE_DATASETS)`);

const PEOPLE = ['Colin_Powell', 'George_W_Bush', 'Tony_Blair', 'Donald_Rumsfeld'];
const photo = (name: string, i: number) => join(lfw, name, `${name}_${String(i).padStart(4, '0')}.jpg`);

describe.skipIf(!hasLfw)('identify app on LFW photos', () => {
  let root: string;
  let describer: Describer;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'deepface-identify-test-'));
    // An enrolment folder of links to the read-only data: 3 photos per person, plus an unreadable file.
    for (const name of PEOPLE) {
      mkdirSync(join(root, 'enrol', name), { recursive: true });
      for (let i = 1; i <= 3; i++) symlinkSync(photo(name, i), join(root, 'enrol', name, `${i}.jpg`));
    }
    symlinkSync(join(root, 'missing.jpg'), join(root, 'enrol', PEOPLE[0], 'broken.jpg'));
    describer = await createDescriber();
  }, 120_000);
  afterAll(() => {
    describer?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('enrols a folder, finds an enrolled photo at rank 1, ranks distinct people, rejects under the threshold', async () => {
    expect(listPhotos(join(root, 'enrol')).length).toBe(13);
    const gallery = join(root, 'gallery');
    const r = await enrolFolder(gallery, join(root, 'enrol'), describer);
    expect(r.enrolled).toBe(12);
    expect(r.identities).toBe(4);
    expect(r.failures.map((f) => f.path)).toEqual([join(root, 'enrol', PEOPLE[0], 'broken.jpg')]);

    // An enrolled photo is its own nearest neighbour (cosine 1, same pipeline).
    const self = await identifyPhoto(gallery, photo('Tony_Blair', 2), describer, 4, 0.15);
    expect(self.matches[0].identity).toBe('Tony_Blair');
    expect(self.matches[0].score).toBeGreaterThan(0.999);
    expect(self.rejected).toBe(false);
    expect(new Set(self.matches.map((m) => m.identity)).size).toBe(4);

    // New photos of the enrolled people, and a stranger: every answer is 4 ranked people; a
    // threshold above every score rejects, one below accepts.
    let rank1 = 0;
    for (const name of PEOPLE) {
      const probe = await identifyPhoto(gallery, photo(name, 5), describer, 4, 0.15);
      expect(probe.matches.length).toBe(4);
      for (let i = 1; i < 4; i++) expect(probe.matches[i].score).toBeLessThanOrEqual(probe.matches[i - 1].score);
      if (probe.matches[0].identity === name) rank1++;
    }
    console.log(`identify: rank-1 on 4 new photos of enrolled people (LBP descriptor): ${rank1}/4`);
    const stranger = photo('Serena_Williams', 1);
    expect((await identifyPhoto(gallery, stranger, describer, 4, 1.01)).rejected).toBe(true);
    expect((await identifyPhoto(gallery, stranger, describer, 4, -1.01)).rejected).toBe(false);
    await expect(identifyPhoto(join(root, 'nowhere'), stranger, describer, 1, 0)).rejects.toThrow(/no gallery here/);
  }, 180_000);
});
