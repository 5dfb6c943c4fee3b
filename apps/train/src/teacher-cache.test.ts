import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireWriteLock } from '@deepface-ts/file-lock';
import { describe, expect, it } from 'vitest';
import { buildTeacherCache, chunkFile, entryPixels, entryTarget, loadTeacherCache, pathSeed, type TeacherCacheDeps } from './teacher-cache';

/** Fake stages: the "teacher" returns [mean red of the view, landmark 0's x / 100]; the student crop is a flat grey of the view's landmark-0 x. */
function fakeDeps(calls: string[]): TeacherCacheDeps {
  return {
    async decode(path) {
      calls.push(path);
      if (path.includes('corrupt')) throw new Error(`${path}: not a JPEG`);
      const v = Number(/(\d+)/.exec(path)![1]);
      return { width: 240, height: 240, channels: 3, data: new Uint8Array(240 * 240 * 3).fill(10 + v) };
    },
    async landmarks(_image, path) {
      if (path.includes('noface')) return undefined;
      return Float32Array.from({ length: 136 }, (_, i) => (i % 2 ? 80 + ((i * 7) % 60) : 90 + ((i * 11) % 60)));
    },
    async teacher(views) {
      return views.map((v) => {
        let red = 0;
        for (let i = 0; i < v.image.data.length; i += 3) red += v.image.data[i]!;
        return Float32Array.of(red / (v.image.data.length / 3), v.landmarks[0]! / 100);
      });
    },
    student: (_image, landmarks) => ({ width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(Math.round(landmarks[0]!)) }),
  };
}

const images = ['a1.jpg', 'b2.jpg', 'corrupt3.jpg', 'c4.jpg', 'noface5.jpg', 'd6.jpg', 'e7.jpg'].map((path, i) => ({ path, identity: `id${i % 3}` }));

describe('teacher cache', () => {
  it('builds K views per image in chunks, skips bad images with their reason, and loads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teacher-'));
    const report = await buildTeacherCache(images, fakeDeps([]), { dir, views: 3, size: 4, teacherDim: 2, chunkSize: 3, progress: false });
    expect(report).toMatchObject({ chunks: 3, built: 3, reused: 0, locked: 0, images: 5 });
    expect(report.failures.map((f) => f.reason)).toEqual(['corrupt3.jpg: not a JPEG', 'no face found']);
    const cache = await loadTeacherCache(dir, 3);
    expect(cache.entries.length).toBe(15);
    expect(cache.byPath.get('b2.jpg')!.map((e) => cache.entries[e]!.view)).toEqual([0, 1, 2]);
    expect(cache.byPath.has('corrupt3.jpg')).toBe(false);
    expect(cache.failures.length).toBe(2);
    // View 0 is the unaugmented image: the canvas is uniform 10 + 2 = 12 and the landmarks only move by the canvas offset.
    const [v0, v1, v2] = cache.byPath.get('b2.jpg')!;
    expect(entryTarget(cache, v0!)[0]).toBeCloseTo(12, 5);
    // Teacher and student saw the same moved landmarks.
    for (const e of [v0!, v1!, v2!]) expect(Math.abs(entryPixels(cache, e)[0]! - entryTarget(cache, e)[1]! * 100)).toBeLessThanOrEqual(0.501);
    expect(entryTarget(cache, v1!)[1]).not.toBeCloseTo(entryTarget(cache, v0!)[1]!, 3);
  });

  it('resumes: a second run reuses every chunk and decodes nothing; a deleted chunk is rebuilt identically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teacher-'));
    await buildTeacherCache(images, fakeDeps([]), { dir, views: 2, size: 4, teacherDim: 2, chunkSize: 3, progress: false });
    const before = await loadTeacherCache(dir);
    const calls: string[] = [];
    const again = await buildTeacherCache(images, fakeDeps(calls), { dir, views: 2, size: 4, teacherDim: 2, chunkSize: 3, progress: false });
    expect(again).toMatchObject({ built: 0, reused: 3 });
    expect(calls).toEqual([]);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(chunkFile(dir, 1));
    await expect(loadTeacherCache(dir, 3)).rejects.toThrow('1 of 3 chunks are missing');
    const third = await buildTeacherCache(images, fakeDeps(calls), { dir, views: 2, size: 4, teacherDim: 2, chunkSize: 3, progress: false });
    expect(third).toMatchObject({ built: 1, reused: 2 });
    expect(calls).toEqual(['c4.jpg', 'noface5.jpg', 'd6.jpg']);
    const after = await loadTeacherCache(dir, 3);
    expect(after.entries.map((e) => e.path)).toEqual(before.entries.map((e) => e.path));
    expect(Array.from(after.chunks[1]!.targets!)).toEqual(Array.from(before.chunks[1]!.targets!));
  });

  it('shards take disjoint chunks; a chunk locked by a live process is left to it, a stale lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teacher-'));
    const live = acquireWriteLock(`${chunkFile(dir, 0)}.lock`, { owner: 'another builder' }); // a live holder
    // A holder that died: its lock names a pid no process has.
    writeFileSync(`${chunkFile(dir, 2)}.lock`, JSON.stringify({ pid: 999_999_999, hostname: hostname(), started: new Date().toISOString(), owner: 'dead builder', token: 'x' }));
    const first = await buildTeacherCache(images, fakeDeps([]), { dir, views: 1, size: 4, teacherDim: 2, chunkSize: 3, shard: [0, 2], progress: false });
    expect(first).toMatchObject({ chunks: 2, built: 1, locked: 1 });
    expect(existsSync(chunkFile(dir, 0))).toBe(false);
    expect(existsSync(chunkFile(dir, 2))).toBe(true);
    expect(existsSync(`${chunkFile(dir, 2)}.lock`)).toBe(false);
    const second = await buildTeacherCache(images, fakeDeps([]), { dir, views: 1, size: 4, teacherDim: 2, chunkSize: 3, shard: [1, 2], progress: false });
    expect(second).toMatchObject({ chunks: 1, built: 1 });
    expect(existsSync(chunkFile(dir, 1))).toBe(true);
    // Two processes on one shard: while one holds chunk 3, the other takes chunk 4.
    const more = [...images, ...images.map((i) => ({ ...i, path: `x${i.path}` }))];
    const live3 = acquireWriteLock(`${chunkFile(dir, 3)}.lock`, { owner: 'another builder' });
    const helper = await buildTeacherCache(more, fakeDeps([]), { dir, views: 1, size: 4, teacherDim: 2, chunkSize: 3, progress: false });
    expect(helper).toMatchObject({ chunks: 5, reused: 2, locked: 2, built: 1 }); // chunk 0's live lock from above is still there
    expect(existsSync(chunkFile(dir, 4))).toBe(true);
    live.release();
    live3.release();
  });

  it('rejects bad options and a folder that is not a teacher cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teacher-'));
    await expect(buildTeacherCache(images, fakeDeps([]), { dir, views: 0, size: 4, teacherDim: 2 })).rejects.toThrow('views must be a whole number ≥ 1, got 0');
    await expect(buildTeacherCache(images, fakeDeps([]), { dir, views: 1, size: 4, teacherDim: 2, shard: [2, 2] })).rejects.toThrow('shard must be i/n with 0 ≤ i < n, got 2/2');
    await expect(loadTeacherCache(join(dir, 'nope'))).rejects.toThrow('no teacher cache here');
    expect(pathSeed('a')).not.toBe(pathSeed('b'));
    expect(pathSeed('a')).toBe(pathSeed('a'));
  });
});
