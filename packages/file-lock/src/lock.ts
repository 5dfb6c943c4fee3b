/**
 * One writer at a time: an exclusive lock file naming its holder.
 *
 * The lock file holds one line of JSON: `{ pid, hostname, started, owner, token, procStart? }`.
 * It is created complete or not at all (written to a private temp file, then hard-linked into
 * place, which fails if the lock exists), so a reader never sees it half-written.
 *
 * A lock that exists is judged by its holder:
 * - on this host, pid alive: held. A second writer gets a LockHeldError naming the file,
 *   the pid, the owner and since when. (That includes another lock in this very process:
 *   two writer objects on one file lose updates just like two processes.)
 * - on this host, pid dead (`process.kill(pid, 0)` → ESRCH, a zombie, or on Linux a pid
 *   now used by a process that started later): stale, taken over.
 * - on another host: held (its pid cannot be checked from here); the message says so.
 * - not a lock at all (unparseable; after a grace period, in case a no-hard-link file
 *   system made us fall back to a plain exclusive create that is still being written):
 *   stale, taken over.
 *
 * Taking over is a compare-and-swap: the taker first claims the stale generation (an
 * exclusive claim file named after the stale bytes' hash, itself a lock), re-reads the lock
 * under the claim and, only if it still holds those same bytes, renames its own lock over
 * it. Two takers of one stale lock cannot both win: one claims, the other finds the claim
 * (or, later, the winner's live lock) and is refused.
 *
 * Released by `release()`, and on a normal process exit for locks not released; a process
 * killed outright (SIGKILL, a crash, a power cut) leaves its lock behind, which the next
 * writer takes over as stale.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename } from 'node:path';

/** Who holds a lock: the JSON content of the lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the lock was taken (ISO 8601). */
  started: string;
  /** Free text naming the writer (default: the command line). */
  owner: string;
  /** Random per acquisition: tells this holding from any other by the same pid. */
  token: string;
  /** Linux only: the holder's start time (clock ticks since boot), to spot a reused pid. */
  procStart?: number;
}

/** What `inspectWriteLock` finds. */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder: LockHolder; /** held by this process */ self: boolean; /** on another host: cannot be checked */ remote: boolean }
  | { state: 'stale'; holder?: LockHolder; reason: string };

export interface AcquireOptions {
  /** Names the writer in the lock file and in the error a second writer gets (default: the command line). */
  owner?: string;
  /** What the lock guards, for messages (default: the lock file's path). */
  resource?: string;
}

export interface WriteLock {
  /** The lock file. */
  readonly path: string;
  /** What was written to it. */
  readonly holder: LockHolder;
  /** Set when this acquisition took over a stale lock: whose, and why it was stale. */
  readonly replaced?: { holder?: LockHolder; reason: string };
  readonly released: boolean;
  /** Removes the lock file (if it is still ours). Safe to call more than once. */
  release(): void;
}

/** Another writer holds the lock. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    message: string,
    /** The lock file. */
    readonly path: string,
    /** Its holder. */
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

/** An unparseable lock file younger than this may still be being written (no-hard-link fallback). */
const GARBAGE_GRACE_MS = 2000;
const MAX_ATTEMPTS = 200;

const held = new Map<string, Lock>();
let exitHookInstalled = false;

/**
 * Takes the write lock `path` (a file, created exclusively), or throws LockHeldError if a
 * live process holds it. A stale lock (its process dead, or the file not a lock) is taken
 * over. Synchronous.
 */
export function acquireWriteLock(path: string, options: AcquireOptions = {}): WriteLock {
  const holder: LockHolder = {
    pid: process.pid,
    hostname: osHostname(),
    started: new Date().toISOString(),
    owner: options.owner ?? defaultOwner(),
    token: randomBytes(12).toString('hex'),
  };
  const procStart = processStart(process.pid);
  if (procStart !== undefined) holder.procStart = procStart;
  const bytes = Buffer.from(`${JSON.stringify(holder)}\n`);
  const replaced = acquireBytes(path, bytes, options.resource ?? path, 0);
  const lock = new Lock(path, holder, bytes, replaced);
  held.set(holder.token, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', releaseAll);
  }
  return lock;
}

/** Reads and judges the lock at `path` without touching it. */
export function inspectWriteLock(path: string): LockState {
  const seen = readRaw(path);
  if (!seen) return { state: 'free' };
  const j = judge(seen.bytes);
  if (j.state === 'garbage') return { state: 'stale', reason: j.reason };
  return j;
}

class Lock implements WriteLock {
  released = false;
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
    private readonly bytes: Buffer,
    readonly replaced: { holder?: LockHolder; reason: string } | undefined,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.holder.token);
    // Only our own lock is removed: nobody else can replace it while we live, but a file
    // edited or replaced by hand is left alone.
    const now = readRaw(this.path);
    if (now && now.bytes.equals(this.bytes)) {
      try {
        unlinkSync(this.path);
      } catch (e) {
        if (code(e) !== 'ENOENT') throw e;
      }
    }
  }
}

function releaseAll(): void {
  for (const lock of [...held.values()]) {
    try {
      lock.release();
    } catch {
      /* best effort at exit */
    }
  }
}

type Judgement =
  | { state: 'held'; holder: LockHolder; self: boolean; remote: boolean }
  | { state: 'stale'; holder: LockHolder; reason: string }
  | { state: 'garbage'; reason: string };

/** Creates `path` holding `bytes` unless it exists; takes over a stale one. Returns what was replaced. */
function acquireBytes(path: string, bytes: Buffer, resource: string, depth: number): { holder?: LockHolder; reason: string } | undefined {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(path, bytes)) return undefined;
    const seen = readRaw(path);
    if (!seen) continue; // released meanwhile: try again
    const j = judge(seen.bytes);
    if (j.state === 'held') throw new LockHeldError(heldMessage(path, resource, j.holder, j.self, j.remote), path, j.holder);
    if (j.state === 'garbage' && Date.now() - seen.mtimeMs < GARBAGE_GRACE_MS) {
      sleep(25); // perhaps still being written
      continue;
    }
    const reason = j.reason;
    const holder = j.state === 'stale' ? j.holder : undefined;
    if (depth >= 2) {
      // A claim on a claim on a stale lock, all stale: takers died inside the claim step
      // twice over. Nothing can be compared any more; clear it and retry.
      removeIf(path, seen.bytes);
      continue;
    }
    const claimPath = `${path}.takeover-${createHash('sha1').update(seen.bytes).digest('hex').slice(0, 16)}`;
    try {
      acquireBytes(claimPath, bytes, resource, depth + 1);
    } catch (e) {
      if (!(e instanceof LockHeldError)) throw e;
      // Another process is taking this stale lock over right now: it will hold the lock
      // in a moment (then we are refused, naming it) or it died (then its claim is stale).
      sleep(5);
      continue;
    }
    try {
      const now = readRaw(path);
      if (!now || !now.bytes.equals(seen.bytes)) continue; // changed under us: judge again
      const tmp = tempName(path);
      writeNew(tmp, bytes);
      try {
        renameSync(tmp, path); // atomically replaces the stale lock (the claim makes it ours to replace)
      } catch (e) {
        tryUnlink(tmp);
        if (code(e) === 'ENOENT') continue; // the temp file was swept away: start over
        throw e;
      }
      return { holder, reason };
    } finally {
      removeIf(claimPath, bytes);
    }
  }
  throw new Error(`${path}: could not take the lock: it kept changing (${MAX_ATTEMPTS} attempts)`);
}

function judge(bytes: Buffer): Judgement {
  const holder = parseHolder(bytes);
  if (!holder) return { state: 'garbage', reason: 'the file is not a lock (unreadable)' };
  if (holder.hostname !== osHostname()) return { state: 'held', holder, self: false, remote: true };
  const self = holder.pid === process.pid;
  if (self) {
    if (held.has(holder.token)) return { state: 'held', holder, self: true, remote: false };
    // Our pid, not our token: another thread of this process, or an earlier process that
    // had our pid. Only a different recorded start time proves the latter.
    const mine = processStart(process.pid);
    if (mine !== undefined && holder.procStart !== undefined && holder.procStart !== mine) {
      return { state: 'stale', holder, reason: `pid ${holder.pid} is now this process, which started later` };
    }
    return { state: 'held', holder, self: true, remote: false };
  }
  const life = liveness(holder.pid);
  if (life === 'dead') return { state: 'stale', holder, reason: `pid ${holder.pid} is not running` };
  if (life === 'zombie') return { state: 'stale', holder, reason: `pid ${holder.pid} has exited` };
  const start = processStart(holder.pid);
  if (start !== undefined && holder.procStart !== undefined && start !== holder.procStart) {
    return { state: 'stale', holder, reason: `pid ${holder.pid} is running but is a later process (the pid was reused)` };
  }
  return { state: 'held', holder, self: false, remote: false };
}

function heldMessage(path: string, resource: string, h: LockHolder, self: boolean, remote: boolean): string {
  const who = `pid ${h.pid}${remote ? ` on host ${h.hostname}` : ''} (${h.owner || 'no owner given'}${self ? '; this process' : ''})`;
  let msg = `${resource} is being written by ${who} since ${h.started}; a second writer is refused (lock file ${path})`;
  if (self) msg += '. Close the other writer in this process first';
  else if (remote) msg += `. Its pid cannot be checked from host ${osHostname()}: if no writer runs on ${h.hostname}, delete the lock file`;
  else msg += `. If pid ${h.pid} is not a writer of it, delete the lock file`;
  return msg;
}

function parseHolder(bytes: Buffer): LockHolder | undefined {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const h = v as Partial<LockHolder>;
  if (!Number.isInteger(h.pid) || (h.pid as number) <= 0) return undefined;
  if (typeof h.hostname !== 'string' || typeof h.started !== 'string') return undefined;
  return {
    pid: h.pid as number,
    hostname: h.hostname,
    started: h.started,
    owner: typeof h.owner === 'string' ? h.owner : '',
    token: typeof h.token === 'string' ? h.token : '',
    ...(Number.isInteger(h.procStart) ? { procStart: h.procStart } : {}),
  };
}

function liveness(pid: number): 'alive' | 'dead' | 'zombie' {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    if (code(e) === 'ESRCH') return 'dead';
    if (code(e) !== 'EPERM') throw e;
  }
  return procStat(pid)?.state === 'Z' ? 'zombie' : 'alive';
}

/** /proc/<pid>/stat's state and start time (Linux); undefined elsewhere. */
function procStat(pid: number): { state: string; start: number } | undefined {
  if (process.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = Number(rest[19]); // field 22, starttime
  return Number.isFinite(start) ? { state: rest[0], start } : undefined;
}

function processStart(pid: number): number | undefined {
  return procStat(pid)?.start;
}

/** Writes `bytes` to `path` only if it does not exist, complete or not at all. */
function createExclusive(path: string, bytes: Buffer): boolean {
  const tmp = tempName(path);
  writeNew(tmp, bytes);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    // No hard links here (or the temp file was swept away): a plain exclusive create; a
    // reader may see it empty for a moment, which the garbage grace period covers.
    try {
      writeNew(path, bytes);
      return true;
    } catch (e2) {
      if (code(e2) === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    tryUnlink(tmp);
  }
}

function writeNew(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'wx');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

function readRaw(path: string): { bytes: Buffer; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    return { bytes: readFileSync(path), mtimeMs };
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Unlinks `path` if it still holds `bytes`. */
function removeIf(path: string, bytes: Buffer): void {
  const now = readRaw(path);
  if (now && now.bytes.equals(bytes)) tryUnlink(path);
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

function tempName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

function defaultOwner(): string {
  const [script, ...args] = process.argv.slice(1);
  const line = [script ? basename(script) : basename(process.execPath), ...args].join(' ');
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}
