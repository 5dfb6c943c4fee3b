import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@deepface-ts/metrics';

const MAGIC = 'DFDC1\n';

/**
 * Descriptors of images, stored in one file per (descriptor, align, version) key so reruns
 * skip decoding and describing. Format: "DFDC1\n", a uint32 (LE) length, a JSON header
 * { key, dim, paths }, then the float32 rows in path order. Writes go to a temp file and are
 * renamed, so an interrupted run never leaves a half-written cache; an unreadable cache is
 * reported and ignored, never fatal.
 */
export class DescriptorCache {
  private readonly rows = new Map<string, Float32Array>();
  private dirty = 0;

  private constructor(
    readonly file: string | null,
    readonly key: string,
    readonly dim: number,
  ) {}

  /** Opens (or starts) the cache for `key` in `dir`; `dir` null gives an in-memory cache. */
  static async open(dir: string | null, key: string, dim: number, warn: (msg: string) => void = console.warn): Promise<DescriptorCache> {
    const safe = key.replace(/[^a-zA-Z0-9._-]+/g, '_');
    const cache = new DescriptorCache(dir ? join(dir, `${safe}.bin`) : null, key, dim);
    if (cache.file && existsSync(cache.file)) {
      try {
        cache.load(await readFile(cache.file));
      } catch (error) {
        warn(`descriptor cache ${cache.file} is unreadable (${(error as Error).message}); starting afresh`);
        cache.rows.clear();
      }
    }
    return cache;
  }

  private load(buf: Buffer): void {
    if (buf.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error('not a descriptor cache');
    const headerLength = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    const header = JSON.parse(buf.subarray(start, start + headerLength).toString('utf8')) as { key: string; dim: number; paths: string[] };
    if (header.key !== this.key || header.dim !== this.dim) throw new Error(`written for ${header.key} (dim ${header.dim}), not ${this.key} (dim ${this.dim})`);
    const dataStart = start + headerLength;
    if (buf.length !== dataStart + header.paths.length * this.dim * 4) throw new Error('truncated');
    const copy = new Float32Array(header.paths.length * this.dim);
    new Uint8Array(copy.buffer).set(buf.subarray(dataStart));
    header.paths.forEach((p, i) => this.rows.set(p, copy.subarray(i * this.dim, (i + 1) * this.dim)));
  }

  get size(): number {
    return this.rows.size;
  }

  get(path: string): Float32Array | undefined {
    return this.rows.get(path);
  }

  set(path: string, row: Float32Array): void {
    if (row.length !== this.dim) throw new Error(`descriptor of ${path} has ${row.length} values, the cache holds ${this.dim}`);
    this.rows.set(path, row);
    this.dirty++;
  }

  /** New rows since the last save. */
  get unsaved(): number {
    return this.dirty;
  }

  async save(): Promise<void> {
    if (!this.file || this.dirty === 0) return;
    const paths = [...this.rows.keys()];
    const header = Buffer.from(JSON.stringify({ key: this.key, dim: this.dim, paths }), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const data = new Float32Array(paths.length * this.dim);
    paths.forEach((p, i) => data.set(this.rows.get(p)!, i * this.dim));
    await writeFileAtomic(this.file, Buffer.concat([Buffer.from(MAGIC, 'latin1'), len, header, new Uint8Array(data.buffer)]));
    this.dirty = 0;
  }
}
