import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepFaceConfig, parameterSpecs } from './config';
import { crc32 } from '@deepface-ts/crc32';
import { decodeWeightsFile, encodeWeightsFile, loadWeightsFile, saveWeightsFile, WeightsFileError } from './weights_file';

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
