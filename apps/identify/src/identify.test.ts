import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDescriber, type Describer } from '@deepface-ts/describer';
import { enrolFolder, identifyPhoto, listPhotos, listProbes, openGallery } from './identify';

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

    const g = await openGallery(gallery, describer, describer.openSetThreshold!.openSet!);
    // An enrolled photo is its own nearest neighbour (cosine 1, same pipeline).
    const self = await identifyPhoto(g, photo('Tony_Blair', 2), describer, 4, 0.15);
    expect(self.matches[0].identity).toBe('Tony_Blair');
    expect(self.matches[0].score).toBeGreaterThan(0.999);
    expect(self.rejected).toBe(false);
    expect(new Set(self.matches.map((m) => m.identity)).size).toBe(4);

    // New photos of the enrolled people, and a stranger: every answer is 4 ranked people; a
    // threshold above every score rejects, one below accepts.
    let rank1 = 0;
    for (const name of PEOPLE) {
      const probe = await identifyPhoto(g, photo(name, 5), describer, 4, 0.15);
      expect(probe.matches.length).toBe(4);
      for (let i = 1; i < 4; i++) expect(probe.matches[i].score).toBeLessThanOrEqual(probe.matches[i - 1].score);
      if (probe.matches[0].identity === name) rank1++;
    }
    console.log(`identify: rank-1 on 4 new photos of enrolled people (${describer.id}): ${rank1}/4`);
    expect(rank1).toBe(4); // dlib on its chip: these four are easy
    const stranger = photo('Serena_Williams', 1);
    expect((await identifyPhoto(g, stranger, describer, 4, 1.01)).rejected).toBe(true);
    expect((await identifyPhoto(g, stranger, describer, 4, -1.01)).rejected).toBe(false);
    // at the calibrated open-set threshold the stranger is rejected
    expect((await identifyPhoto(g, stranger, describer, 4, describer.openSetThreshold!.openSet!)).rejected).toBe(true);
    await g.close();
    await expect(openGallery(join(root, 'nowhere'), describer, 0)).rejects.toThrow(/gallery not found/);
    // a gallery made by one describer refuses another
    const other = await createDescriber({ descriptor: 'deepface' });
    try {
      await expect(openGallery(gallery, other, 0)).rejects.toThrow(/made with the describer 'dlib-resnet-v1-chip.*cannot be compared/);
      await expect(enrolFolder(gallery, join(root, 'enrol'), other)).rejects.toThrow(/cannot be compared/);
    } finally {
      other.dispose();
    }
    expect(listProbes(join(root, 'enrol')).filter((p) => p.identity === 'Tony_Blair')).toHaveLength(3);
  }, 180_000);
});

describe('pnpm identify (the command line, face-api sample photos)', () => {
  const app = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', app, ...args], { encoding: 'utf8' });
  const last = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

  it('enrol and probe end with their JSON lines; rank-1/5 for a per-person probe folder; bad paths are one-line errors', () => {
    const root = mkdtempSync(join(tmpdir(), 'identify-cli-'));
    const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
    for (const i of [1, 2, 3]) {
      mkdirSync(join(root, 'people', `p${i}`), { recursive: true });
      copyFileSync(join(demo, `sample${i}.jpg`), join(root, 'people', `p${i}`, 'a.jpg'));
    }
    writeFileSync(join(root, 'people', 'p1', 'broken.jpg'), 'not an image');
    const gallery = join(root, 'gallery');
    const enrol = run(['enrol', join(root, 'people'), '--gallery', gallery]);
    expect(enrol.status, enrol.stderr).toBe(0);
    expect(last(enrol.stdout)).toEqual({ enrolled: 3, identities: 3, skipped: 1 });
    const probe = run(['probe', join(root, 'people'), '--gallery', gallery]);
    expect(probe.status, probe.stderr).toBe(0);
    // the broken photo is a probe without a face: a miss, so rank-1 is 3 of 4
    expect(last(probe.stdout)).toMatchObject({ probes: 4, matched: 3, rejected: 0, failed: 1, rank1: 0.75, rank5: 0.75 });
    writeFileSync(join(root, 'a-file'), 'x');
    for (const [args, message] of [
      [['probe', join(root, 'nothing.jpg'), '--gallery', gallery], /nothing\.jpg: probe not found/],
      [['probe', join(root, 'people'), '--gallery', join(root, 'a-file')], /a-file: gallery is a file, not a folder/],
      [['enrol', join(root, 'people'), '--gallery', join(root, 'a-file')], /a-file: the gallery path is a file, not a folder/],
    ] as const) {
      const r = run([...args]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(run(['enrol', join(root, 'people')]).status).toBe(2); // no --gallery
    expect(run(['probe', join(root, 'people'), '--gallery', gallery, '--k', 'zero']).status).toBe(2);
  }, 180_000);
});
