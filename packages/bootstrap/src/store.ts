/**
 * An appendable on-disk store of hyperplanes (or any labelled vectors), crash-safe.
 *
 * Layout of a store directory:
 *   manifest.json        the committed state: dim, segments with row counts, sizes, CRC-32s
 *   seg-00000001.dfh     immutable segments, one per append
 *
 * A segment holds, for `rows` rows: unit-norm float32 rows, their original norms, biases,
 * int8 copies with a per-row scale, and the labels; a footer repeats the CRC-32 of all
 * bytes before it and the file length.
 *
 * Crash safety: an append writes its segment to `*.tmp`, fsyncs, renames it into place,
 * then writes the new manifest to `manifest.json.tmp`, fsyncs, and renames it over the old
 * one (then fsyncs the directory). The manifest rename is the commit point: a crash before
 * it leaves the old manifest, which names only complete, checksummed segments (leftover
 * temp files and orphan segments are ignored and cleaned on the next append); a crash
 * after it leaves the new state. A segment later truncated or altered on disk is caught on
 * open (size, header, footer) and by the CRC (on open with `verify: 'full'`, the default,
 * and on every load) with a TornStoreError naming the file: never read silently.
 *
 * One writer at a time, enforced: a writer holds `.lock` in the store directory
 * (@deepface-ts/file-lock: the writer's pid, host, start time and owner), taken by `create`,
 * `openOrCreate`, `open(dir, { write: true })` or the first `append`, and released by
 * `close()` (or at exit). A second writer is refused with a LockHeldError naming the holder's
 * pid; a lock left by a killed writer is taken over. Two writers would otherwise each append
 * from their own copy of the manifest: the later commit drops the other's acknowledged
 * segments, both write the same next segment (and temp) file, torn into a CRC mismatch, and
 * one's cleanup deletes the other's temp files mid-append. Readers take no lock:
 * they read the committed manifest and immutable segments, whatever a writer is doing.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '@deepface-ts/crc32';
import { acquireWriteLock, type WriteLock } from '@deepface-ts/file-lock';
import { BootstrapError, TornStoreError } from './errors';
import { normalizeRows, quantizeRowsInt8, rowCount, assertFinite } from './vectors';

export const STORE_FORMAT = 'deepface-ts-hyperplane-store';
const MANIFEST = 'manifest.json';
/** The writer's lock file, in the store directory. */
export const STORE_LOCK = '.lock';
const SEG_MAGIC = 'DFHSEG01';
const END_MAGIC = 'DFHEND01';
const HEADER_BYTES = 64;
const FOOTER_BYTES = 16;

export interface SegmentInfo {
  file: string;
  rows: number;
  bytes: number;
  crc32: number;
}

export interface StoreManifest {
  format: typeof STORE_FORMAT;
  version: 1;
  dim: number;
  rows: number;
  /** Sequence number of the last segment written. */
  seq: number;
  segments: SegmentInfo[];
  /** Free-form metadata given at creation (e.g. how the features were made). */
  meta: Record<string, unknown>;
}

/** One segment's contents. */
export interface SegmentData {
  rows: number;
  /** Unit-norm rows, rows×dim. */
  unit: Float32Array;
  /** Original L2 norms of the rows (hyperplane w = unit·norm). */
  norms: Float32Array;
  bias: Float32Array;
  int8: Int8Array;
  scales: Float32Array;
  labels: string[];
}

export interface AppendInput {
  /** Raw rows (n×dim), e.g. hyperplane weights; normalised here, the norms kept. */
  vectors: Float32Array;
  /** One label per row (identity name). */
  labels: string[];
  /** One bias per row (default 0). */
  bias?: Float32Array;
}

/** Where a crash test may stop an append (see store.test.ts). */
export type AppendStage = 'segment-written' | 'segment-renamed' | 'manifest-written' | 'committed';

export interface OpenOptions {
  /** 'full' (default): check every segment's CRC-32; 'size': sizes, headers and footers only. */
  verify?: 'full' | 'size';
  /**
   * Open for writing: take the store's write lock now, failing fast (LockHeldError) if
   * another writer holds it. Default false for `open`: a reader, lock-free; its first
   * `append` takes the lock then. (`openOrCreate` defaults to true.)
   */
  write?: boolean;
  /** Names this writer in the lock file, for the error a second writer gets (default: the command line). */
  owner?: string;
}

/** Options of `create`. */
export interface CreateOptions {
  /** Names this writer in the lock file (default: the command line). */
  owner?: string;
}

interface SegmentLayout {
  unit: number;
  norms: number;
  bias: number;
  int8: number;
  scales: number;
  labels: number;
  footer: number;
  total: number;
}

function layout(rows: number, dim: number, labelBytes: number): SegmentLayout {
  const unit = HEADER_BYTES;
  const norms = unit + rows * dim * 4;
  const bias = norms + rows * 4;
  const scales = bias + rows * 4;
  const int8 = scales + rows * 4;
  const labels = int8 + rows * dim;
  const footer = Math.ceil((labels + labelBytes) / 8) * 8;
  return { unit, norms, bias, int8, scales, labels, footer, total: footer + FOOTER_BYTES };
}

export class HyperplaneStore {
  private lock: WriteLock | undefined;
  private owner: string | undefined;

  private constructor(
    readonly dir: string,
    private manifest: StoreManifest,
  ) {}

  /** The write lock's file (present while a writer holds the store). */
  get lockFile(): string {
    return join(this.dir, STORE_LOCK);
  }
  /** True while this object holds the store's write lock. */
  get writable(): boolean {
    return this.lock !== undefined && !this.lock.released;
  }

  get dim(): number {
    return this.manifest.dim;
  }
  get rows(): number {
    return this.manifest.rows;
  }
  get segments(): readonly SegmentInfo[] {
    return this.manifest.segments;
  }
  get meta(): Record<string, unknown> {
    return this.manifest.meta;
  }

  /**
   * Creates an empty store (the directory may exist but must hold no manifest) and holds
   * its write lock until `close()`.
   */
  static create(dir: string, dim: number, meta: Record<string, unknown> = {}, options: CreateOptions = {}): HyperplaneStore {
    if (!Number.isInteger(dim) || dim <= 0) throw new BootstrapError(`dim must be a positive integer, got ${dim}`);
    mkdirSync(dir, { recursive: true });
    const lock = lockStore(dir, options.owner);
    try {
      return HyperplaneStore.createLocked(dir, dim, meta, lock, options.owner);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens a store and checks it against its manifest; throws TornStoreError if torn. A
   * reader by default (no lock); with `write: true` it takes the write lock first (and reads
   * the manifest under it), throwing LockHeldError if another writer holds it.
   */
  static open(dir: string, options: OpenOptions = {}): HyperplaneStore {
    if (!options.write) {
      const store = new HyperplaneStore(dir, readManifest(dir));
      store.owner = options.owner;
      store.checkSegments(options.verify);
      return store;
    }
    requireManifest(dir);
    const lock = lockStore(dir, options.owner);
    try {
      return HyperplaneStore.openLocked(dir, options, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens the store at `dir`, or creates it with `dim` if it has no manifest. Opens for
   * writing (holding the write lock until `close()`) unless `write: false`; then an
   * existing store is opened lock-free, and a missing one is created under the lock,
   * which is released once the empty store is committed.
   */
  static openOrCreate(dir: string, dim: number, options: OpenOptions & { meta?: Record<string, unknown> } = {}): HyperplaneStore {
    const write = options.write ?? true;
    if (!write && existsSync(join(dir, MANIFEST))) return checkDim(HyperplaneStore.open(dir, { ...options, write: false }), dim);
    if (!Number.isInteger(dim) || dim <= 0) throw new BootstrapError(`dim must be a positive integer, got ${dim}`);
    mkdirSync(dir, { recursive: true });
    const lock = lockStore(dir, options.owner);
    let store: HyperplaneStore;
    try {
      store = existsSync(join(dir, MANIFEST))
        ? checkDim(HyperplaneStore.openLocked(dir, options, lock), dim)
        : HyperplaneStore.createLocked(dir, dim, options.meta ?? {}, lock, options.owner);
    } catch (e) {
      lock.release();
      throw e;
    }
    if (!write) store.close();
    return store;
  }

  private static createLocked(dir: string, dim: number, meta: Record<string, unknown>, lock: WriteLock, owner: string | undefined): HyperplaneStore {
    if (existsSync(join(dir, MANIFEST))) throw new BootstrapError(`${join(dir, MANIFEST)} exists: open the store instead`);
    const manifest: StoreManifest = { format: STORE_FORMAT, version: 1, dim, rows: 0, seq: 0, segments: [], meta };
    writeAtomic(dir, MANIFEST, Buffer.from(JSON.stringify(manifest, null, 1)));
    const store = new HyperplaneStore(dir, manifest);
    store.lock = lock;
    store.owner = owner;
    return store;
  }

  private static openLocked(dir: string, options: OpenOptions, lock: WriteLock): HyperplaneStore {
    const store = new HyperplaneStore(dir, readManifest(dir));
    store.checkSegments(options.verify);
    store.lock = lock;
    store.owner = options.owner;
    return store;
  }

  /**
   * Takes the write lock now if this object does not hold it (a store opened as a reader,
   * or closed): throws LockHeldError if another writer holds it. Segments another writer
   * committed since this object read the manifest are adopted (checked by size, header and
   * footer), so an append goes after them; returns how many were adopted.
   */
  lockForWriting(): number {
    if (this.writable) return 0;
    const lock = lockStore(this.dir, this.owner);
    try {
      const latest = readManifest(this.dir);
      const known = this.manifest.segments.length;
      if (latest.seq === this.manifest.seq) {
        this.lock = lock;
        return 0;
      }
      if (latest.dim !== this.dim) throw new TornStoreError(`${join(this.dir, MANIFEST)}: dim changed from ${this.dim} to ${latest.dim} since the store was opened`, join(this.dir, MANIFEST));
      const same = this.manifest.segments.every((s, i) => latest.segments[i]?.file === s.file && latest.segments[i].crc32 === s.crc32);
      if (!same || latest.seq < this.manifest.seq) {
        throw new TornStoreError(`${join(this.dir, MANIFEST)}: no longer extends the state this store was opened at (replaced or rewritten?); open it again`, join(this.dir, MANIFEST));
      }
      const previous = this.manifest;
      this.manifest = latest;
      try {
        for (let i = known; i < latest.segments.length; i++) this.checkSegment(i, 'size');
      } catch (e) {
        this.manifest = previous;
        throw e;
      }
      this.lock = lock;
      return latest.segments.length - known;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Releases the write lock, if held (readers hold none). A later `append` takes it again. Safe to call twice. */
  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /** Re-checks every segment's size, header, footer and CRC-32. */
  verify(): void {
    for (let i = 0; i < this.manifest.segments.length; i++) this.checkSegment(i, 'full');
  }

  /**
   * Appends rows as one new segment and commits. Returns the row number of the first row.
   * Takes the write lock first if this object does not hold it (see `lockForWriting`):
   * throws LockHeldError, writing nothing, while another writer holds the store.
   * `onStage` is a test hook called after each step (a crash test kills the process there).
   */
  append(input: AppendInput, onStage?: (stage: AppendStage) => void): number {
    const dim = this.dim;
    const n = rowCount(input.vectors, dim, 'vectors');
    assertFinite(input.vectors, dim, 'vectors');
    if (!Array.isArray(input.labels) || input.labels.length !== n) {
      throw new BootstrapError(`labels: expected ${n} labels (one per row), got ${input.labels?.length}`);
    }
    const bias = input.bias ?? new Float32Array(n);
    if (bias.length !== n) throw new BootstrapError(`bias: expected ${n} values (one per row), got ${bias.length}`);
    if (n === 0) return this.rows;
    // A reader becomes the writer here (or is refused): the segment is built only once we may commit it.
    this.lockForWriting();

    const labelBytes = Buffer.from(JSON.stringify(input.labels));
    const lay = layout(n, dim, labelBytes.length);
    const buf = Buffer.alloc(lay.total);
    buf.write(SEG_MAGIC, 0, 'latin1');
    buf.writeUInt32LE(1, 8);
    buf.writeUInt32LE(dim, 12);
    buf.writeUInt32LE(n, 16);
    buf.writeUInt32LE(labelBytes.length, 20);
    const unit = new Float32Array(buf.buffer, buf.byteOffset + lay.unit, n * dim);
    const norms = normalizeRows(input.vectors, dim, unit);
    new Float32Array(buf.buffer, buf.byteOffset + lay.norms, n).set(norms);
    new Float32Array(buf.buffer, buf.byteOffset + lay.bias, n).set(bias);
    quantizeRowsInt8(unit, dim, new Int8Array(buf.buffer, buf.byteOffset + lay.int8, n * dim), new Float32Array(buf.buffer, buf.byteOffset + lay.scales, n));
    labelBytes.copy(buf, lay.labels);
    const crc = crc32(buf.subarray(0, lay.footer));
    buf.writeUInt32LE(crc, lay.footer);
    buf.writeUInt32LE(lay.total, lay.footer + 4);
    buf.write(END_MAGIC, lay.footer + 8, 'latin1');

    const seq = this.manifest.seq + 1;
    const file = `seg-${String(seq).padStart(8, '0')}.dfh`;
    writeAtomic(this.dir, file, buf, onStage);
    const next: StoreManifest = {
      ...this.manifest,
      rows: this.manifest.rows + n,
      seq,
      segments: [...this.manifest.segments, { file, rows: n, bytes: lay.total, crc32: crc }],
    };
    writeAtomic(this.dir, MANIFEST, Buffer.from(JSON.stringify(next, null, 1)), (stage) => {
      if (stage === 'segment-written') onStage?.('manifest-written');
    });
    const first = this.manifest.rows;
    this.manifest = next;
    onStage?.('committed');
    this.removeLeftovers();
    return first;
  }

  /** Reads segment `i` (checking its CRC-32). */
  readSegment(i: number): SegmentData {
    const seg = this.segmentInfo(i);
    const path = join(this.dir, seg.file);
    const buf = readFileSync(path);
    this.checkBytes(seg, path, buf);
    const dim = this.dim;
    const n = seg.rows;
    const labelBytes = buf.readUInt32LE(20);
    const lay = layout(n, dim, labelBytes);
    const ab = buf.buffer;
    const o = buf.byteOffset;
    // Copies: the Buffer may come from Node's pool (unaligned offsets, shared memory).
    return {
      rows: n,
      unit: new Float32Array(ab.slice(o + lay.unit, o + lay.norms)),
      norms: new Float32Array(ab.slice(o + lay.norms, o + lay.bias)),
      bias: new Float32Array(ab.slice(o + lay.bias, o + lay.scales)),
      scales: new Float32Array(ab.slice(o + lay.scales, o + lay.int8)),
      int8: new Int8Array(ab.slice(o + lay.int8, o + lay.labels)),
      labels: JSON.parse(buf.subarray(lay.labels, lay.labels + labelBytes).toString('utf8')),
    };
  }

  /**
   * Streams segment `i` into caller-owned views (e.g. an index's WASM memory) without a
   * second copy, checking the CRC-32 as it goes. Returns the labels.
   */
  readSegmentInto(
    i: number,
    target: { unit?: Uint8Array; norms?: Uint8Array; bias?: Uint8Array; int8?: Uint8Array; scales?: Uint8Array },
  ): { labels: string[] } {
    const seg = this.segmentInfo(i);
    const path = join(this.dir, seg.file);
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      if (size !== seg.bytes) throw new TornStoreError(`${path}: ${size} bytes on disk, the manifest says ${seg.bytes} (torn segment)`, path);
      const header = Buffer.alloc(HEADER_BYTES);
      readFully(fd, header, 0, path);
      const labelBytes = header.readUInt32LE(20);
      const lay = layout(seg.rows, this.dim, labelBytes);
      let crc = crc32(header);
      const sections: [keyof typeof target, number, number][] = [
        ['unit', lay.unit, lay.norms],
        ['norms', lay.norms, lay.bias],
        ['bias', lay.bias, lay.scales],
        ['scales', lay.scales, lay.int8],
        ['int8', lay.int8, lay.labels],
      ];
      const scratch = Buffer.alloc(1 << 20);
      for (const [name, from, to] of sections) {
        const dest = target[name];
        if (dest && dest.length !== to - from) throw new BootstrapError(`readSegmentInto: ${name} needs ${to - from} bytes, got ${dest.length}`);
        for (let pos = from; pos < to; ) {
          const len = Math.min(to - pos, dest ? 1 << 24 : scratch.length);
          const view = dest ? dest.subarray(pos - from, pos - from + len) : scratch.subarray(0, len);
          readFully(fd, view, pos, path);
          crc = crc32(view, crc);
          pos += len;
        }
      }
      const tail = Buffer.alloc(lay.total - lay.labels);
      readFully(fd, tail, lay.labels, path);
      crc = crc32(tail.subarray(0, lay.footer - lay.labels), crc);
      this.checkFooter(seg, path, tail.subarray(lay.footer - lay.labels), crc);
      return { labels: JSON.parse(tail.subarray(0, labelBytes).toString('utf8')) };
    } finally {
      closeSync(fd);
    }
  }

  /** All labels, in row order. */
  labels(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const path = join(this.dir, seg.file);
      const fd = openSync(path, 'r');
      try {
        const header = Buffer.alloc(HEADER_BYTES);
        readFully(fd, header, 0, path);
        const labelBytes = header.readUInt32LE(20);
        const lay = layout(seg.rows, this.dim, labelBytes);
        const b = Buffer.alloc(labelBytes);
        readFully(fd, b, lay.labels, path);
        for (const l of JSON.parse(b.toString('utf8'))) out.push(l);
      } finally {
        closeSync(fd);
      }
    }
    return out;
  }

  private segmentInfo(i: number): SegmentInfo {
    const seg = this.manifest.segments[i];
    if (!seg) throw new BootstrapError(`segment ${i} out of range (store has ${this.manifest.segments.length})`);
    return seg;
  }

  private checkSegments(verify: 'full' | 'size' = 'full'): void {
    for (let i = 0; i < this.manifest.segments.length; i++) this.checkSegment(i, verify);
  }

  private checkSegment(i: number, verify: 'full' | 'size'): void {
    const seg = this.manifest.segments[i];
    const path = join(this.dir, seg.file);
    if (!existsSync(path)) throw new TornStoreError(`${path} is missing but the manifest lists it (torn store)`, path);
    const size = statSync(path).size;
    if (size !== seg.bytes) throw new TornStoreError(`${path}: ${size} bytes on disk, the manifest says ${seg.bytes} (torn segment)`, path);
    if (verify === 'full') {
      this.checkBytes(seg, path, readFileSync(path));
      return;
    }
    const fd = openSync(path, 'r');
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      readFully(fd, header, 0, path);
      this.checkHeader(seg, path, header);
      const footer = Buffer.alloc(FOOTER_BYTES);
      readFully(fd, footer, seg.bytes - FOOTER_BYTES, path);
      this.checkFooter(seg, path, footer, seg.crc32);
    } finally {
      closeSync(fd);
    }
  }

  private checkHeader(seg: SegmentInfo, path: string, header: Buffer): void {
    if (header.toString('latin1', 0, 8) !== SEG_MAGIC) throw new TornStoreError(`${path}: bad segment magic (not a segment, or overwritten)`, path);
    const dim = header.readUInt32LE(12);
    const rows = header.readUInt32LE(16);
    if (dim !== this.dim || rows !== seg.rows) {
      throw new TornStoreError(`${path}: header says ${rows}×${dim}, the manifest ${seg.rows}×${this.dim}`, path);
    }
    if (layout(rows, dim, header.readUInt32LE(20)).total !== seg.bytes) throw new TornStoreError(`${path}: header sizes do not match the file size`, path);
  }

  private checkFooter(seg: SegmentInfo, path: string, footer: Buffer, crc: number): void {
    if (footer.toString('latin1', 8, 16) !== END_MAGIC) throw new TornStoreError(`${path}: footer missing (torn segment)`, path);
    const stored = footer.readUInt32LE(0);
    if (stored !== seg.crc32 || crc !== seg.crc32) {
      throw new TornStoreError(
        `${path}: CRC-32 mismatch (manifest ${hex(seg.crc32)}, footer ${hex(stored)}, data ${hex(crc)}): the segment is corrupt`,
        path,
      );
    }
  }

  private checkBytes(seg: SegmentInfo, path: string, buf: Buffer): void {
    if (buf.length !== seg.bytes) throw new TornStoreError(`${path}: ${buf.length} bytes on disk, the manifest says ${seg.bytes} (torn segment)`, path);
    this.checkHeader(seg, path, buf);
    const footerAt = seg.bytes - FOOTER_BYTES;
    this.checkFooter(seg, path, buf.subarray(footerAt), crc32(buf.subarray(0, footerAt)));
  }

  /** Removes temp files and segments the manifest does not name (left by a crash). */
  private removeLeftovers(): void {
    const named = new Set(this.manifest.segments.map((s) => s.file));
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith('.tmp') || (f.startsWith('seg-') && f.endsWith('.dfh') && !named.has(f))) rmSync(join(this.dir, f), { force: true });
    }
  }
}

function lockStore(dir: string, owner: string | undefined): WriteLock {
  return acquireWriteLock(join(dir, STORE_LOCK), { owner, resource: `the hyperplane store ${dir}` });
}

function requireManifest(dir: string): string {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new BootstrapError(`${path} not found: not a hyperplane store (create one first)`);
  return path;
}

/** Reads and checks the shape of the manifest (not the segments). */
function readManifest(dir: string): StoreManifest {
  const path = requireManifest(dir);
  let manifest: StoreManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TornStoreError(`${path} is not valid JSON (${(e as Error).message}); the store's manifest is corrupt`, path);
  }
  if (manifest?.format !== STORE_FORMAT || manifest.version !== 1) {
    throw new TornStoreError(`${path}: not a ${STORE_FORMAT} v1 manifest`, path);
  }
  if (!Array.isArray(manifest.segments) || manifest.segments.reduce((a, s) => a + s.rows, 0) !== manifest.rows) {
    throw new TornStoreError(`${path}: segment row counts do not add up to rows = ${manifest.rows}`, path);
  }
  return manifest;
}

function checkDim(store: HyperplaneStore, dim: number): HyperplaneStore {
  if (store.dim !== dim) {
    store.close();
    throw new BootstrapError(`${store.dir} holds dim ${store.dim}, asked for dim ${dim}`);
  }
  return store;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new TornStoreError(`${path}: unexpected end of file at byte ${position + done} (torn segment)`, path);
    done += n;
  }
}

/** Writes `name` in `dir` via `name.tmp` + fsync + rename + directory fsync. */
function writeAtomic(dir: string, name: string, bytes: Uint8Array, onStage?: (stage: AppendStage) => void): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, Math.min(bytes.length - off, 1 << 26));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  onStage?.('segment-written');
  renameSync(tmp, join(dir, name));
  onStage?.('segment-renamed');
  // fsync the directory so the rename itself is durable (not supported on every platform).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directories cannot be fsynced on Windows */
  }
}
