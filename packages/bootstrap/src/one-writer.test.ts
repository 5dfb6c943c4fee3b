/**
 * One writer at a time, enforced, between real processes: a child (the built package, on
 * plain node) opens a store or a gallery for writing and holds it; this process is the
 * second writer (refused, the error naming the child's pid), a reader (still reads), and,
 * once the child is SIGKILLed, the next writer (takes the stale lock over, store intact).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LockHeldError } from '@deepface-ts/file-lock';
import { Gallery } from './gallery';
import { loadExactIndex } from './load';
import { HyperplaneStore, STORE_LOCK } from './store';
import { normalizeRows } from './vectors';
import { CRASH_DIM, segmentRows } from './fixtures/crash-data';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'deepface-one-writer-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const ROWS = 20;

/** Asserts the store holds exactly segments 0..n-1 of the crash generator; returns n. */
function expectGeneratorSegments(store: HyperplaneStore): number {
  const n = store.segments.length;
  expect(store.rows).toBe(n * ROWS);
  for (let s = 0; s < n; s++) {
    const want = segmentRows(s, ROWS);
    const got = store.readSegment(s);
    const unit = new Float32Array(want.vectors.length);
    normalizeRows(want.vectors, CRASH_DIM, unit);
    expect(got.unit).toEqual(unit);
    expect(got.labels).toEqual(want.labels);
  }
  return n;
}

/** Catches what `fn` throws (failing if nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected it to throw');
}

interface Holder {
  pid: number;
  proc: ChildProcess;
  /** Asks the holder to append its next segment; resolves with its segment count. */
  append(): Promise<number>;
  kill(): Promise<NodeJS.Signals | null>;
}

async function startHolder(kind: 'store' | 'gallery', dir: string): Promise<Holder> {
  const proc = spawn(process.execPath, [join(here, 'fixtures', 'hold-writer.mjs'), kind, dir, String(ROWS)], { cwd: here, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  const waiting: ((v: Record<string, number>) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  const next = () =>
    Promise.race([
      new Promise<Record<string, number>>((resolve) => waiting.push(resolve)),
      exited.then(() => {
        throw new Error(`hold-writer exited early: ${stderr}`);
      }),
    ]);
  const ready = await next();
  return {
    pid: ready.ready,
    proc,
    async append() {
      const reply = next();
      proc.stdin!.write('append\n');
      return (await reply).segments;
    },
    async kill() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}

describe('one writer at a time (two processes)', () => {
  it('store: a second writer is refused naming the holder, readers still read, and after a SIGKILL the lock is taken over', async () => {
    const dir = tempDir();
    const a = await startHolder('store', dir);
    expect(await a.append()).toBe(2);
    const heldBy = new RegExp(`^the hyperplane store ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being written by pid ${a.pid} \\(hold-writer store\\) since \\d{4}-\\d\\d-\\d\\dT.*; a second writer is refused \\(lock file .*\\.lock\\)`);

    // Every way of opening for writing is refused, naming A.
    for (const open of [() => HyperplaneStore.open(dir, { write: true }), () => HyperplaneStore.openOrCreate(dir, CRASH_DIM), () => HyperplaneStore.create(dir, CRASH_DIM)]) {
      const e = thrown(open);
      expect(e).toBeInstanceOf(LockHeldError);
      expect(e.message).toMatch(heldBy);
      expect((e as LockHeldError).holder.pid).toBe(a.pid);
    }

    // A reader opens and reads (no lock), alongside the writer.
    const filesBefore = readdirSync(dir).sort();
    const reader = HyperplaneStore.open(dir);
    expect(reader.writable).toBe(false);
    expect(expectGeneratorSegments(reader)).toBe(2);
    expect(loadExactIndex(reader).index.size).toBe(2 * ROWS);
    // Its append would make it a second writer: refused, nothing written.
    expect(() => reader.append(segmentRows(2, ROWS))).toThrow(heldBy);
    expect(readdirSync(dir).sort()).toEqual(filesBefore);

    // The writer goes on; the reader's snapshot stays valid, a new reader sees the new segment.
    expect(await a.append()).toBe(3);
    expect(expectGeneratorSegments(reader)).toBe(2);
    expect(expectGeneratorSegments(HyperplaneStore.open(dir))).toBe(3);

    // A dies holding the lock; its lock file stays behind, stale.
    expect(await a.kill()).toBe('SIGKILL');
    expect(JSON.parse(readFileSync(join(dir, STORE_LOCK), 'utf8')).pid).toBe(a.pid);

    // Now this process may write: the stale lock is taken over, the store is intact.
    const b = HyperplaneStore.open(dir, { write: true, owner: 'second writer' });
    expect(b.writable).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, STORE_LOCK), 'utf8'))).toMatchObject({ pid: process.pid, owner: 'second writer' });
    expect(expectGeneratorSegments(b)).toBe(3);
    b.append(segmentRows(3, ROWS));
    b.close();
    expect(existsSync(join(dir, STORE_LOCK))).toBe(false);

    // The old reader, opened at 2 segments, appends after all 4: nothing acknowledged is lost.
    expect(reader.append(segmentRows(4, ROWS))).toBe(4 * ROWS);
    expect(reader.writable).toBe(true);
    reader.close();
    const after = HyperplaneStore.open(dir);
    after.verify();
    expect(expectGeneratorSegments(after)).toBe(5);
    expect(readdirSync(dir).filter((f) => !/^seg-\d{8}\.dfh$|^manifest\.json$/.test(f))).toEqual([]);
  }, 60_000);

  it('gallery: a second enroller is refused naming the holder, probing still works, and after a SIGKILL enrolling resumes', async () => {
    const dir = tempDir();
    const a = await startHolder('gallery', dir);
    expect(a.pid).toBeGreaterThan(0);

    const e = thrown(() => Gallery.open(dir, CRASH_DIM, { write: true }));
    expect(e).toBeInstanceOf(LockHeldError);
    expect(e.message).toMatch(new RegExp(`is being written by pid ${a.pid} \\(hold-writer gallery\\) since .*; a second writer is refused`));

    // Probing needs no lock.
    const probe = Gallery.open(dir, CRASH_DIM);
    expect(probe.writable).toBe(false);
    expect(probe.size).toBe(ROWS);
    const seg0 = segmentRows(0, ROWS);
    expect(probe.identify(seg0.vectors.subarray(5 * CRASH_DIM, 6 * CRASH_DIM), 1).matches[0].identity).toBe('id-0-5');
    // Enrolling from it is refused while A holds the gallery.
    const seg9 = segmentRows(9, ROWS);
    expect(() => probe.enrolMany(seg9.labels, seg9.vectors)).toThrow(LockHeldError);
    expect(probe.size).toBe(ROWS);

    expect(await a.append()).toBe(2); // A enrols more while the probe is open
    expect(await a.kill()).toBe('SIGKILL');

    // The probe's first enrol takes the stale lock over and catches up with A's last batch.
    probe.enrolMany(seg9.labels, seg9.vectors);
    expect(probe.writable).toBe(true);
    expect(probe.size).toBe(3 * ROWS);
    const seg1 = segmentRows(1, ROWS);
    expect(probe.identify(seg1.vectors.subarray(7 * CRASH_DIM, 8 * CRASH_DIM), 1).matches[0].identity).toBe('id-1-7');
    expect(probe.identify(seg9.vectors.subarray(3 * CRASH_DIM, 4 * CRASH_DIM), 1).matches[0].identity).toBe('id-9-3');
    await probe.close();
    expect(existsSync(join(dir, STORE_LOCK))).toBe(false);

    const again = Gallery.open(dir, CRASH_DIM);
    again.store.verify();
    expect(again.size).toBe(3 * ROWS);
    expect(again.identities).toEqual([...seg0.labels, ...seg1.labels, ...seg9.labels]);
    await again.close();
  }, 60_000);

  it('two processes appending to one store at once: the second is refused at open, no acknowledged batch is lost', async () => {
    const dir = tempDir();
    const procs = [0, 1].map(() => {
      const proc = spawn(process.execPath, [join(here, 'fixtures', 'append-forever.mjs'), dir, '200'], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(proc);
      const state = { proc, committed: 0, stderr: '', exit: undefined as Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined };
      state.exit = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
      proc.stdout!.on('data', (d: Buffer) => {
        for (const l of d.toString().trim().split('\n')) state.committed = Math.max(state.committed, Number(l.split(' ')[1]) || 0);
      });
      proc.stderr!.on('data', (d: Buffer) => (state.stderr += d.toString()));
      return state;
    });
    // One of them is refused at once; the other keeps appending.
    const first = await Promise.race(procs.map((p, i) => p.exit!.then((r) => ({ ...r, i }))));
    const loser = procs[first.i];
    const winner = procs[1 - first.i];
    expect(first.code).toBe(1);
    expect(loser.committed).toBe(0);
    expect(loser.stderr).toMatch(new RegExp(`LockHeldError: the hyperplane store .* is being written by pid ${winner.proc.pid} \\(append-forever\\.mjs .*\\) since .*; a second writer is refused`));
    while (winner.committed < 3) await new Promise((r) => setTimeout(r, 20));
    winner.proc.kill('SIGKILL');
    await winner.exit;
    const store = HyperplaneStore.open(dir);
    store.verify();
    const n = store.segments.length;
    expect(n).toBeGreaterThanOrEqual(winner.committed);
    expect(n).toBeLessThanOrEqual(winner.committed + 1);
    expect(store.labels()).toEqual(Array.from({ length: n * 200 }, (_, r) => `id-${Math.floor(r / 200)}-${r % 200}`));
  }, 60_000);
});
