/**
 * SFC-format: our manifest for large labelled private face collections (like DeepFace's
 * Social Face Classification set, 4.4 M faces of 4,030 people). See the README for the
 * format. The reader streams the file in chunks and keeps columns in typed arrays, so a
 * 4.4 M-row manifest costs ~24 bytes a row (28 while reading: an image hash per row, to find
 * repeated images), never 4.4 M JS objects. The columns are sized by a first pass that counts
 * the non-blank lines, so blank lines reserve nothing.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { createProgress } from '@deepface-ts/progress';
import { DatasetFormatError } from './errors';
import { DECIMAL } from './lines';
import { mixSeed, mulberry32, shuffleInPlace } from './rng';

export const SFC_HEADER = 'identity,image,timestamp';
export const SFC_HEADER_WITH_BOX = 'identity,image,timestamp,x,y,width,height';

export interface SfcRow {
  readonly identity: string;
  /** Path or URL of the image; relative paths are relative to the manifest's folder. */
  readonly image: string;
  /** Unix time in seconds, or a Date. */
  readonly timestamp: number | Date;
  /** Face box in pixels (only in manifests written with boxes). */
  readonly box?: { x: number; y: number; width: number; height: number };
}

export interface SfcManifest {
  readonly file: string;
  readonly rows: number;
  /** Identity names; `identity[row]` indexes this list (in order of first appearance). */
  readonly identities: readonly string[];
  readonly identity: Int32Array;
  /** Unix seconds per row. */
  readonly timestamp: Float64Array;
  /** [x, y, width, height] per row (NaN where a row has no box); undefined when the header has no box columns. */
  readonly box?: Float32Array;
  /** Byte offset and length of each row's image field in the file (read back with {@link SfcManifest.image}). */
  readonly imageOffset: Float64Array;
  readonly imageLength: Int32Array;
  /** Rows dropped by `badRows: 'skip'` (malformed, or repeating an earlier row's image): how many, and the first 20 messages. */
  readonly skipped: { count: number; examples: string[] };
  /** Image field of a row (reads the bytes from the file). */
  image(row: number): string;
  /** Image fields of many rows, with one open file. */
  images(rows: ArrayLike<number>): string[];
  /** Image of a row as a usable path: URLs and absolute paths as written, relative paths joined to the manifest's folder. */
  imagePath(row: number): string;
}

export interface ReadSfcOptions {
  /**
   * Throw on the first malformed row (default) or skip it, counting it in `skipped`. A row whose
   * image an earlier row has counts as malformed; repeats are found after the whole file is read.
   */
  badRows?: 'throw' | 'skip';
  /** Show a progress bar on stderr (default: for files over 64 MiB). */
  progress?: boolean;
  /** Read size in bytes (default 8 MiB). */
  chunkBytes?: number;
}

const COMMA = 44;
const NL = 10;
const CR = 13;
const MINUS = 45;
const QUOTE = 34;

/** Index of the first comma in buf[from, end), or -1. */
function findComma(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === COMMA) return i;
  return -1;
}

/**
 * Parses a decimal number from bytes: `-?digits(.digits)?(e±digits)?`. Returns NaN for
 * anything else (the caller then tries ISO 8601); fractions go through Number() so the
 * value is correctly rounded.
 */
function parseDecimal(buf: Buffer, start: number, end: number): number {
  const text = buf.toString('latin1', start, end);
  return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An ISO 8601 date-time with a zone: `2014-06-01T12:00`, `…:00`, `…:00.5`, then `Z`, `±hh:mm` or `±hhmm`. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Unix seconds of an ISO 8601 date-time with a zone, checked field by field: `Date.parse`
 * reads `2014-02-30` as 2 March and `T24:00` as the next day; here those are errors. Returns
 * the seconds, or a string saying what is wrong (undefined: not shaped like a date-time).
 * Fractions below a millisecond are dropped, as Date does.
 */
export function parseIsoSeconds(text: string): number | string | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12) return `month ${m[2]} is not 01..12`;
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) return `day ${m[3]} is not a day of ${MONTHS[month - 1]} ${m[1]} (01..${dim})`;
  if (hour > 23) return `hour ${m[4]} is not 00..23`;
  if (minute > 59) return `minute ${m[5]} is not 00..59`;
  if (second > 59) return `second ${m[6]} is not 00..59 (leap seconds have no Unix time)`;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return `zone offset ${m[8]}${m[9]}:${m[10]} is not a time of day`;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(`${m[7].slice(1)}00`.slice(0, 3));
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return (seconds * 1000 + ms) / 1000;
}

/** Unix seconds of a timestamp field, or a string saying what is wrong with it. */
function parseTimestamp(buf: Buffer, start: number, end: number): number | string {
  const n = parseDecimal(buf, start, end);
  if (!Number.isNaN(n)) return Number.isFinite(n) ? n : 'is too large';
  const text = buf.toString('utf8', start, end);
  // ISO 8601 date-times must carry a zone (Z or ±hh:mm): a zone-less time would depend on the reader's TZ.
  const iso = parseIsoSeconds(text);
  if (typeof iso === 'number') return iso;
  return iso === undefined ? 'must be Unix seconds or an ISO 8601 date-time with a zone' : `is not a valid date-time: ${iso}`;
}

/**
 * Identity name → integer id, keyed on the raw bytes: an open-addressing hash table over
 * FNV-1a hashes, with each name's bytes kept in one pool for the equality check. No
 * string is made for a row whose identity was seen before.
 */
class IdentityTable {
  readonly names: string[] = [];
  private slots = new Int32Array(1 << 12); // id + 1; 0 = empty
  private hashes: Int32Array = new Int32Array(1024);
  private starts: Int32Array = new Int32Array(1024);
  private lengths: Int32Array = new Int32Array(1024);
  private pool: Uint8Array = new Uint8Array(1 << 16);
  private poolUsed = 0;

  /** Id of the name in buf[start, end) whose FNV-1a hash is `hash`; adds the name when new. */
  lookup(buf: Buffer, start: number, end: number, hash: number): number {
    const mask = this.slots.length - 1;
    const len = end - start;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const entry = this.slots[s]!;
      if (entry === 0) return this.insert(buf, start, end, hash, s);
      const id = entry - 1;
      if (this.hashes[id] === hash && this.lengths[id] === len) {
        const o = this.starts[id]!;
        let k = 0;
        while (k < len && this.pool[o + k] === buf[start + k]) k++;
        if (k === len) return id;
      }
    }
  }

  private insert(buf: Buffer, start: number, end: number, hash: number, slot: number): number {
    const id = this.names.length;
    const len = end - start;
    if (id === this.hashes.length) {
      this.hashes = grow(this.hashes, id * 2);
      this.starts = grow(this.starts, id * 2);
      this.lengths = grow(this.lengths, id * 2);
    }
    if (this.poolUsed + len > this.pool.length) {
      const next = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      next.set(this.pool);
      this.pool = next;
    }
    this.pool.set(buf.subarray(start, end), this.poolUsed);
    this.hashes[id] = hash;
    this.starts[id] = this.poolUsed;
    this.lengths[id] = len;
    this.poolUsed += len;
    this.names.push(buf.toString('utf8', start, end));
    this.slots[slot] = id + 1;
    if (this.names.length * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.names.length; id++) {
      let s = this.hashes[id]! & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = id + 1;
    }
  }
}

function grow<T extends Int32Array | Float64Array | Float32Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** FNV-1a over buf[start, end). */
function fnv1a(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  return h;
}

/** The columns being filled: sized by the count of non-blank lines, grown by 1.5× only if the file grew meanwhile. */
class Columns {
  rows = 0;
  identity: Int32Array;
  timestamp: Float64Array;
  imageOffset: Float64Array;
  imageLength: Int32Array;
  /** FNV-1a of each row's image bytes, for finding repeated images (not part of the manifest). */
  imageHash: Int32Array;
  box: Float32Array | undefined;
  constructor(
    capacity: number,
    withBox: boolean,
  ) {
    this.identity = new Int32Array(capacity);
    this.timestamp = new Float64Array(capacity);
    this.imageOffset = new Float64Array(capacity);
    this.imageLength = new Int32Array(capacity);
    this.imageHash = new Int32Array(capacity);
    this.box = withBox ? new Float32Array(capacity * 4) : undefined;
  }
  ensureOne(): void {
    if (this.rows < this.identity.length) return;
    const n = Math.max(1024, Math.ceil(this.identity.length * 1.5));
    this.identity = grow(this.identity, n);
    this.timestamp = grow(this.timestamp, n);
    this.imageOffset = grow(this.imageOffset, n);
    this.imageLength = grow(this.imageLength, n);
    this.imageHash = grow(this.imageHash, n);
    if (this.box) this.box = grow(this.box, n * 4);
  }
}

/** Murmur3's finaliser: spreads FNV-1a's bits (its high bits vary little between similar paths). */
function mix32(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The rows whose image field an earlier row has, as pairs [row, earlier row] ascending by row.
 * Runs after the read, over the column of image hashes: rows are partitioned by the top bits
 * of their (mixed) hash into buckets of a few thousand, and each bucket is checked with a
 * table small enough to stay in cache (a lookup per row in one table of every image would miss
 * the cache on nearly every row). At most a quarter of the rows are partitioned at a time, so
 * the scratch space is about 2 bytes a row. Equal hashes are confirmed by reading the fields
 * back from the file.
 */
function findRepeatedImages(cols: Columns, fd: number): number[] {
  const n = cols.rows;
  if (n < 2) return [];
  const hashes = cols.imageHash;
  const roundBits = n > 1 << 18 ? 2 : 0;
  const bucketBits = Math.max(0, Math.min(12, Math.ceil(Math.log2(n)) - roundBits - 12)); // ~4,096 rows a bucket
  const topBits = roundBits + bucketBits;
  const shift = 32 - topBits;
  const top = (m: number): number => (topBits === 0 ? 0 : m >>> shift);
  const counts = new Int32Array(1 << topBits);
  for (let r = 0; r < n; r++) counts[top(mix32(hashes[r]!))]!++;
  const buckets = 1 << bucketBits;
  let most = 0;
  let biggest = 0;
  for (let round = 0; round < 1 << roundBits; round++) {
    let sum = 0;
    for (let b = 0; b < buckets; b++) {
      const c = counts[(round << bucketBits) + b]!;
      sum += c;
      biggest = Math.max(biggest, c);
    }
    most = Math.max(most, sum);
  }
  const rowsOf = new Int32Array(most);
  const hashOf = new Int32Array(most); // mixed hashes (mix32 is a bijection: equal mixed ⇔ equal hashes)
  let size = 16;
  while (size < biggest * 2) size *= 2;
  const keys = new Int32Array(size);
  const firstRow = new Int32Array(size); // row + 1; 0 = empty
  // First row of a hash → the later rows with the same hash (repeats, and the rare true collisions).
  const same = new Map<number, number[]>();
  const start = new Int32Array(buckets + 1);
  for (let round = 0; round < 1 << roundBits; round++) {
    for (let b = 0; b < buckets; b++) start[b + 1] = start[b]! + counts[(round << bucketBits) + b]!;
    const fill = start.slice(0, buckets);
    for (let r = 0; r < n; r++) {
      const m = mix32(hashes[r]!);
      const t = top(m);
      if (t >>> bucketBits !== round) continue;
      const at = fill[t & (buckets - 1)]!++;
      rowsOf[at] = r;
      hashOf[at] = m;
    }
    for (let b = 0; b < buckets; b++) {
      const count = start[b + 1]! - start[b]!;
      if (count < 2) continue;
      let mask = 15;
      while (mask + 1 < count * 2) mask = mask * 2 + 1;
      firstRow.fill(0, 0, mask + 1);
      for (let q = start[b]!; q < start[b + 1]!; q++) {
        const m = hashOf[q]!;
        let s = m & mask;
        while (firstRow[s] !== 0 && keys[s] !== m) s = (s + 1) & mask;
        if (firstRow[s] === 0) {
          keys[s] = m;
          firstRow[s] = rowsOf[q]! + 1;
        } else {
          const f = firstRow[s]! - 1;
          const later = same.get(f);
          if (later) later.push(rowsOf[q]!);
          else same.set(f, [rowsOf[q]!]);
        }
      }
    }
  }
  const bytes = (r: number): Buffer => {
    const out = Buffer.allocUnsafe(cols.imageLength[r]!);
    readSync(fd, out, 0, out.length, cols.imageOffset[r]!);
    return out;
  };
  const pairs: [number, number][] = [];
  for (const [f, later] of same) {
    // The distinct images among the rows with this hash, by first row (one read per row).
    const firsts = [{ row: f, bytes: bytes(f) }];
    for (const r of later) {
      const mine = bytes(r);
      const earlier = firsts.find((x) => x.bytes.equals(mine));
      if (earlier === undefined) firsts.push({ row: r, bytes: mine });
      else pairs.push([r, earlier.row]);
    }
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return pairs.flat();
}

/** 1-based lines of byte offsets, in one pass over the file up to the last of them (for messages). */
function linesAt(fd: number, offsets: readonly number[]): Map<number, number> {
  const sorted = [...new Set(offsets)].sort((x, y) => x - y);
  const out = new Map<number, number>();
  const buf = Buffer.allocUnsafe(1 << 20);
  let line = 1;
  let at = 0;
  for (const offset of sorted) {
    while (at < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - at), at);
      if (n === 0) break;
      for (let p = buf.indexOf(NL, 0); p >= 0 && p < n; p = buf.indexOf(NL, p + 1)) line++;
      at += n;
    }
    out.set(offset, line);
  }
  return out;
}

/**
 * Refuses the rows that repeat an earlier row's image (found after the read, see
 * {@link findRepeatedImages}): throws for the first, or drops them all, counting them in
 * `skipped`. Returns the identity names, less any left without a row.
 */
function refuseRepeatedImages(st: ReadState, pairs: readonly number[]): string[] {
  const names = st.table.names;
  if (pairs.length === 0) return names;
  const cols = st.cols;
  const messages = st.badRows === 'throw' ? 1 : Math.max(0, MAX_EXAMPLES - st.skipped.examples.length);
  const shown = Math.min(messages, pairs.length / 2);
  const offsets: number[] = [];
  for (let q = 0; q < shown; q++) offsets.push(cols.imageOffset[pairs[2 * q]!]!, cols.imageOffset[pairs[2 * q + 1]!]!);
  const lines = linesAt(st.fd, offsets);
  for (let q = 0; q < shown; q++) {
    const [row, earlier] = [pairs[2 * q]!, pairs[2 * q + 1]!];
    const image = JSON.stringify(readImage(st.fd, cols.imageOffset[row]!, cols.imageLength[row]!));
    const identity = names[cols.identity[row]!]!;
    const before = names[cols.identity[earlier]!]!;
    const at = lines.get(cols.imageOffset[earlier]!)!;
    const problem =
      identity === before
        ? `image ${image} is already on line ${at} (a repeated image could land in both the train and the test split)`
        : `image ${image} is already on line ${at} as identity ${JSON.stringify(before)}, here ${JSON.stringify(identity)} (one image cannot be two people)`;
    const line = lines.get(cols.imageOffset[row]!)!;
    if (st.badRows === 'throw') throw new DatasetFormatError(st.file, line, problem);
    st.skipped.examples.push(`${st.file}:${line}: ${problem}`);
  }
  st.skipped.count += pairs.length / 2;
  // Drop the repeats: compact the columns in place.
  const drop = new Uint8Array(cols.rows);
  for (let q = 0; q < pairs.length; q += 2) drop[pairs[q]!] = 1;
  let w = 0;
  for (let r = 0; r < cols.rows; r++) {
    if (drop[r]) continue;
    cols.identity[w] = cols.identity[r]!;
    cols.timestamp[w] = cols.timestamp[r]!;
    cols.imageOffset[w] = cols.imageOffset[r]!;
    cols.imageLength[w] = cols.imageLength[r]!;
    if (cols.box) cols.box.copyWithin(4 * w, 4 * r, 4 * r + 4);
    w++;
  }
  cols.rows = w;
  // An identity whose only rows were repeats goes too, so that every identity listed has a row.
  const used = new Uint8Array(names.length);
  for (let r = 0; r < w; r++) used[cols.identity[r]!] = 1;
  if (used.every((u) => u === 1)) return names;
  const remap = new Int32Array(names.length);
  const kept: string[] = [];
  names.forEach((name, id) => {
    remap[id] = used[id] ? kept.push(name) - 1 : -1;
  });
  for (let r = 0; r < w; r++) cols.identity[r] = remap[cols.identity[r]!]!;
  return kept;
}

function readImage(fd: number, offset: number, length: number): string {
  const buf = Buffer.allocUnsafe(length);
  readSync(fd, buf, 0, length, offset);
  return buf.toString('utf8');
}

/**
 * Non-blank lines of the file (a line with any byte besides CR and LF), to size the columns
 * by rows rather than bytes: a 200 MB file of newlines reserves nothing. Native `indexOf` finds
 * each line's end; runs of blank lines are stepped over byte by byte, so they cost no call each.
 */
function countNonBlankLines(fd: number, size: number, buf: Buffer): number {
  let count = 0;
  let content = false; // the current line has a byte other than CR
  for (let offset = 0; offset < size; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
    if (n === 0) break;
    offset += n;
    let p = 0;
    while (p < n) {
      const c = buf[p]!;
      if (c === NL) {
        if (content) count++;
        content = false;
        p++;
      } else if (c === CR) {
        p++;
      } else {
        content = true;
        const q = buf.indexOf(NL, p);
        if (q < 0 || q >= n) break; // the line goes on in the next chunk
        count++;
        content = false;
        p = q + 1;
      }
    }
  }
  return count + (content ? 1 : 0);
}

/** Parser state that survives from one chunk to the next. */
interface ReadState {
  readonly file: string;
  readonly fd: number;
  readonly withBox: boolean;
  readonly badRows: 'throw' | 'skip';
  readonly table: IdentityTable;
  readonly cols: Columns;
  readonly skipped: { count: number; examples: string[] };
  lineNo: number;
}

const MAX_EXAMPLES = 20;

function badRow(st: ReadState, problem: string): void {
  if (st.badRows === 'throw') throw new DatasetFormatError(st.file, st.lineNo, problem);
  st.skipped.count++;
  if (st.skipped.examples.length < MAX_EXAMPLES) st.skipped.examples.push(`${st.file}:${st.lineNo}: ${problem}`);
}

/**
 * The careful path for one line buf[start, end) (no newline, no CR): every check with its
 * message, decimal and ISO timestamps, boxes. The fast path hands every unusual line here.
 */
function parseRowCarefully(st: ReadState, buf: Buffer, start: number, end: number, fileOffset: number): void {
  const fieldsWanted = st.withBox ? 7 : 3;
  const c1 = findComma(buf, start, end);
  if (c1 < 0) return badRow(st, `expected ${fieldsWanted} comma-separated fields, found 1`);
  const c2 = findComma(buf, c1 + 1, end);
  if (c2 < 0) return badRow(st, `expected ${fieldsWanted} comma-separated fields, found 2`);
  const c3 = findComma(buf, c2 + 1, end);
  if (!st.withBox && c3 >= 0) return badRow(st, 'expected 3 comma-separated fields `identity,image,timestamp`, found more (commas are not allowed inside fields)');
  if (c1 === start) return badRow(st, 'identity is empty');
  if (buf[start] === QUOTE || buf[c1 + 1] === QUOTE) return badRow(st, 'fields must not be quoted (SFC-format has no quoting; commas and line breaks are not allowed in fields)');
  if (c2 === c1 + 1) return badRow(st, 'image is empty');
  const tsEnd = c3 >= 0 ? c3 : end;
  const ts = parseTimestamp(buf, c2 + 1, tsEnd);
  if (typeof ts === 'string') {
    const text = JSON.stringify(buf.toString('utf8', c2 + 1, tsEnd));
    return badRow(st, ts.startsWith('must') ? `timestamp ${ts}, got ${text}` : `timestamp ${text} ${ts}`);
  }
  let box: number[] = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  if (st.withBox) {
    if (c3 < 0) return badRow(st, 'expected 7 comma-separated fields `identity,image,timestamp,x,y,width,height` (leave x..height empty for no box), found 3');
    const parts = buf.toString('utf8', c3 + 1, end).split(',');
    if (parts.length !== 4) return badRow(st, `expected 7 comma-separated fields, found ${3 + parts.length}`);
    if (parts.some((p) => p.trim() !== '')) {
      const trimmed = parts.map((p) => p.trim());
      if (trimmed.some((p) => p !== '' && !DECIMAL.test(p) && Number.isFinite(Number(p)))) {
        return badRow(st, `box x,y,width,height must be decimal numbers, got ${JSON.stringify(parts.join(','))} (hexadecimal, octal and binary forms are not read)`);
      }
      const v = trimmed.map((p) => (DECIMAL.test(p) ? Number(p) : Number.NaN));
      if (!v.every(Number.isFinite)) return badRow(st, `box x,y,width,height must be 4 finite numbers or all empty, got ${JSON.stringify(parts.join(','))}`);
      // The box column is a Float32Array: 1e39 would be stored as Infinity.
      if (!v.every((x) => Number.isFinite(Math.fround(x)))) return badRow(st, `box x,y,width,height must fit 32-bit floats (|v| < 3.4e38), got ${JSON.stringify(parts.join(','))}`);
      if (!(v[2]! > 0 && v[3]! > 0)) return badRow(st, `box width and height must be positive, got ${v[2]}×${v[3]}`);
      box = v;
    }
  }
  st.cols.ensureOne();
  st.cols.imageHash[st.cols.rows] = fnv1a(buf, c1 + 1, c2);
  const hash = fnv1a(buf, start, c1);
  addRow(st, st.table.lookup(buf, start, c1, hash), ts, fileOffset + c1 + 1, c2 - c1 - 1);
  if (st.cols.box) st.cols.box.set(box, (st.cols.rows - 1) * 4);
}

function addRow(st: ReadState, id: number, ts: number, imageOffset: number, imageLength: number): void {
  const cols = st.cols;
  const r = cols.rows++;
  cols.identity[r] = id;
  cols.timestamp[r] = ts;
  cols.imageOffset[r] = imageOffset;
  cols.imageLength[r] = imageLength;
}

/**
 * Parses the complete lines of buf[0, filled) (and the last, unterminated one at end of
 * file). Returns where the first incomplete line starts. The fast path handles the common
 * row `identity,image,integer` in one pass over its bytes without making any string.
 */
function parseLines(st: ReadState, buf: Buffer, filled: number, eof: boolean, fileOffset: number): number {
  const cols = st.cols;
  const table = st.table;
  const fast = !st.withBox;
  let pos = 0;
  while (pos < filled) {
    if (fast) {
      // One pass: identity (hashed) up to a comma, image up to a comma, then `-?digits` and the line end.
      let i = pos;
      let h = 0x811c9dc5 | 0;
      let c = -1;
      while (i < filled) {
        c = buf[i]!;
        if (c === COMMA || c === NL) break;
        h = Math.imul(h ^ c, 16777619);
        i++;
      }
      if (c === COMMA && i > pos && i < filled && buf[pos] !== QUOTE) {
        const c1 = i;
        i++;
        c = -1;
        let hImage = 0x811c9dc5 | 0;
        while (i < filled) {
          c = buf[i]!;
          if (c === COMMA || c === NL) break;
          hImage = Math.imul(hImage ^ c, 16777619);
          i++;
        }
        if (c === COMMA && i > c1 + 1 && i < filled && buf[c1 + 1] !== QUOTE) {
          const c2 = i;
          i++;
          const negative = i < filled && buf[i] === MINUS;
          if (negative) i++;
          const digitsStart = i;
          let ts = 0;
          while (i < filled) {
            const d = buf[i]! - 48;
            if (d < 0 || d > 9) break;
            ts = ts * 10 + d;
            i++;
          }
          const digits = i - digitsStart;
          if (digits > 0 && digits <= 15 && i < filled) {
            // 15 digits stay exact in a double; longer numbers take the careful path.
            let next = -1;
            if (buf[i] === NL) next = i + 1;
            else if (buf[i] === CR && i + 1 < filled && buf[i + 1] === NL) next = i + 2;
            if (next > 0) {
              st.lineNo++;
              const id = table.lookup(buf, pos, c1, h);
              if (cols.rows >= cols.identity.length) cols.ensureOne();
              const r = cols.rows++;
              cols.imageHash[r] = hImage;
              cols.identity[r] = id;
              cols.timestamp[r] = negative ? -ts : ts;
              cols.imageOffset[r] = fileOffset + c1 + 1;
              cols.imageLength[r] = c2 - c1 - 1;
              pos = next;
              continue;
            }
          }
        }
      }
    }
    // Careful path: blank lines, the last line without a newline, boxes, decimals, ISO times, errors.
    let nl = pos;
    while (nl < filled && buf[nl] !== NL) nl++;
    if (nl === filled && !eof) break;
    st.lineNo++;
    let end = nl;
    if (end > pos && buf[end - 1] === CR) end--;
    if (end > pos) parseRowCarefully(st, buf, pos, end, fileOffset);
    pos = nl + 1;
  }
  return Math.min(pos, filled);
}

/**
 * Streams an SFC-format manifest into columns. Errors are `file:line: what is wrong`.
 */
export function readSfcManifest(file: string, options: ReadSfcOptions = {}): SfcManifest {
  const { badRows = 'throw', chunkBytes = 8 << 20 } = options;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetFormatError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot open (${code})`);
  }
  try {
    const size = fstatSync(fd).size;
    const showProgress = options.progress ?? size > 64 << 20;
    const progress = showProgress ? createProgress({ label: `read ${basename(file)}`, total: Math.max(1, Math.round(size / 1048576)), unit: 'MiB' }) : undefined;
    let buf: Buffer = Buffer.allocUnsafe(Math.max(64, chunkBytes));
    const rowLines = countNonBlankLines(fd, size, buf);
    let filled = 0;
    let bufFileOffset = 0; // file offset of buf[0]
    let eof = false;
    let st: ReadState | undefined;
    let headerLine = 0;
    let reportedMiB = 0;
    for (;;) {
      if (!eof && filled < buf.length) {
        const n = readSync(fd, buf, filled, buf.length - filled, bufFileOffset + filled);
        if (n === 0) eof = true;
        filled += n;
      }
      let pos = 0;
      if (st === undefined) {
        // Header: the first non-blank line.
        let nl = buf.indexOf(NL);
        if (nl < 0 || nl >= filled) {
          if (!eof) {
            if (filled === buf.length) buf = growBuffer(buf, filled, file, 1);
            continue;
          }
          nl = filled;
        }
        headerLine++;
        const text = buf.toString('utf8', 0, nl).replace(/^\uFEFF/, '').trim();
        pos = Math.min(nl + 1, filled);
        if (text === '') {
          if (eof && pos >= filled) throw new DatasetFormatError(file, undefined, `file is empty (expected the header "${SFC_HEADER}")`);
          buf.copy(buf, 0, pos, filled);
          filled -= pos;
          bufFileOffset += pos;
          continue;
        }
        if (text !== SFC_HEADER && text !== SFC_HEADER_WITH_BOX) {
          throw new DatasetFormatError(file, headerLine, `first line must be the header "${SFC_HEADER}" or "${SFC_HEADER_WITH_BOX}", got ${JSON.stringify(text.slice(0, 80))}`);
        }
        // Room for one row per non-blank line after the header (counted before reading): the
        // reservation follows the rows, so blank lines cost nothing however many there are.
        const capacity = Math.max(16, rowLines - 1);
        st = {
          file,
          fd,
          withBox: text === SFC_HEADER_WITH_BOX,
          badRows,
          table: new IdentityTable(),
          cols: new Columns(capacity, text === SFC_HEADER_WITH_BOX),
          skipped: { count: 0, examples: [] },
          lineNo: headerLine,
        };
        buf.copy(buf, 0, pos, filled);
        filled -= pos;
        bufFileOffset += pos;
      }
      const consumed = parseLines(st, buf, filled, eof, bufFileOffset);
      if (eof && consumed >= filled) break;
      if (consumed === 0 && filled === buf.length) {
        buf = growBuffer(buf, filled, file, st.lineNo + 1); // a line longer than the buffer
        continue;
      }
      buf.copy(buf, 0, consumed, filled);
      filled -= consumed;
      bufFileOffset += consumed;
      if (progress) {
        const mib = Math.floor(bufFileOffset / 1048576);
        if (mib > reportedMiB) {
          progress.tick(mib - reportedMiB, `${st.cols.rows.toLocaleString('en-US')} rows`);
          reportedMiB = mib;
        }
      }
    }
    const identities = refuseRepeatedImages(st, findRepeatedImages(st.cols, fd));
    const rows = st.cols.rows;
    progress?.done(`${rows.toLocaleString('en-US')} rows, ${identities.length.toLocaleString('en-US')} identities`);
    const c = st.cols;
    return makeManifest(
      file,
      rows,
      identities,
      c.identity.subarray(0, rows),
      c.timestamp.subarray(0, rows),
      c.box?.subarray(0, rows * 4),
      c.imageOffset.subarray(0, rows),
      c.imageLength.subarray(0, rows),
      st.skipped,
    );
  } finally {
    closeSync(fd);
  }
}

function growBuffer(buf: Buffer, filled: number, file: string, line: number): Buffer {
  if (buf.length >= 1 << 30) throw new DatasetFormatError(file, line, 'line longer than 1 GiB');
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, filled);
  return bigger;
}

function makeManifest(
  file: string,
  rows: number,
  identities: string[],
  identity: Int32Array,
  timestamp: Float64Array,
  box: Float32Array | undefined,
  imageOffset: Float64Array,
  imageLength: Int32Array,
  skipped: { count: number; examples: string[] },
): SfcManifest {
  const images = (list: ArrayLike<number>): string[] => {
    const fd = openSync(file, 'r');
    try {
      const out: string[] = [];
      let scratch = Buffer.allocUnsafe(4096);
      for (let k = 0; k < list.length; k++) {
        const r = list[k]!;
        if (!(r >= 0 && r < rows)) throw new RangeError(`${file}: row ${r} out of range (0..${rows - 1})`);
        const n = imageLength[r]!;
        if (scratch.length < n) scratch = Buffer.allocUnsafe(n);
        readSync(fd, scratch, 0, n, imageOffset[r]!);
        out.push(scratch.toString('utf8', 0, n));
      }
      return out;
    } finally {
      closeSync(fd);
    }
  };
  return {
    file,
    rows,
    identities,
    identity,
    timestamp,
    ...(box ? { box } : {}),
    imageOffset,
    imageLength,
    skipped,
    image: (row) => images([row])[0]!,
    images,
    imagePath: (row) => {
      const ref = images([row])[0]!;
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || isAbsolute(ref) ? ref : join(dirname(file), ref);
    },
  };
}

export interface SfcSplit {
  /** Row numbers, ascending. */
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Number of test images for an identity with `n` images: round(fraction·n), at least 1 when n ≥ 2. */
export function sfcTestCount(n: number, fraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/**
 * The value that would sit at index `k` if `a` were sorted ascending (quickselect,
 * reordering `a`): O(n) on average against a full sort's O(n log n), and the split only
 * needs the threshold time.
 */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot keeps sorted or reversed input linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Rows grouped by identity (stable: row order within each identity), with group starts. */
function groupByIdentity(m: Pick<SfcManifest, 'rows' | 'identity' | 'identities'>): { order: Int32Array; start: Int32Array } {
  const nIds = m.identities.length;
  const start = new Int32Array(nIds + 1);
  for (let r = 0; r < m.rows; r++) start[m.identity[r]! + 1]!++;
  for (let i = 0; i < nIds; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, nIds);
  const order = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) order[fill[m.identity[r]!]!++] = r;
  return { order, start };
}

/**
 * The paper's time split: for each identity, its most recent `testFraction` (default 5 %)
 * of images by timestamp form the test set, the rest train. Equal timestamps are broken by
 * row order (a later row counts as more recent), so the split is fully determined by the file.
 */
export function sfcTimeSplit(m: SfcManifest, options: { testFraction?: number } = {}): SfcSplit {
  const { testFraction = 0.05 } = options;
  if (!(testFraction >= 0 && testFraction < 1)) throw new RangeError(`sfcTimeSplit: testFraction must be in [0, 1), got ${testFraction}`);
  const { order, start } = groupByIdentity(m);
  const isTest = new Uint8Array(m.rows);
  let scratch = new Float64Array(1024);
  let testTotal = 0;
  for (let id = 0; id < m.identities.length; id++) {
    const a = start[id]!;
    const b = start[id + 1]!;
    const n = b - a;
    const k = sfcTestCount(n, testFraction);
    if (k === 0) continue;
    if (scratch.length < n) scratch = new Float64Array(n * 2);
    const times = scratch.subarray(0, n);
    for (let q = 0; q < n; q++) times[q] = m.timestamp[order[a + q]!]!;
    const threshold = selectKth(times, n - k); // the k-th most recent time

    let above = 0;
    for (let q = a; q < b; q++) {
      const r = order[q]!;
      if (m.timestamp[r]! > threshold) {
        isTest[r] = 1;
        above++;
      }
    }
    // Fill the rest from the rows at the threshold time, latest rows first.
    let need = k - above;
    for (let q = b - 1; q >= a && need > 0; q--) {
      const r = order[q]!;
      if (m.timestamp[r] === threshold) {
        isTest[r] = 1;
        need--;
      }
    }
    testTotal += k;
  }
  const train = new Int32Array(m.rows - testTotal);
  const test = new Int32Array(testTotal);
  for (let r = 0, i = 0, j = 0; r < m.rows; r++) {
    if (isTest[r]) test[j++] = r;
    else train[i++] = r;
  }
  return { train, test };
}

/**
 * Identity counts of DeepFace's SFC subsets DF-1.5K / DF-3.3K / DF-4.4K. The names count
 * faces (1.5 M, 3.3 M, 4.4 M); the subsets take 1,500, 3,000 and all (about 4,000) people.
 */
export const SFC_IDENTITY_SUBSETS = { 'DF-1.5K': 1500, 'DF-3.3K': 3000, 'DF-4.4K': Number.POSITIVE_INFINITY } as const;
/** Fractions of each identity's training images of DeepFace's DF-10% / DF-20% / DF-50%. */
export const SFC_FRACTION_SUBSETS = { 'DF-10%': 0.1, 'DF-20%': 0.2, 'DF-50%': 0.5 } as const;

export interface SfcSubset extends SfcSplit {
  /** The identities kept (ids into manifest.identities), ascending. */
  readonly identities: Int32Array;
}

/** The rows whose identity is flagged in `keep`, in their order. */
function rowsOfIdentities(m: SfcManifest, rows: Int32Array, keep: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < rows.length; i++) n += keep[m.identity[rows[i]!]!]!;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < rows.length; i++) if (keep[m.identity[rows[i]!]!]) out[j++] = rows[i]!;
  return out;
}

/**
 * Keeps `count` identities chosen at random (seeded), with their train and test rows.
 * Subsets from the same seed are nested: the 1,500 people are among the 3,000.
 * `Infinity` keeps every identity.
 */
export function sfcIdentitySubset(m: SfcManifest, split: SfcSplit, count: number, seed = 0): SfcSubset {
  const total = m.identities.length;
  if (count === Number.POSITIVE_INFINITY) count = total;
  if (!(Number.isInteger(count) && count >= 1 && count <= total)) {
    throw new RangeError(`sfcIdentitySubset: count must be an integer in 1..${total} (the manifest has ${total} identities), got ${count}`);
  }
  const ids = new Int32Array(total);
  for (let i = 0; i < total; i++) ids[i] = i;
  const perm = shuffleInPlace(ids, mulberry32(mixSeed(seed, 0x1d)));
  const chosen = perm.subarray(0, count).slice().sort();
  const keep = new Uint8Array(total);
  for (const id of chosen) keep[id] = 1;
  return { identities: chosen, train: rowsOfIdentities(m, split.train, keep), test: rowsOfIdentities(m, split.test, keep) };
}

/**
 * Keeps a random (seeded) `fraction` of each identity's training images (at least one);
 * the test set is unchanged, as in the paper's DF-10% / 20% / 50%. Nested for one seed.
 */
export function sfcFractionSubset(m: SfcManifest, split: SfcSplit, fraction: number, seed = 0): SfcSplit {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`sfcFractionSubset: fraction must be in (0, 1], got ${fraction}`);
  const trainManifest = { rows: split.train.length, identities: m.identities, identity: new Int32Array(split.train.length) };
  for (let i = 0; i < split.train.length; i++) trainManifest.identity[i] = m.identity[split.train[i]!]!;
  const { order, start } = groupByIdentity(trainManifest);
  const keep = new Uint8Array(split.train.length);
  for (let id = 0; id < m.identities.length; id++) {
    const group = order.slice(start[id]!, start[id + 1]!);
    if (group.length === 0) continue;
    shuffleInPlace(group, mulberry32(mixSeed(seed, 0x5f, id)));
    const k = Math.max(1, Math.round(fraction * group.length));
    for (let q = 0; q < k; q++) keep[group[q]!] = 1;
  }
  let n = 0;
  for (let i = 0; i < keep.length; i++) n += keep[i]!;
  const train = new Int32Array(n);
  for (let i = 0, j = 0; i < keep.length; i++) if (keep[i]) train[j++] = split.train[i]!;
  return { train, test: split.test };
}

export interface SfcWriterOptions {
  /** Write the box columns (default false). */
  boxes?: boolean;
}

function checkField(value: string, what: string, row: number): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`SFC row ${row}: ${what} must be a non-empty string`);
  if (/[,\r\n]/.test(value)) throw new TypeError(`SFC row ${row}: ${what} must not contain a comma or a line break, got ${JSON.stringify(value)}`);
  if (value.startsWith('"')) throw new TypeError(`SFC row ${row}: ${what} must not start with a double quote (SFC-format has no quoting), got ${JSON.stringify(value)}`);
}

/**
 * Writes an SFC-format manifest atomically: rows go to a temporary file beside the target,
 * which is fsynced and renamed over it on {@link SfcWriter.close}. A crash or an
 * {@link SfcWriter.abort} leaves the previous file (if any) untouched and no half-written one.
 */
export class SfcWriter {
  private fd: number | undefined;
  private readonly tempFile: string;
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;
  private readonly boxes: boolean;

  constructor(
    readonly file: string,
    options: SfcWriterOptions = {},
  ) {
    this.boxes = options.boxes ?? false;
    this.tempFile = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
    this.fd = openSync(this.tempFile, 'wx');
    this.pending.push((this.boxes ? SFC_HEADER_WITH_BOX : SFC_HEADER) + '\n');
  }

  get rowsWritten(): number {
    return this.count;
  }

  /** Adds a row; throws (writing nothing) when a field cannot be stored. */
  write(row: SfcRow): void {
    if (this.fd === undefined) throw new Error(`SfcWriter(${this.file}): already closed`);
    const n = this.count + 1;
    checkField(row.identity, 'identity', n);
    checkField(row.image, 'image', n);
    const ts = row.timestamp instanceof Date ? row.timestamp.getTime() / 1000 : row.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new TypeError(`SFC row ${n}: timestamp must be a finite number of seconds or a valid Date, got ${String(row.timestamp)}`);
    let line = `${row.identity},${row.image},${ts}`;
    if (this.boxes) {
      const b = row.box;
      if (b) {
        if (![b.x, b.y, b.width, b.height].every(Number.isFinite) || !(b.width > 0 && b.height > 0)) {
          throw new TypeError(`SFC row ${n}: box must be finite with positive width and height, got ${JSON.stringify(b)}`);
        }
        line += `,${b.x},${b.y},${b.width},${b.height}`;
      } else line += ',,,,';
    } else if (row.box) {
      throw new TypeError(`SFC row ${n}: has a box but the writer was opened without { boxes: true }`);
    }
    this.pending.push(line + '\n');
    this.pendingChars += line.length + 1;
    this.count = n;
    if (this.pendingChars > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Flushes, fsyncs and renames the temporary file over the target. */
  close(): void {
    if (this.fd === undefined) throw new Error(`SfcWriter(${this.file}): already closed`);
    try {
      this.flush();
      fsyncSync(this.fd);
    } catch (error) {
      this.abort();
      throw error;
    }
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tempFile, this.file);
  }

  /** Drops everything written so far; the target file is not touched. */
  abort(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.pending = [];
    rmSync(this.tempFile, { force: true });
  }
}

/** Writes rows to `file` atomically (see {@link SfcWriter}); on any error nothing is written. Returns the row count. */
export function writeSfcManifest(file: string, rows: Iterable<SfcRow>, options: SfcWriterOptions = {}): number {
  const writer = new SfcWriter(file, options);
  try {
    for (const row of rows) writer.write(row);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.close();
  return writer.rowsWritten;
}
