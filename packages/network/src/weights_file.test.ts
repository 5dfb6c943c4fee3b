import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deepFaceConfig, parameterSpecs, representationSize } from './config';
import { crc32 } from '@deepface-ts/crc32';
import { decodeFloat16, encodeFloat16 } from './float16';
import {
  decodeWeightsFile,
  encodeWeightsFile,
  loadWeightsFile,
  PROJECTION_BIAS,
  PROJECTION_WEIGHT,
  saveWeightsFile,
  WeightsFileError,
  type ProjectionWeights,
} from './weights_file';

// A tiny network so the tests stay fast: 24×24 input, small kernels, F7 = 8, K = 3.
const config = deepFaceConfig({ inputSize: 24, f7: 8, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 2, kernels: { c1: 3, c3: 3, l4: 3, l5: 3, l6: 2 } });

function randomTensors(seed = 1) {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const tensors = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(config)) tensors.set(spec.name, new Float32Array(spec.shape.reduce((a, b) => a * b, 1)).map(rand));
  tensors.set('representation.max', new Float32Array(8).fill(0.5));
  return tensors;
}

describe('weights file', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips float32 exactly and float16 within half precision', () => {
    const tensors = randomTensors();
    const f32 = decodeWeightsFile(encodeWeightsFile({ config, tensors, metadata: { epochs: '3' } }));
    expect(f32.config).toEqual(config);
    expect(f32.metadata).toEqual({ epochs: '3' });
    expect(f32.storedDtype).toBe('float32');
    for (const [name, data] of tensors) expect(Array.from(f32.tensors.get(name)!)).toEqual(Array.from(data));
    const f16 = decodeWeightsFile(encodeWeightsFile({ config, tensors }, 'float16'));
    expect(f16.storedDtype).toBe('float16');
    for (const [name, data] of tensors) {
      const back = f16.tensors.get(name)!;
      for (let i = 0; i < data.length; i++) expect(Math.abs(back[i]! - data[i]!)).toBeLessThanOrEqual(Math.abs(data[i]!) * 2 ** -11 + 2 ** -24);
    }
  });

  it('is a valid safetensors layout: u64 header length, 8-byte aligned JSON, contiguous offsets', () => {
    const bytes = encodeWeightsFile({ config, tensors: randomTensors() });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { data_offsets: [number, number] }][];
    entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    let at = 0;
    for (const [, e] of entries) {
      expect(e.data_offsets[0]).toBe(at);
      at = e.data_offsets[1];
    }
    expect(8 + n + at).toBe(bytes.length);
    expect(entries[0]![0]).toBe('C1.weight');
  });

  it('rejects truncated, corrupt and mismatched files with clear errors', () => {
    const good = encodeWeightsFile({ config, tensors: randomTensors() });
    expect(() => decodeWeightsFile(good.subarray(0, 5), 'm.safetensors')).toThrow('m.safetensors: truncated: 5 bytes');
    expect(() => decodeWeightsFile(good.subarray(0, good.length - 10), 'm.safetensors')).toThrow(/m\.safetensors: truncated: tensor .* ends at byte/);
    const flipped = good.slice();
    flipped[flipped.length - 3]! ^= 0x40;
    expect(() => decodeWeightsFile(flipped, 'm.safetensors')).toThrow(/m\.safetensors: corrupt: data CRC-32 is [0-9a-f]{8}, header says/);
    const notOurs = new Uint8Array(64).fill(0x41);
    expect(() => decodeWeightsFile(notOurs, 'x.bin')).toThrow(/x\.bin: not a weights file: header length/);
    const badJson = good.slice();
    badJson[9] = 0xff;
    expect(() => decodeWeightsFile(badJson, 'm')).toThrow('m: header is not valid UTF-8 JSON');

    // A file for another config: F7 of 16 instead of 8.
    const other = deepFaceConfig({ ...{ inputSize: 24, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 2 }, f7: 16, kernels: { c1: 3, c3: 3, l4: 3, l5: 3, l6: 2 } });
    const otherTensors = new Map<string, Float32Array>();
    for (const spec of parameterSpecs(other)) otherTensors.set(spec.name, new Float32Array(spec.shape.reduce((a, b) => a * b, 1)));
    expect(() => encodeWeightsFile({ config, tensors: otherTensors })).toThrow(/tensor F7.weight has \d+ values, expected \[/);
    const missing = randomTensors();
    missing.delete('L5.bias');
    expect(() => encodeWeightsFile({ config, tensors: missing })).toThrow('missing tensor L5.bias');
    expect(() => encodeWeightsFile({ config, tensors: new Map([...randomTensors(), ['junk', new Float32Array(1)]]) })).toThrow('unknown tensor junk');
  });

  it('detects a header whose shapes disagree with its config', () => {
    const good = encodeWeightsFile({ config, tensors: randomTensors() });
    const n = Number(new DataView(good.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
    const cfg = JSON.parse(header.__metadata__.config);
    cfg.layers[cfg.layers.length - 1].units = 4; // claims K = 4 but F8 tensors hold K = 3
    header.__metadata__.config = JSON.stringify(cfg);
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const hb = new TextEncoder().encode(json);
    const bytes = new Uint8Array(8 + hb.length + good.length - 8 - n);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(hb.length), true);
    bytes.set(hb, 8);
    bytes.set(good.subarray(8 + n), 8 + hb.length);
    expect(() => decodeWeightsFile(bytes, 'm')).toThrow(/m: tensor F8\.weight has shape \[8, 3\], config .* expects \[8, 4\]/);
  });

  it('saves atomically and loads from a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepface-weights-'));
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    const size = await saveWeightsFile(path, { config, tensors: randomTensors(2) }, 'float16');
    expect(readFileSync(path).length).toBe(size);
    const loaded = await loadWeightsFile(path);
    expect(loaded.tensors.get('representation.max')![0]).toBe(0.5);
    await expect(loadWeightsFile(join(dir, 'nope.safetensors'))).rejects.toThrow(/ENOENT/);
    writeFileSync(path, 'garbage!garbage!');
    await expect(loadWeightsFile(path)).rejects.toThrow(WeightsFileError);
  });
});

/** A projection F7 (8) → `outputSize` with values in [−1, 1), as `DistillProjection.toWeights()` gives it. */
function randomProjection(outputSize = 128, withBias = true, seed = 3): ProjectionWeights {
  let s = seed;
  const rand = () => ((s = (s * 22695477 + 1) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    inputSize: 8,
    outputSize,
    weight: Float32Array.from({ length: 8 * outputSize }, rand),
    bias: withBias ? Float32Array.from({ length: outputSize }, rand) : undefined,
  };
}

/** The JSON header of a weights file. */
function readHeader(bytes: Uint8Array): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

/** Replaces `from` by `to` (same length) inside a weights file's JSON header: the data section is untouched. */
function patchHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  expect(header.includes(from), `header contains ${from}`).toBe(true);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(header.replace(from, to)), 8);
  return out;
}

/** The file with its header replaced by `edit(header)` (re-serialised, unpadded), the same data section. */
function editHeader(bytes: Uint8Array, edit: (header: ReturnType<typeof readHeader>) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = readHeader(bytes);
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + (bytes.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

describe('weights file: the distillation projection', () => {
  const half = (v: Float32Array) => Array.from(decodeFloat16(encodeFloat16(v)));

  it('is stored after the network with its true shapes, inside the CRC, and round-trips float32 exactly and float16 at half precision', () => {
    const tensors = randomTensors();
    const projection = randomProjection();
    const bytes = encodeWeightsFile({ config, tensors, metadata: { teacher: 'dlib-resnet' }, projection });
    const header = readHeader(bytes);
    expect(header[PROJECTION_WEIGHT]!.shape).toEqual([8, 128]);
    expect(header[PROJECTION_BIAS]!.shape).toEqual([128]);
    const order = Object.entries(header).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    expect(order.slice(-3).map(([k]) => k)).toEqual(['representation.max', PROJECTION_WEIGHT, PROJECTION_BIAS]);
    expect(order[order.length - 1]![1].data_offsets[1]).toBe(bytes.length - 8 - Number(new DataView(bytes.buffer).getBigUint64(0, true)));

    const f32 = decodeWeightsFile(bytes, 'mem');
    expect(f32.metadata).toEqual({ teacher: 'dlib-resnet' });
    expect(f32.storedDtype).toBe('float32');
    // the network's tensors (and the maxima) in `tensors`, the projection on its own
    expect([...f32.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, data] of tensors) expect(Array.from(f32.tensors.get(name)!), name).toEqual(Array.from(data));
    expect(f32.projection!.inputSize).toBe(8);
    expect(f32.projection!.outputSize).toBe(128);
    expect(Array.from(f32.projection!.weight)).toEqual(Array.from(projection.weight));
    expect(Array.from(f32.projection!.bias!)).toEqual(Array.from(projection.bias!));

    const f16 = decodeWeightsFile(encodeWeightsFile({ config, tensors, projection }, 'float16'));
    expect(f16.storedDtype).toBe('float16');
    expect(readHeader(encodeWeightsFile({ config, tensors, projection }, 'float16'))[PROJECTION_WEIGHT]!.dtype).toBe('F16');
    expect(Array.from(f16.projection!.weight)).toEqual(half(projection.weight));
    expect(Array.from(f16.projection!.bias!)).toEqual(half(projection.bias!));
  });

  it('takes a projection without a bias, and of any teacher width (read from the weight)', () => {
    const noBias = randomProjection(128, false);
    const nb = decodeWeightsFile(encodeWeightsFile({ config, tensors: randomTensors(), projection: noBias }));
    expect(nb.projection!.bias).toBeUndefined();
    expect(Array.from(nb.projection!.weight)).toEqual(Array.from(noBias.weight));
    const p64 = decodeWeightsFile(encodeWeightsFile({ config, tensors: randomTensors(), projection: randomProjection(64) }));
    expect([p64.projection!.inputSize, p64.projection!.outputSize, p64.projection!.bias!.length]).toEqual([8, 64, 64]);
  });

  it('leaves a plain file as it was: the same bytes, no projection key, the same tensors', () => {
    const tensors = randomTensors();
    const plain = encodeWeightsFile({ config, tensors, metadata: { epochs: '3' } });
    expect(encodeWeightsFile({ config, tensors, metadata: { epochs: '3' }, projection: undefined })).toEqual(plain);
    const decoded = decodeWeightsFile(plain);
    expect('projection' in decoded).toBe(false);
    expect([...decoded.tensors.keys()]).toEqual([...tensors.keys()]);
    // the file with a projection holds the plain file's data section as its prefix
    const withProjection = encodeWeightsFile({ config, tensors, metadata: { epochs: '3' }, projection: randomProjection() });
    const body = (b: Uint8Array) => b.subarray(8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)));
    expect(body(withProjection).subarray(0, body(plain).length)).toEqual(body(plain));
  });

  it('still loads the shipped default model (distilled: it carries its projection onto the teacher\'s 128-D space), which re-encodes to the same bytes', async () => {
    const path = fileURLToPath(new URL('../models/deepface-default.safetensors', import.meta.url));
    const loaded = await loadWeightsFile(path);
    expect(loaded.projection?.inputSize).toBe(representationSize(loaded.config));
    expect(loaded.projection?.outputSize).toBe(128);
    expect(loaded.storedDtype).toBe('float16');
    expect(loaded.tensors.size).toBe(parameterSpecs(loaded.config).length + 1);
    expect(loaded.tensors.get('representation.max')!.length).toBe(representationSize(loaded.config));
    expect(Buffer.from(encodeWeightsFile(loaded, loaded.storedDtype)).equals(readFileSync(path))).toBe(true);
  });

  it('rejects a projection of the wrong shape, naming the tensor and both shapes', () => {
    const bytes = encodeWeightsFile({ config, tensors: randomTensors(), projection: randomProjection() });
    const weightAt = `"${PROJECTION_WEIGHT}":{"dtype":"F32","shape":`;
    const biasAt = `"${PROJECTION_BIAS}":{"dtype":"F32","shape":`;
    // the header says [128, 8] (same byte count, so only the shape check can catch it)
    const transposed = patchHeader(bytes, `${weightAt}[8,128]`, `${weightAt}[128,8]`);
    expect(() => decodeWeightsFile(transposed, 'edited')).toThrow(WeightsFileError);
    expect(() => decodeWeightsFile(transposed, 'edited')).toThrow(/^edited: tensor distill\.projection\.weight has shape \[128, 8\], config .* \(F7 8\) expects \[8, 128\]$/);
    // rows of another F7, a flat weight, a bias of another shape: all with the same byte count
    expect(() => decodeWeightsFile(patchHeader(bytes, `${weightAt}[8,128]`, `${weightAt}[16,64]`), 'rows')).toThrow(/tensor distill\.projection\.weight has shape \[16, 64\], .* expects \[8, 128\]/);
    expect(() => decodeWeightsFile(patchHeader(bytes, `${weightAt}[8,128]`, `${weightAt}[1024] `), 'flat')).toThrow(/tensor distill\.projection\.weight has shape \[1024\], .* expects \[8, 128\]/);
    expect(() => decodeWeightsFile(editHeader(bytes, (header) => (header[PROJECTION_BIAS]!.shape = [2, 64])), 'bias')).toThrow(
      /^bias: tensor distill\.projection\.bias has shape \[2, 64\], expected \[128\] \(the teacher's size in distill\.projection\.weight \[8, 128\]\)$/,
    );
    // a bias of 127 values (its data_offsets shortened to match) under a weight for 128
    const [begin, end] = readHeader(bytes)[PROJECTION_BIAS]!.data_offsets;
    const from = `${biasAt}[128],"data_offsets":[${begin},${end}]`;
    const to = `${biasAt}[127],"data_offsets":[${begin},${end - 4}]`;
    const short = patchHeader(bytes, from, to.padEnd(from.length, ' '));
    expect(() => decodeWeightsFile(short, 'bias')).toThrow(/^bias: tensor distill\.projection\.bias has shape \[127\], expected \[128\]/);
    // a bias without its weight
    const orphan = editHeader(bytes, (header) => delete header[PROJECTION_WEIGHT]);
    expect(() => decodeWeightsFile(orphan, 'orphan')).toThrow('orphan: tensor distill.projection.bias [128] without distill.projection.weight');

    // written from a model of another F7, or inconsistent, the projection is refused
    const tensors = randomTensors();
    const wide = { ...randomProjection(), inputSize: 16, weight: new Float32Array(16 * 128) };
    expect(() => encodeWeightsFile({ config, tensors, projection: wide })).toThrow(/^encodeWeightsFile: tensor distill\.projection\.weight has shape \[16, 128\], config .* \(F7 8\) expects \[8, 128\]$/);
    expect(() => encodeWeightsFile({ config, tensors, projection: { ...randomProjection(), inputSize: 0, weight: new Float32Array(0) } })).toThrow(
      /^encodeWeightsFile: tensor distill\.projection\.weight has shape \[0, 128\], config .* \(F7 8\) expects \[8, 128\]$/,
    );
    expect(() => encodeWeightsFile({ config, tensors, projection: { ...randomProjection(), weight: new Float32Array(100) } })).toThrow(
      'encodeWeightsFile: tensor distill.projection.weight has 100 values, expected [8, 128] = 1024',
    );
    expect(() => encodeWeightsFile({ config, tensors, projection: { ...randomProjection(), bias: new Float32Array(127) } })).toThrow(
      'encodeWeightsFile: tensor distill.projection.bias has 127 values, expected [128] = 128',
    );
    expect(() => encodeWeightsFile({ config, tensors, projection: randomProjection(0, false) })).toThrow(/expects \[8, D\]$/);
    // the projection's tensors are not flat extras
    expect(() => encodeWeightsFile({ config, tensors: new Map([...tensors, [PROJECTION_WEIGHT, new Float32Array(1024)]]) })).toThrow(
      'encodeWeightsFile: tensor distill.projection.weight goes in content.projection, not in tensors',
    );
  });

  it('checks the projection with the rest: the CRC over its bytes, finite values, its dtype, no other distill.* tensor', () => {
    const projection = randomProjection();
    const bytes = encodeWeightsFile({ config, tensors: randomTensors(), projection });
    // a flipped bit in the bias (the last tensor) and in the weight
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    expect(() => decodeWeightsFile(flipped, 'flipped')).toThrow(/^flipped: corrupt: data CRC-32 is [0-9a-f]{8}, header says/);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const inWeight = bytes.slice();
    inWeight[8 + n + readHeader(bytes)[PROJECTION_WEIGHT]!.data_offsets[0] + 5]! ^= 0x01;
    expect(() => decodeWeightsFile(inWeight, 'w')).toThrow(/^w: corrupt: data CRC-32/);

    const nan = { ...projection, weight: projection.weight.slice() };
    nan.weight[3] = NaN;
    expect(() => decodeWeightsFile(encodeWeightsFile({ config, tensors: randomTensors(), projection: nan }), 'nan')).toThrow('nan: distill.projection.weight[3] is NaN');
    // 1e6 overflows float16
    const big = { ...projection, bias: projection.bias!.slice() };
    big.bias[0] = 1e6;
    expect(() => decodeWeightsFile(encodeWeightsFile({ config, tensors: randomTensors(), projection: big }, 'float16'), 'big')).toThrow('big: distill.projection.bias[0] is Infinity');

    const int = patchHeader(bytes, `"${PROJECTION_WEIGHT}":{"dtype":"F32"`, `"${PROJECTION_WEIGHT}":{"dtype":"I32"`);
    expect(() => decodeWeightsFile(int, 'int')).toThrow('int: tensor distill.projection.weight: dtype "I32" is not supported (F32 or F16)');
    const unknown = patchHeader(bytes, `"${PROJECTION_BIAS}"`, '"distill.projection.biaz"');
    expect(() => decodeWeightsFile(unknown, 'unknown')).toThrow(/^unknown: unexpected tensor distill\.projection\.biaz: not a parameter of config/);
  });
});
