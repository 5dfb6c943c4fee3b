import { describe, expect, it } from 'vitest';
import { defaultModelDir, fileSource, loadWeights } from './loader';
import { decodeWeights, float16ToFloat32, parseManifest, weightByteLength, WeightsError } from './manifest';

/** Little-endian bytes of a sequence of typed values. */
function bytes(...parts: (Uint8Array | Uint16Array | Float32Array | Int32Array)[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  return out;
}

describe('float16ToFloat32', () => {
  it('decodes hand-picked half-precision bit patterns', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(float16ToFloat32(0x0000)).toBe(0);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
  });
});

describe('decodeWeights', () => {
  const manifest = parseManifest([
    {
      paths: ['a.bin', 'b.bin'],
      weights: [
        { name: 'plain', shape: [2], dtype: 'float32' },
        { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'q16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 10 } },
        { name: 'half', shape: [1], dtype: 'float32', quantization: { dtype: 'float16' } },
        { name: 'int', shape: [2], dtype: 'int32' },
        { name: 'qint', shape: [1], dtype: 'int32', quantization: { dtype: 'uint8', scale: 1, min: 5118 } },
      ],
    },
  ]);
  const shard = bytes(
    new Float32Array([1.5, -2.25]),
    new Uint8Array([0, 2, 255]),
    new Uint16Array([0, 1000]),
    new Uint16Array([0xc000]),
    new Int32Array([7, -3]),
    new Uint8Array([0]),
  );

  it('dequantizes value = q·scale + min, hand-computed', () => {
    const w = decodeWeights(manifest, [shard]);
    expect(Array.from(w.get('plain')!.values)).toEqual([1.5, -2.25]);
    expect(Array.from(w.get('q8')!.values)).toEqual([-1, 0, 126.5]);
    expect(Array.from(w.get('q16')!.values)).toEqual([10, 260]);
    expect(Array.from(w.get('half')!.values)).toEqual([-2]);
    expect(w.get('int')!.values).toBeInstanceOf(Int32Array);
    expect(Array.from(w.get('int')!.values)).toEqual([7, -3]);
    expect(Array.from(w.get('qint')!.values)).toEqual([5118]);
    expect(w.get('q8')!.shape).toEqual([3]);
  });

  it('counts bytes per stored dtype', () => {
    expect(manifest[0]!.weights.map(weightByteLength)).toEqual([8, 3, 4, 2, 8, 1]);
  });

  it('reports a truncated shard with the weight and file names', () => {
    expect(() => decodeWeights(manifest, [shard.subarray(0, 10)], 'm.json')).toThrow(/m\.json: weight 'q8' needs bytes 8\.\.11 .*a\.bin, b\.bin.* 10 bytes/);
  });

  it('reports trailing bytes the manifest does not describe', () => {
    expect(() => decodeWeights(manifest, [bytes(shard, new Uint8Array(4))])).toThrow(WeightsError);
  });

  it('rejects malformed manifests with the place at fault', () => {
    expect(() => parseManifest({}, 'x.json')).toThrow(/x\.json: expected an array/);
    expect(() => parseManifest([{ paths: [], weights: [] }], 'x.json')).toThrow(/group 0: "paths"/);
    expect(() => parseManifest([{ paths: ['a'], weights: [{ name: 'w', shape: [2], dtype: 'complex64' }] }], 'x.json')).toThrow(/weight 0 \('w'\): unsupported dtype/);
    expect(() => parseManifest([{ paths: ['a'], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }])).toThrow(/"shape"/);
    expect(() => parseManifest([{ paths: ['a'], weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }] }])).toThrow(/scale/);
  });
});

describe('face-api model files', () => {
  it.each(['ssd_mobilenetv1_model', 'tiny_face_detector_model', 'face_landmark_68_model'])('%s decodes, every byte accounted for', async (model) => {
    const weights = await loadWeights(fileSource(await defaultModelDir()), model);
    expect(weights.size).toBeGreaterThan(10);
    for (const w of weights.values()) {
      expect(w.values.length).toBe(w.shape.reduce((a, b) => a * b, 1));
      expect(w.values.every(Number.isFinite)).toBe(true);
    }
  });

  it('names the missing file', async () => {
    await expect(loadWeights(fileSource('/nonexistent/models'), 'tiny_face_detector_model')).rejects.toThrow(/\/nonexistent\/models\/tiny_face_detector_model-weights_manifest\.json: cannot read/);
  });
});
