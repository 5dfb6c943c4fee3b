import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, openSync, writeSync, closeSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HyperplaneStore } from './store';
import { TornStoreError } from './errors';
import { loadExactIndex } from './load';
import { normalizeRows, quantizeRowsInt8 } from './vectors';
import { segmentRows, CRASH_DIM } from './fixtures/crash-data';
import { gaussian } from './testing';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'deepface-store-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Asserts the store holds exactly segments 0..n-1 of the crash generator, n returned. */
function expectGeneratorSegments(store: HyperplaneStore, rowsPerSegment: number): number {
  const n = store.segments.length;
  expect(store.rows).toBe(n * rowsPerSegment);
  for (let s = 0; s < n; s++) {
    const want = segmentRows(s, rowsPerSegment);
    const got = store.readSegment(s);
    const unit = new Float32Array(want.vectors.length);
    const norms = normalizeRows(want.vectors, CRASH_DIM, unit);
    expect(got.unit).toEqual(unit);
    expect(got.norms).toEqual(norms);
    expect(got.bias).toEqual(want.bias);
    expect(got.labels).toEqual(want.labels);
  }
  return n;
}

describe('HyperplaneStore', () => {
  it('round-trips rows, norms, biases, int8 copies and labels across appends and reopen', () => {
    const dir = tempDir();
    const dim = 24;
    const store = HyperplaneStore.create(dir, dim, { features: 'test' });
    const a = gaussian(10 * dim, 1);
    const b = gaussian(7 * dim, 2);
    expect(store.append({ vectors: a, labels: Array.from({ length: 10 }, (_, i) => `a${i}`) })).toBe(0);
    expect(store.append({ vectors: b, labels: Array.from({ length: 7 }, (_, i) => `b${i}`), bias: new Float32Array(7).fill(0.5) })).toBe(10);
    const again = HyperplaneStore.open(dir);
    expect(again.rows).toBe(17);
    expect(again.meta).toEqual({ features: 'test' });
    expect(again.labels()).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 7 }, (_, i) => `b${i}`)]);
    const seg = again.readSegment(1);
    const unit = new Float32Array(b.length);
    const norms = normalizeRows(b, dim, unit);
    expect(seg.unit).toEqual(unit);
    expect(seg.norms).toEqual(norms);
    // Rebuilding the raw rows from unit·norm loses only float rounding.
    for (let i = 0; i < b.length; i++) expect(seg.unit[i] * seg.norms[Math.floor(i / dim)]).toBeCloseTo(b[i], 5);
    const q = quantizeRowsInt8(unit, dim);
    expect(seg.int8).toEqual(q.values);
    expect(seg.scales).toEqual(q.scales);
    expect(seg.bias).toEqual(new Float32Array(7).fill(0.5));
  });

  it('loads into an exact index straight from the files (padded and unpadded dims)', () => {
    for (const dim of [32, 20]) {
      const dir = tempDir();
      const store = HyperplaneStore.create(dir, dim);
      const rows = gaussian(300 * dim, 5);
      store.append({ vectors: rows.subarray(0, 100 * dim), labels: Array.from({ length: 100 }, (_, i) => `r${i}`) });
      store.append({ vectors: rows.subarray(100 * dim), labels: Array.from({ length: 200 }, (_, i) => `r${i + 100}`) });
      const { index, labels } = loadExactIndex(HyperplaneStore.open(dir));
      expect(index.size).toBe(300);
      expect(labels[250]).toBe('r250');
      const q = rows.slice(250 * dim, 251 * dim);
      expect(index.searchSync(q, 1, 'f32').ids[0]).toBe(250);
      expect(index.searchSync(q, 1, 'int8').ids[0]).toBe(250);
    }
  });

  it('rejects bad input naming the fault', () => {
    const store = HyperplaneStore.create(tempDir(), 4);
    expect(() => store.append({ vectors: new Float32Array(6), labels: [] })).toThrow(/not a multiple of dim = 4/);
    expect(() => store.append({ vectors: new Float32Array(8), labels: ['x'] })).toThrow(/expected 2 labels/);
    const v = new Float32Array(8);
    v[5] = Infinity;
    expect(() => store.append({ vectors: v, labels: ['x', 'y'] })).toThrow(/row 1, column 1/);
    expect(() => HyperplaneStore.open(join(tempDir(), 'nope'))).toThrow(/not a hyperplane store/);
  });

  it('detects a truncated, missing or altered segment and a corrupt manifest on open', () => {
    const make = () => {
      const dir = tempDir();
      const store = HyperplaneStore.create(dir, CRASH_DIM);
      for (let s = 0; s < 3; s++) store.append(segmentRows(s, 50));
      return { dir, file: join(dir, store.segments[1].file) };
    };
    {
      const { dir, file } = make();
      truncateSync(file, statSync(file).size - 100);
      expect(() => HyperplaneStore.open(dir)).toThrow(TornStoreError);
      expect(() => HyperplaneStore.open(dir, { verify: 'size' })).toThrow(/seg-00000002\.dfh: \d+ bytes on disk, the manifest says \d+ \(torn segment\)/);
    }
    {
      const { dir, file } = make();
      rmSync(file);
      expect(() => HyperplaneStore.open(dir)).toThrow(/seg-00000002\.dfh is missing/);
    }
    {
      const { dir, file } = make();
      // One flipped bit in the middle of the float rows: same size, only the CRC sees it.
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from([0x5a]), 0, 1, 1000);
      closeSync(fd);
      expect(() => HyperplaneStore.open(dir, { verify: 'size' })).not.toThrow();
      expect(() => HyperplaneStore.open(dir)).toThrow(/seg-00000002\.dfh: CRC-32 mismatch/);
      // A size-only open still refuses to load the bad bytes into an index.
      expect(() => loadExactIndex(HyperplaneStore.open(dir, { verify: 'size' }))).toThrow(/CRC-32 mismatch/);
    }
    {
      const { dir } = make();
      writeFileSync(join(dir, 'manifest.json'), '{"format":"deepface-ts-hyper');
      expect(() => HyperplaneStore.open(dir)).toThrow(/manifest\.json is not valid JSON/);
    }
  });

  // The writer runs on the built package (dist): plain node starts in a fraction of tsx's time.
  const nodeArgs = [join(here, 'fixtures', 'append-forever.mjs')];

  it('a writer killed at each step of an append leaves the old state or the new one, never a torn one', async () => {
    const stages = ['segment-written', 'segment-renamed', 'manifest-written', 'committed'];
    const dirsByStage = stages.map(() => tempDir());
    // The four writers run at once (each in its own store) to keep the test short.
    const signals = await Promise.all(
      stages.map(
        (stage, i) =>
          new Promise<NodeJS.Signals | null>((resolve) => {
            const proc = spawn(process.execPath, [...nodeArgs, dirsByStage[i], '40', stage], { cwd: here, stdio: 'ignore' });
            proc.on('exit', (_code, signal) => resolve(signal));
          }),
      ),
    );
    expect(signals).toEqual(stages.map(() => 'SIGKILL'));
    const outcomes: Record<string, number> = {};
    stages.forEach((stage, i) => {
      const dir = dirsByStage[i];
      const store = HyperplaneStore.open(dir);
      outcomes[stage] = expectGeneratorSegments(store, 40);
      // Appending after the crash works and cleans the leftovers.
      store.append(segmentRows(outcomes[stage], 40));
      expect(expectGeneratorSegments(HyperplaneStore.open(dir), 40)).toBe(outcomes[stage] + 1);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
    // Segments 0 and 1 were committed; the third append died before its commit point
    // (old state: 2 segments) or after it (new state: 3).
    expect(outcomes).toEqual({ 'segment-written': 2, 'segment-renamed': 2, 'manifest-written': 2, committed: 3 });
  }, 60_000);

  it('a writer killed at a random moment (SIGKILL from outside) leaves a consistent store', async () => {
    for (const delayMs of [700, 1150]) {
      const dir = tempDir();
      const proc = spawn(process.execPath, [...nodeArgs, dir, '1000'], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
      let committed = 0;
      await new Promise<void>((resolve) => {
        proc.stdout.on('data', (d: Buffer) => {
          committed = Math.max(committed, ...d.toString().trim().split('\n').map((l) => Number(l.split(' ')[1]) || 0));
          // Kill after the first commit, a little later each time, mid-append most likely.
          if (committed >= 1) setTimeout(() => proc.kill('SIGKILL'), delayMs % 97);
        });
        proc.on('exit', () => resolve());
      });
      const store = HyperplaneStore.open(dir);
      const n = expectGeneratorSegments(store, 1000);
      // Every commit the child reported is on disk; at most the one in flight is not.
      expect(n).toBeGreaterThanOrEqual(committed);
      expect(n).toBeLessThanOrEqual(committed + 1);
    }
  }, 60_000);
});
