/**
 * Parser for the tfjs "weights manifest" format (`*-weights_manifest.json` + `*.bin` shards)
 * that face-api ships its models in. Written from the format itself so we need neither
 * @tensorflow/tfjs-converter nor the full @tensorflow/tfjs bundle.
 *
 * A manifest is an array of groups; each group lists shard files (`paths`, concatenated in
 * order) and the weights stored back to back in them. A weight is `{ name, shape, dtype }`
 * with an optional `quantization` `{ dtype: 'uint8' | 'uint16' | 'float16', scale, min }`:
 * quantized integers q are stored instead of the values, and value = q · scale + min.
 */

export type WeightDtype = 'float32' | 'int32' | 'bool';
export type QuantizationDtype = 'uint8' | 'uint16' | 'float16';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  quantization?: { dtype: QuantizationDtype; scale?: number; min?: number };
}

export interface WeightsManifestGroup {
  paths: string[];
  weights: WeightEntry[];
}

export type WeightsManifest = WeightsManifestGroup[];

/** One decoded weight: float32 weights as Float32Array, int32/bool as Int32Array. */
export interface DecodedWeight {
  name: string;
  shape: number[];
  dtype: WeightDtype;
  values: Float32Array | Int32Array;
}

export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

const QUANT_BYTES: Record<QuantizationDtype, number> = { uint8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Record<WeightDtype, number> = { float32: 4, int32: 4, bool: 1 };

/** Validates the JSON of a manifest; errors name the file and the offending group/weight. */
export function parseManifest(json: unknown, source = 'weights manifest'): WeightsManifest {
  if (!Array.isArray(json)) throw new WeightsError(`${source}: expected an array of weight groups, got ${typeof json}`);
  return json.map((group: unknown, g) => {
    const where = `${source}: group ${g}`;
    if (group === null || typeof group !== 'object') throw new WeightsError(`${where} is not an object`);
    const { paths, weights } = group as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
      throw new WeightsError(`${where}: "paths" must be a non-empty array of file names`);
    }
    if (!Array.isArray(weights)) throw new WeightsError(`${where}: "weights" must be an array`);
    const entries = weights.map((w: unknown, i): WeightEntry => {
      const e = w as Partial<WeightEntry> | null;
      const at = `${where}, weight ${i}${e && typeof e.name === 'string' ? ` ('${e.name}')` : ''}`;
      if (e === null || typeof e !== 'object' || typeof e.name !== 'string') throw new WeightsError(`${at}: missing "name"`);
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new WeightsError(`${at}: "shape" must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
      }
      if (e.dtype !== 'float32' && e.dtype !== 'int32' && e.dtype !== 'bool') {
        throw new WeightsError(`${at}: unsupported dtype ${JSON.stringify(e.dtype)} (float32, int32 or bool)`);
      }
      if (e.quantization !== undefined) {
        const q = e.quantization;
        if (!(q.dtype in QUANT_BYTES)) throw new WeightsError(`${at}: unsupported quantization dtype ${JSON.stringify(q.dtype)}`);
        if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
          throw new WeightsError(`${at}: ${q.dtype} quantization needs finite "scale" and "min"`);
        }
      }
      return { name: e.name, shape: e.shape.slice(), dtype: e.dtype, ...(e.quantization ? { quantization: { ...e.quantization } } : {}) };
    });
    return { paths: paths.slice() as string[], weights: entries };
  });
}

/** IEEE 754 half → float (handles subnormals, infinities and NaN). */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Bytes a weight occupies in its shard. */
export function weightByteLength(entry: WeightEntry): number {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  return n * (entry.quantization ? QUANT_BYTES[entry.quantization.dtype] : DTYPE_BYTES[entry.dtype]);
}

/**
 * Decodes every weight of a manifest. `shards[g]` holds the bytes of group g's files
 * concatenated in `paths` order. Quantized values are dequantized (value = q·scale + min;
 * int32 weights are rounded back to integers, as tfjs does).
 */
export function decodeWeights(
  manifest: WeightsManifest,
  shards: Uint8Array[],
  source = 'weights manifest',
): Map<string, DecodedWeight> {
  if (shards.length !== manifest.length) {
    throw new WeightsError(`${source}: ${manifest.length} weight groups but ${shards.length} shard buffers`);
  }
  const out = new Map<string, DecodedWeight>();
  manifest.forEach((group, g) => {
    const bytes = shards[g]!;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const entry of group.weights) {
      const size = weightByteLength(entry);
      if (offset + size > bytes.byteLength) {
        throw new WeightsError(
          `${source}: weight '${entry.name}' needs bytes ${offset}..${offset + size} but group ${g} (${group.paths.join(', ')}) holds only ${bytes.byteLength} bytes (truncated file?)`,
        );
      }
      const n = entry.shape.reduce((a, b) => a * b, 1);
      const values = entry.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
      const q = entry.quantization;
      const round = entry.dtype !== 'float32';
      if (q === undefined) {
        for (let i = 0; i < n; i++) {
          values[i] = entry.dtype === 'float32' ? view.getFloat32(offset + 4 * i, true)
            : entry.dtype === 'int32' ? view.getInt32(offset + 4 * i, true) : view.getUint8(offset + i);
        }
      } else if (q.dtype === 'float16') {
        for (let i = 0; i < n; i++) values[i] = float16ToFloat32(view.getUint16(offset + 2 * i, true));
      } else {
        const scale = q.scale!;
        const min = q.min!;
        for (let i = 0; i < n; i++) {
          const raw = q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
          const v = raw * scale + min;
          values[i] = round ? Math.round(v) : v;
        }
      }
      if (out.has(entry.name)) throw new WeightsError(`${source}: weight '${entry.name}' appears twice`);
      out.set(entry.name, { name: entry.name, shape: entry.shape, dtype: entry.dtype, values });
      offset += size;
    }
    if (offset !== bytes.byteLength) {
      throw new WeightsError(`${source}: group ${g} (${group.paths.join(', ')}) has ${bytes.byteLength} bytes but its weights use ${offset}`);
    }
  });
  return out;
}

/** Looks a weight up and checks its shape; the error names the model and the weight. */
export function requireWeight(weights: Map<string, DecodedWeight>, name: string, shape: number[] | number, model: string): DecodedWeight {
  const w = weights.get(name);
  if (w === undefined) throw new WeightsError(`${model}: weight '${name}' is missing from the manifest`);
  const ok = typeof shape === 'number' ? w.shape.length === shape : w.shape.length === shape.length && w.shape.every((d, i) => shape[i] === -1 || d === shape[i]);
  if (!ok) throw new WeightsError(`${model}: weight '${name}' has shape [${w.shape}], expected ${typeof shape === 'number' ? `rank ${shape}` : `[${shape}]`}`);
  return w;
}
