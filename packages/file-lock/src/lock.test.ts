import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireWriteLock, inspectWriteLock, LockHeldError, type LockHolder } from './index';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'deepface-file-lock-test-'));
  dirs.push(d);
  return d;
}
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** A pid that certainly ran on this host and is now dead (reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid as number;
}

/** Linux: /proc/<pid>/stat starttime (field 22). */
function procStart(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

const longAgo = new Date(Date.now() - 60_000);
function writeLockFile(path: string, content: string | Partial<LockHolder>, old = true): void {
  writeFileSync(path, typeof content === 'string' ? content : `${JSON.stringify(content)}\n`);
  if (old) utimesSync(path, longAgo, longAgo);
}
const holderOf = (pid: number, extra: Partial<LockHolder> = {}): Partial<LockHolder> => ({
  pid,
  hostname: hostname(),
  started: '2024-05-01T10:00:00.000Z',
  owner: 'other writer',
  token: 'feedface',
  ...extra,
});

type Outcome = { acquired: RegExp | null } | { refused: RegExp };
interface Case {
  name: string;
  /** Writes what is at the lock path before acquiring (nothing: a fresh lock). */
  setup?: (path: string) => void;
  expect: Outcome;
  skip?: boolean;
}

const linux = process.platform === 'linux';
const cases: Case[] = [
  { name: 'fresh: no lock file', expect: { acquired: null } },
  {
    name: 'held by a live process on this host',
    setup: (p) => writeLockFile(p, holderOf(process.ppid)),
    expect: { refused: new RegExp(`is being written by pid ${process.ppid} \\(other writer\\) since 2024-05-01T10:00:00\\.000Z; a second writer is refused \\(lock file .*\\.lock\\)`) },
  },
  {
    name: 'held by a live process, the owner not given',
    setup: (p) => writeLockFile(p, { pid: process.ppid, hostname: hostname(), started: 'yesterday' }),
    expect: { refused: new RegExp(`pid ${process.ppid} \\(no owner given\\) since yesterday`) },
  },
  {
    name: 'held on another host (its pid cannot be checked)',
    setup: (p) => writeLockFile(p, holderOf(deadPid(), { hostname: 'some-other-host' })),
    expect: { refused: /pid \d+ on host some-other-host \(other writer\).*cannot be checked from host .*: if no writer runs on some-other-host, delete the lock file/ },
  },
  { name: 'stale: its pid is dead', setup: (p) => writeLockFile(p, holderOf(deadPid())), expect: { acquired: /pid \d+ is not running/ } },
  {
    name: 'stale: its pid is alive but a later process (reused pid, Linux)',
    skip: !linux,
    setup: (p) => writeLockFile(p, holderOf(process.ppid, { procStart: (procStart(process.ppid) ?? 0) - 1 })),
    expect: { acquired: /pid \d+ is running but is a later process \(the pid was reused\)/ },
  },
  {
    name: 'held by a live process whose start time matches (Linux)',
    skip: !linux,
    setup: (p) => writeLockFile(p, holderOf(process.ppid, { procStart: procStart(process.ppid) })),
    expect: { refused: /is being written by pid \d+/ },
  },
  {
    name: 'stale: our own pid, left by an earlier process that had it (Linux)',
    skip: !linux,
    setup: (p) => writeLockFile(p, holderOf(process.pid, { procStart: (procStart(process.pid) ?? 0) - 1 })),
    expect: { acquired: /is now this process, which started later/ },
  },
  {
    name: 'our own pid with an unknown token and no start time: refused (another thread may hold it)',
    setup: (p) => writeLockFile(p, holderOf(process.pid)),
    expect: { refused: /\(other writer; this process\).*Close the other writer in this process first/ },
  },
  { name: 'garbage file', setup: (p) => writeLockFile(p, '\u0000\u0001 not json'), expect: { acquired: /not a lock/ } },
  { name: 'empty file', setup: (p) => writeLockFile(p, ''), expect: { acquired: /not a lock/ } },
  { name: 'JSON that is not a lock (pid not a number)', setup: (p) => writeLockFile(p, { pid: 'x' as unknown as number, hostname: hostname(), started: 'now' }), expect: { acquired: /not a lock/ } },
  { name: 'JSON that is not a lock (an array)', setup: (p) => writeLockFile(p, '[1,2,3]'), expect: { acquired: /not a lock/ } },
];

describe('acquireWriteLock (table)', () => {
  for (const c of cases) {
    it.skipIf(c.skip)(c.name, () => {
      const path = join(tempDir(), '.lock');
      c.setup?.(path);
      const before = existsSync(path) ? readFileSync(path) : undefined;
      if ('refused' in c.expect) {
        let err: unknown;
        try {
          acquireWriteLock(path, { owner: 'test' });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(LockHeldError);
        expect((err as LockHeldError).message).toMatch(c.expect.refused);
        expect((err as LockHeldError).path).toBe(path);
        expect(readFileSync(path)).toEqual(before); // the holder's lock is untouched
        expect(inspectWriteLock(path).state).toBe('held');
      } else {
        const lock = acquireWriteLock(path, { owner: 'test' });
        const onDisk = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
        expect(onDisk).toEqual(lock.holder);
        expect(onDisk).toMatchObject({ pid: process.pid, hostname: hostname(), owner: 'test' });
        expect(Date.parse(onDisk.started)).toBeGreaterThan(Date.now() - 60_000);
        if (c.expect.acquired) expect(lock.replaced?.reason).toMatch(c.expect.acquired);
        else expect(lock.replaced).toBeUndefined();
        expect(inspectWriteLock(path)).toMatchObject({ state: 'held', self: true, remote: false });
        lock.release();
        expect(existsSync(path)).toBe(false);
      }
      // No temp or claim files left beside the lock.
      expect(readdirSync(dirname(path)).filter((f) => f !== '.lock')).toEqual([]);
    });
  }
});

describe('acquireWriteLock', () => {
  it('refuses a second lock in the same process, naming this process; release is idempotent', () => {
    const path = join(tempDir(), 'store.lock');
    const a = acquireWriteLock(path, { owner: 'first' });
    expect(() => acquireWriteLock(path, { resource: '/data/gallery' })).toThrow(
      new RegExp(`^/data/gallery is being written by pid ${process.pid} \\(first; this process\\) since .*; a second writer is refused \\(lock file .*store\\.lock\\)\\. Close the other writer`),
    );
    expect(a.released).toBe(false);
    a.release();
    expect(a.released).toBe(true);
    expect(existsSync(path)).toBe(false);
    a.release(); // twice: a no-op
    const b = acquireWriteLock(path); // free again
    a.release(); // a stale handle does not remove the new holder's lock
    expect(existsSync(path)).toBe(true);
    b.release();
    expect(existsSync(path)).toBe(false);
  });

  it('release leaves a lock file that is no longer ours', () => {
    const path = join(tempDir(), '.lock');
    const lock = acquireWriteLock(path);
    writeLockFile(path, holderOf(process.ppid), false);
    lock.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.ppid);
  });

  it('waits out the grace period of a fresh unreadable file, then takes it over', () => {
    const path = join(tempDir(), '.lock');
    writeLockFile(path, '', false); // as if a writer without hard links were still writing it
    const t0 = Date.now();
    const lock = acquireWriteLock(path);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(lock.replaced?.reason).toMatch(/not a lock/);
    lock.release();
  });

  it('inspects without touching', () => {
    const path = join(tempDir(), '.lock');
    expect(inspectWriteLock(path)).toEqual({ state: 'free' });
    writeLockFile(path, holderOf(deadPid()));
    expect(inspectWriteLock(path)).toMatchObject({ state: 'stale', reason: expect.stringMatching(/not running/), holder: { owner: 'other writer' } });
    writeLockFile(path, 'junk');
    expect(inspectWriteLock(path)).toMatchObject({ state: 'stale', reason: expect.stringMatching(/not a lock/) });
    writeLockFile(path, holderOf(process.ppid, { hostname: 'elsewhere' }));
    expect(inspectWriteLock(path)).toMatchObject({ state: 'held', remote: true, self: false });
    expect(readFileSync(path, 'utf8')).toContain('elsewhere');
  });

  it('throws other file-system errors as they are (no such folder)', () => {
    expect(() => acquireWriteLock(join(tempDir(), 'missing', '.lock'))).toThrow(/ENOENT/);
  });
});

// Real processes: the children run the built package (dist), like the bootstrap crash tests.
interface Racer {
  pid: number;
  proc: ChildProcess;
  send(line: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
async function startRacer(): Promise<Racer> {
  const proc = spawn(process.execPath, [join(here, 'fixtures', 'lock-racer.mjs')], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waiting: ((v: Record<string, unknown>) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  const next = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
  const ready = await next();
  return {
    pid: ready.ready as number,
    proc,
    exited,
    send(line) {
      const p = next();
      proc.stdin!.write(`${line}\n`);
      return p;
    },
  };
}

describe('two processes', () => {
  it('a holder refuses a second process naming its pid; after the holder is SIGKILLed its lock is taken over', async () => {
    const path = join(tempDir(), '.lock');
    const a = await startRacer();
    expect(await a.send(`acquire ${path} enrol photos`)).toMatchObject({ ok: true });
    let err: unknown;
    try {
      acquireWriteLock(path, { resource: 'the gallery' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as LockHeldError).holder).toMatchObject({ pid: a.pid, owner: 'enrol photos' });
    expect((err as Error).message).toMatch(new RegExp(`^the gallery is being written by pid ${a.pid} \\(enrol photos\\) since \\d{4}-.*; a second writer is refused`));
    a.proc.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    expect(existsSync(path)).toBe(true); // a killed holder leaves its lock
    const lock = acquireWriteLock(path);
    expect(lock.replaced).toMatchObject({ holder: { pid: a.pid }, reason: `pid ${a.pid} is not running` });
    lock.release();
  }, 30_000);

  it('a process that exits without releasing removes its lock on the way out', async () => {
    const path = join(tempDir(), '.lock');
    const a = await startRacer();
    expect(await a.send(`acquire ${path}`)).toMatchObject({ ok: true });
    expect(inspectWriteLock(path)).toMatchObject({ state: 'held', holder: { pid: a.pid } });
    a.proc.stdin!.write('exit\n');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(path)).toBe(false);
  }, 30_000);

  it('processes racing for a free or a stale lock: exactly one wins each round, the rest are refused naming it', async () => {
    const racers = await Promise.all(Array.from({ length: 5 }, () => startRacer()));
    const dir = tempDir();
    const dead = deadPid();
    for (let round = 0; round < 16; round++) {
      const path = join(dir, `race-${round}.lock`);
      // Even rounds: a free lock; odd rounds: one left by a dead process, or garbage.
      if (round % 4 === 1) writeLockFile(path, holderOf(dead));
      if (round % 4 === 3) writeLockFile(path, 'garbage');
      // All start at one moment (each spins until then), to race within microseconds.
      const at = Date.now() + 150;
      const replies = await Promise.all(racers.map((r) => r.send(`at ${at} acquire ${path} racer`)));
      const winners = replies.filter((r) => r.ok);
      expect(winners.length, JSON.stringify(replies)).toBe(1);
      const winner = winners[0].pid;
      for (const r of replies.filter((x) => !x.ok)) {
        expect(r.error).toBe('LockHeldError');
        expect(r.holder).toBe(winner);
        expect(r.message).toMatch(new RegExp(`is being written by pid ${winner} \\(racer\\)`));
      }
      expect(inspectWriteLock(path)).toMatchObject({ state: 'held', holder: { pid: winner } });
      if (round % 2 === 1) expect(winners[0].replaced).not.toBeNull();
      await Promise.all(racers.map((r) => r.send('release')));
      expect(existsSync(path)).toBe(false);
    }
    expect(readdirSync(dir)).toEqual([]); // no temp or claim files left
    for (const r of racers) r.proc.stdin!.end();
    await Promise.all(racers.map((r) => r.exited));
  }, 60_000);
});
