/**
 * Weights files that parse but are wrong, and paths that are not weights files at all: one
 * row per fault. Every faulty file is built from a good one with only the named fault (the
 * rest, the CRC included, made consistent again), so each row's error is the check it is
 * about, and every error must name the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '@deepface-ts/crc32';
import { deepFaceConfig, parameterSpecs, representationSize } from './config';
import {
  decodeWeightsFile,
  DEFAULT_MAX_WEIGHTS_BYTES,
  encodeWeightsFile,
  loadWeightsFile,
  PROJECTION_BIAS,
  PROJECTION_WEIGHT,
  readWeightsFileBytes,
  WeightsFileError,
  type DecodeWeightsOptions,
  type WeightsContent,
} from './weights_file';

// The tiny network of weights_file.test.ts: F7 = 8, K = 3.
const config = deepFaceConfig({ inputSize: 24, f7: 8, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 2, kernels: { c1: 3, c3: 3, l4: 3, l5: 3, l6: 2 } });
const F7 = representationSize(config);

function tensors(seed = 1) {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const out = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(config)) out.set(spec.name, new Float32Array(spec.shape.reduce((a, b) => a * b, 1)).map(rand));
  out.set('representation.max', new Float32Array(F7).fill(0.5));
  return out;
}
const projection = { inputSize: F7, outputSize: 16, weight: new Float32Array(F7 * 16).fill(0.25), bias: new Float32Array(16).fill(-0.5) };

/** A good float32 file with `representation.max` and the projection (its last three tensors). */
const good = encodeWeightsFile({ config, tensors: tensors(), metadata: { epochs: '3' }, projection });

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: number[];
}
interface Parts {
  metadata: Record<string, string>;
  entries: Record<string, Entry>;
  body: Uint8Array;
}

const headerLengthOf = (bytes: Uint8Array) => Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));

function split(bytes: Uint8Array): Parts {
  const n = headerLengthOf(bytes);
  const { __metadata__: metadata, ...entries } = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  return { metadata, entries, body: bytes.slice(8 + n) };
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/**
 * Writes `parts` back as a file. `crc`: 'recompute' (default: the CRC matches the data again,
 * so only the intended fault remains), 'keep' (as in `parts.metadata`), 'drop' (no crc32).
 * `headerLength` overrides the length field.
 */
function join_(parts: Parts, crc: 'recompute' | 'keep' | 'drop' = 'recompute', headerLength?: bigint): Uint8Array {
  const metadata: Record<string, string> = { ...parts.metadata };
  if (crc === 'recompute') metadata.crc32 = hex(crc32(parts.body));
  if (crc === 'drop') delete metadata.crc32;
  let json = JSON.stringify({ __metadata__: metadata, ...parts.entries });
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + parts.body.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(header.length), true);
  out.set(header, 8);
  out.set(parts.body, 8 + header.length);
  return out;
}

/** Edits the good file's parts (a deep copy), then writes it back with a matching CRC unless `crc` says otherwise. */
function edit(change: (p: Parts) => void, crc: 'recompute' | 'keep' | 'drop' = 'recompute', from = good): Uint8Array {
  const parts = split(from);
  change(parts);
  return join_(parts, crc);
}

const byOffset = (p: Parts) => Object.entries(p.entries).sort((a, b) => a[1].data_offsets[0]! - b[1].data_offsets[0]!);

/**
 * Gives tensor `name` a new shape with its data cut or zero-padded to match, and lays every
 * tensor out again back to back: a consistent file whose only fault is the shape.
 */
function reshape(p: Parts, name: string, shape: number[]): void {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const [n, e] of byOffset(p)) {
    let data = p.body.subarray(e.data_offsets[0], e.data_offsets[1]);
    if (n === name) {
      const bytes = shape.reduce((a, b) => a * b, 1) * (e.dtype === 'F16' ? 2 : 4);
      const resized = new Uint8Array(bytes);
      resized.set(data.subarray(0, Math.min(bytes, data.length)));
      data = resized;
      e.shape = shape;
    }
    e.data_offsets = [at, at + data.length];
    at += data.length;
    chunks.push(data);
  }
  p.body = new Uint8Array(at);
  let o = 0;
  for (const c of chunks) {
    p.body.set(c, o);
    o += c.length;
  }
}

/** Inserts `count` zero bytes into the data section at `at`, shifting the offsets of every tensor starting at or after it. */
function insertBytes(p: Parts, at: number, count: number): void {
  const body = new Uint8Array(p.body.length + count);
  body.set(p.body.subarray(0, at));
  body.set(p.body.subarray(at), at + count);
  p.body = body;
  for (const e of Object.values(p.entries)) if (e.data_offsets[0]! >= at) e.data_offsets = e.data_offsets.map((o) => o + count);
}

/** Replaces `from` by `to` (same length) inside the JSON header, leaving the rest of the file as it is. */
function patchHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const n = headerLengthOf(bytes);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  expect(header.includes(from), `header contains ${from}`).toBe(true);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(header.replace(from, to)), 8);
  return out;
}

const withHeaderLength = (bytes: Uint8Array, length: bigint) => {
  const out = bytes.slice();
  new DataView(out.buffer).setBigUint64(0, length, true);
  return out;
};

const SOURCE = 'faulty.safetensors';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An error of `decodeWeightsFile(…, SOURCE)`: the whole message, starting with the file's name. */
const error = (what: string) => new RegExp(`^${esc(SOURCE)}: ${what}$`);

const first = (p: Parts, name: string) => p.entries[name]!.data_offsets[0]!;
const c1Bias = split(good).entries['C1.bias']!.data_offsets as [number, number];
const cfg = `config ${esc(config.name)}`;

interface Row {
  fault: string;
  file: () => Uint8Array;
  options?: DecodeWeightsOptions;
  /** The expected error (a pattern of the message after `${SOURCE}: `), or 'loads'. */
  expect: RegExp | 'loads';
}

const rows: Row[] = [
  // Shapes against the config
  {
    fault: 'representation.max shorter than F7 ([7], bytes and CRC consistent)',
    file: () => edit((p) => reshape(p, 'representation.max', [7])),
    expect: error(`tensor representation\\.max has shape \\[7\\], ${cfg} \\(F7 8\\) expects \\[8\\]`),
  },
  {
    fault: 'representation.max longer than F7 ([512] in a file for F7 8)',
    file: () => edit((p) => reshape(p, 'representation.max', [512])),
    expect: error(`tensor representation\\.max has shape \\[512\\], ${cfg} \\(F7 8\\) expects \\[8\\]`),
  },
  {
    fault: 'representation.max [2, 4] (the right byte count, the wrong shape)',
    file: () => edit((p) => (p.entries['representation.max']!.shape = [2, 4])),
    expect: error(`tensor representation\\.max has shape \\[2, 4\\], ${cfg} \\(F7 8\\) expects \\[8\\]`),
  },
  {
    fault: 'a parameter of the wrong shape (C1.bias [5] for 4 filters)',
    file: () => edit((p) => reshape(p, 'C1.bias', [5])),
    expect: error(`tensor C1\\.bias has shape \\[5\\], ${cfg} expects \\[4\\]`),
  },
  {
    fault: 'a parameter transposed (F8.weight [3, 8] for [8, 3], same byte count)',
    file: () => edit((p) => (p.entries['F8.weight']!.shape = [3, 8])),
    expect: error(`tensor F8\\.weight has shape \\[3, 8\\], ${cfg} expects \\[8, 3\\]`),
  },
  {
    fault: 'distill.projection.weight with rows of another F7 ([7, 16])',
    file: () => edit((p) => reshape(p, PROJECTION_WEIGHT, [7, 16])),
    expect: error(`tensor distill\\.projection\\.weight has shape \\[7, 16\\], ${cfg} \\(F7 8\\) expects \\[8, 16\\]`),
  },
  {
    fault: 'distill.projection.bias of another width ([15] under a [8, 16] weight)',
    file: () => edit((p) => reshape(p, PROJECTION_BIAS, [15])),
    expect: error(`tensor distill\\.projection\\.bias has shape \\[15\\], expected \\[16\\] \\(the teacher's size in distill\\.projection\\.weight \\[8, 16\\]\\)`),
  },
  {
    fault: 'an absurd shape ([2^52, 2^52]): refused from the numbers, nothing allocated',
    file: () => edit((p) => (p.entries['C1.bias']!.shape = [2 ** 52, 2 ** 52])),
    expect: error(`tensor C1\\.bias: shape \\[${2 ** 52}, ${2 ** 52}\\] of F32 needs more than the whole \\d+-byte data section`),
  },
  {
    fault: 'a shape that is not whole numbers ([4.5])',
    file: () => edit((p) => (p.entries['C1.bias']!.shape = [4.5])),
    expect: error('tensor C1\\.bias: bad shape \\[4\\.5\\]'),
  },
  {
    fault: 'byte length ≠ shape × dtype size (C1.bias [4] of F32 spanning 12 bytes)',
    file: () => edit((p) => (p.entries['C1.bias']!.data_offsets = [c1Bias[0], c1Bias[1] - 4])),
    expect: error(`tensor C1\\.bias: data_offsets span 12 bytes, shape \\[4\\] of F32 needs 16`),
  },

  // The CRC
  {
    fault: 'no CRC → refused',
    file: () => edit(() => undefined, 'drop'),
    expect: error('no CRC-32 \\(metadata\\.crc32\\), so the data cannot be checked; pass \\{ allowUnchecked: true \\} to load it unchecked'),
  },
  { fault: 'no CRC, allowUnchecked → loads', file: () => edit(() => undefined, 'drop'), options: { allowUnchecked: true }, expect: 'loads' },
  {
    fault: 'no CRC, allowUnchecked, a flipped data byte → loads (nothing to check it against)',
    file: () => edit((p) => (p.body[first(p, 'C1.weight') + 1]! ^= 0x08), 'drop'),
    options: { allowUnchecked: true },
    expect: 'loads',
  },
  {
    fault: 'an upper-case CRC → loads',
    file: () => edit((p) => (p.metadata.crc32 = hex(crc32(p.body)).toUpperCase()), 'keep'),
    expect: 'loads',
  },
  {
    fault: 'a CRC without its leading zeros → loads (compared as a number)',
    file: () => edit((p) => (p.metadata.crc32 = (crc32(p.body) >>> 0).toString(16)), 'keep', craftCrcWithLeadingZero()),
    expect: 'loads',
  },
  {
    fault: 'a CRC that is not hex',
    file: () => edit((p) => (p.metadata.crc32 = 'not-a-crc'), 'keep'),
    expect: error('metadata\\.crc32 is "not-a-crc", expected a CRC-32 in hex \\(8 digits\\)'),
  },
  {
    fault: 'a flipped data byte under a CRC',
    file: () => edit((p) => (p.body[first(p, 'L5.weight') + 2]! ^= 0x40), 'keep'),
    expect: error('corrupt: data CRC-32 is [0-9a-f]{8}, header says [0-9a-f]{8}'),
  },
  {
    fault: 'a flipped data byte under a CRC, allowUnchecked → still refused (allowUnchecked only excuses a missing CRC)',
    file: () => edit((p) => (p.body[first(p, 'L5.weight') + 2]! ^= 0x40), 'keep'),
    options: { allowUnchecked: true },
    expect: error('corrupt: data CRC-32 is [0-9a-f]{8}, header says [0-9a-f]{8}'),
  },

  // Offsets
  {
    fault: 'overlapping offsets (C1.bias moved 4 bytes back into C1.weight)',
    file: () => edit((p) => (p.entries['C1.bias']!.data_offsets = [c1Bias[0] - 4, c1Bias[1] - 4])),
    expect: error(`tensor C1\\.bias \\(data_offsets \\[${c1Bias[0] - 4}, ${c1Bias[1] - 4}\\]\\) overlaps tensor C1\\.weight \\(data_offsets \\[0, ${c1Bias[0]}\\]\\)`),
  },
  {
    fault: 'two tensors on the same bytes (representation.max aliasing F7.bias, its own bytes dropped)',
    file: () =>
      edit((p) => {
        const [b, e] = p.entries['representation.max']!.data_offsets as [number, number];
        p.body = new Uint8Array([...p.body.subarray(0, b), ...p.body.subarray(e)]);
        for (const t of Object.values(p.entries)) if (t.data_offsets[0]! >= e) t.data_offsets = t.data_offsets.map((o) => o - (e - b));
        p.entries['representation.max']!.data_offsets = [...p.entries['F7.bias']!.data_offsets];
      }),
    expect: error('tensor (F7\\.bias|representation\\.max) \\(data_offsets \\[\\d+, \\d+\\]\\) overlaps tensor (F7\\.bias|representation\\.max) \\(data_offsets \\[\\d+, \\d+\\]\\)'),
  },
  {
    fault: 'a gap between offsets (4 stray bytes between C1.weight and C1.bias)',
    file: () => edit((p) => insertBytes(p, c1Bias[0], 4)),
    expect: error(`gap in the data section: bytes ${c1Bias[0]} to ${c1Bias[0] + 4} belong to no tensor \\(between C1\\.weight and C1\\.bias\\)`),
  },
  {
    fault: 'offsets not starting at 0 (4 stray bytes first)',
    file: () => edit((p) => insertBytes(p, 0, 4)),
    expect: error('gap in the data section: bytes 0 to 4 belong to no tensor \\(before C1\\.weight, the first\\)'),
  },
  {
    fault: 'bytes after the last tensor (the data section longer than its tensors)',
    file: () => edit((p) => (p.body = new Uint8Array([...p.body, 1, 2, 3, 4]))),
    expect: error(`4 bytes after the last tensor \\(distill\\.projection\\.bias ends at byte ${good.length - 8 - headerLengthOf(good)}\\): the data section has ${good.length - 8 - headerLengthOf(good) + 4}`),
  },
  {
    fault: 'offsets past the end (the last tensor 4 bytes further on)',
    file: () => edit((p) => (p.entries[PROJECTION_BIAS]!.data_offsets = p.entries[PROJECTION_BIAS]!.data_offsets.map((o) => o + 4))),
    expect: error('truncated: tensor distill\\.projection\\.bias ends at byte \\d+ of the data section, which has only \\d+ bytes'),
  },
  {
    fault: 'offsets that are not a pair of whole numbers',
    file: () => edit((p) => (p.entries['C1.bias']!.data_offsets = [c1Bias[0]])),
    expect: error(`tensor C1\\.bias: bad data_offsets \\[${c1Bias[0]}\\] \\(expected \\[begin, end\\], 0 ≤ begin ≤ end\\)`),
  },
  {
    fault: 'offsets backwards (end before begin)',
    file: () => edit((p) => (p.entries['C1.bias']!.data_offsets = [c1Bias[1], c1Bias[0]])),
    expect: error(`tensor C1\\.bias: bad data_offsets \\[${c1Bias[1]},${c1Bias[0]}\\] \\(expected \\[begin, end\\], 0 ≤ begin ≤ end\\)`),
  },

  // The header length and the header
  {
    fault: 'a header length past the end of the file',
    file: () => withHeaderLength(good, BigInt(good.length)),
    expect: error(`truncated: header needs ${good.length} bytes, file has ${good.length - 8} after the length field`),
  },
  {
    fault: 'a huge header length (2^63)',
    file: () => withHeaderLength(good, 2n ** 63n),
    expect: error('not a weights file: header length 9223372036854775808 is implausible \\(corrupt or another format; expected 2 to 104857600 bytes\\)'),
  },
  {
    fault: 'the largest header length (2^64 − 1)',
    file: () => withHeaderLength(good, 2n ** 64n - 1n),
    expect: error('not a weights file: header length 18446744073709551615 is implausible .*'),
  },
  {
    fault: 'a header length of 0',
    file: () => withHeaderLength(good, 0n),
    expect: error('not a weights file: header length 0 is implausible .*'),
  },
  {
    fault: 'a metadata value that is not a string',
    // "epochs":"3" → "epochs": 3 in the header (same length, so the header length still holds)
    file: () => patchHeader(good, '"epochs":"3"', '"epochs": 3 '),
    expect: error('metadata "epochs" is 3, expected a string \\(safetensors metadata is string → string\\)'),
  },
  {
    fault: 'a tensor entry that is not an object',
    file: () => edit((p) => ((p.entries as Record<string, unknown>)['C1.bias'] = null)),
    expect: error('tensor C1\\.bias: header entry is null, expected \\{ dtype, shape, data_offsets \\}'),
  },
];

/** A good file whose data CRC-32 has a leading zero hex digit (found by varying one metadata-free value). */
function craftCrcWithLeadingZero(): Uint8Array {
  const t = tensors();
  const max = t.get('representation.max')!;
  for (let i = 1; i < 10_000; i++) {
    max[0] = i / 64;
    const bytes = encodeWeightsFile({ config, tensors: t, metadata: { epochs: '3' }, projection });
    if (split(bytes).metadata.crc32!.startsWith('0')) return bytes;
  }
  throw new Error('no CRC with a leading zero found');
}

describe('weights file faults: one row per fault, every error naming the file', () => {
  it('the good file the rows start from loads, and re-joined unchanged still loads', () => {
    expect(decodeWeightsFile(good, SOURCE).projection!.outputSize).toBe(16);
    expect(decodeWeightsFile(join_(split(good)), SOURCE).tensors.size).toBe(parameterSpecs(config).length + 1);
  });

  for (const { fault, file, options, expect: want } of rows) it(fault, () => {
    const bytes = file();
    if (want === 'loads') {
      const loaded: WeightsContent = decodeWeightsFile(bytes, SOURCE, options);
      expect(loaded.config).toEqual(config);
      expect(loaded.tensors.get('representation.max')!.length).toBe(F7);
      expect(loaded.projection!.weight.length).toBe(F7 * 16);
      return;
    }
    let caught: unknown;
    try {
      decodeWeightsFile(bytes, SOURCE, options);
    } catch (e) {
      caught = e;
    }
    expect(caught, 'decodeWeightsFile should have thrown').toBeInstanceOf(WeightsFileError);
    expect((caught as Error).message).toMatch(want);
  });

  it('the data of a loaded unchecked file is what was stored', () => {
    const unchecked = decodeWeightsFile(edit(() => undefined, 'drop'), SOURCE, { allowUnchecked: true });
    const checked = decodeWeightsFile(good, SOURCE);
    for (const [name, data] of checked.tensors) expect(Array.from(unchecked.tensors.get(name)!), name).toEqual(Array.from(data));
    // without the option (or with it false) the same file is refused
    expect(() => decodeWeightsFile(edit(() => undefined, 'drop'), SOURCE, { allowUnchecked: false })).toThrow(/no CRC-32/);
  });

  it('encodeWeightsFile refuses a representation.max of the wrong length too', () => {
    const t = tensors();
    t.set('representation.max', new Float32Array(7));
    expect(() => encodeWeightsFile({ config, tensors: t })).toThrow(
      new RegExp(`^encodeWeightsFile: tensor representation\\.max has shape \\[7\\], ${cfg} \\(F7 8\\) expects \\[8\\]$`),
    );
  });

  it('the shipped default model carries a CRC and loads without allowUnchecked', async () => {
    const path = fileURLToPath(new URL('../models/deepface-default.safetensors', import.meta.url));
    const bytes = readFileSync(path);
    const { metadata } = split(bytes);
    expect(metadata.crc32).toMatch(/^[0-9a-f]{8}$/);
    expect(parseInt(metadata.crc32!, 16)).toBe(crc32(bytes.subarray(8 + headerLengthOf(bytes))) >>> 0);
    const loaded = await loadWeightsFile(path);
    expect(loaded.tensors.get('representation.max')!.length).toBe(representationSize(loaded.config));
  });
});

describe('weights file faults: paths that are not weights files, and the size cap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deepface-weights-faults-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const goodPath = join(dir, 'good.safetensors');
  writeFileSync(goodPath, good);

  it('/dev/zero is refused before it is read (not a regular file)', async (ctx) => {
    if (!existsSync('/dev/zero')) return ctx.skip('no /dev/zero on this platform');
    await expect(loadWeightsFile('/dev/zero')).rejects.toThrow(WeightsFileError);
    await expect(loadWeightsFile('/dev/zero')).rejects.toThrow(/^\/dev\/zero: not a regular file: it is a character device; a weights file must be a regular file$/);
  });

  it('a FIFO is refused without waiting for a writer', async (ctx) => {
    const fifo = join(dir, 'pipe.safetensors');
    try {
      execFileSync('mkfifo', [fifo], { stdio: 'ignore' });
    } catch (e) {
      return ctx.skip(`mkfifo is not available here (${(e as Error).message}); the FIFO case is not tested`);
    }
    await expect(loadWeightsFile(fifo)).rejects.toThrow(new RegExp(`^${esc(fifo)}: not a regular file: it is a FIFO \\(named pipe\\); a weights file must be a regular file$`));
  });

  it('a directory is refused', async () => {
    const sub = join(dir, 'a-directory.safetensors');
    mkdirSync(sub);
    await expect(loadWeightsFile(sub)).rejects.toThrow(new RegExp(`^${esc(sub)}: not a regular file: it is a directory`));
  });

  it('a file over maxBytes is refused, naming the file and the limit; at exactly maxBytes it loads', async () => {
    const err = await loadWeightsFile(goodPath, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsFileError);
    expect((err as Error).message).toBe(`${goodPath}: ${good.length} bytes, over the weights-file limit of 1000 bytes (pass { maxBytes } to raise it)`);
    await expect(readWeightsFileBytes(goodPath, { maxBytes: good.length - 1 })).rejects.toThrow(/over the weights-file limit/);
    expect((await loadWeightsFile(goodPath, { maxBytes: good.length })).projection!.outputSize).toBe(16);
    expect(await readWeightsFileBytes(goodPath)).toEqual(new Uint8Array(good));
  });

  it('the default cap is 2 GiB: a sparse file one byte over is refused without being read', async (ctx) => {
    expect(DEFAULT_MAX_WEIGHTS_BYTES).toBe(2 * 1024 ** 3);
    const big = join(dir, 'big.safetensors');
    try {
      writeFileSync(big, '');
      truncateSync(big, DEFAULT_MAX_WEIGHTS_BYTES + 1);
    } catch (e) {
      return ctx.skip(`cannot make a sparse 2 GiB file here (${(e as Error).message})`);
    }
    await expect(loadWeightsFile(big)).rejects.toThrow(
      `${big}: 2147483649 bytes (2 GiB), over the weights-file limit of 2147483648 bytes (2 GiB) (pass { maxBytes } to raise it)`,
    );
    rmSync(big);
  });

  it('a URL is held to maxBytes as its bytes arrive', async () => {
    const url = `data:application/octet-stream;base64,${Buffer.from(good).toString('base64')}`;
    await expect(loadWeightsFile(url, { maxBytes: 1000 })).rejects.toThrow(/^data:application\/octet-stream;base64,.*: at least \d+ bytes, over the weights-file limit of 1000 bytes/);
    expect((await loadWeightsFile(url)).projection!.outputSize).toBe(16);
  });

  it('maxBytes must be a positive whole number', async () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(loadWeightsFile(goodPath, { maxBytes })).rejects.toThrow(RangeError);
    }
    await expect(loadWeightsFile(goodPath, { maxBytes: 0 })).rejects.toThrow(`${goodPath}: maxBytes must be a positive whole number of bytes, got 0`);
  });

  it('allowUnchecked reaches decodeWeightsFile through loadWeightsFile; a symlink to a good file loads', async () => {
    const unchecked = join(dir, 'unchecked.safetensors');
    writeFileSync(unchecked, edit(() => undefined, 'drop'));
    await expect(loadWeightsFile(unchecked)).rejects.toThrow(new RegExp(`^${esc(unchecked)}: no CRC-32`));
    expect((await loadWeightsFile(unchecked, { allowUnchecked: true })).tensors.size).toBe(parameterSpecs(config).length + 1);
    const link = join(dir, 'link.safetensors');
    try {
      symlinkSync(goodPath, link);
    } catch {
      return; // no symlinks here (Windows without the privilege)
    }
    expect((await loadWeightsFile(link)).projection!.outputSize).toBe(16);
  });
});
