/**
 * The network weights file: the safetensors layout, so other tools can read it too.
 *
 *   bytes 0..7     header length N, unsigned 64-bit little-endian
 *   bytes 8..8+N   UTF-8 JSON header, space-padded to a multiple of 8 bytes:
 *                    { "__metadata__": { "format": "deepface-ts/weights@1",
 *                                        "config": "<NetworkConfig as JSON>",
 *                                        "crc32": "<hex CRC-32 of the data section>", … },
 *                      "<tensor name>": { "dtype": "F32" | "F16", "shape": [...],
 *                                         "data_offsets": [begin, end] }, … }
 *   bytes 8+N..    the data section: every tensor little-endian, back to back, in the
 *                  order of `parameterSpecs(config)`, then the optional extra tensors
 *                  (`EXTRA_TENSORS`): "representation.max" (the per-component F7 maxima used
 *                  for normalisation) and the distillation projection
 *                  "distill.projection.weight" [F7, D] / "distill.projection.bias" [D]
 *                  (D the teacher's descriptor size, e.g. dlib's 128).
 *
 * Reading validates everything (lengths, JSON, config, every expected tensor's presence,
 * dtype and shape, the extras' shapes, offsets, CRC, finite extras) before returning, so a
 * truncated, corrupt or mismatched file raises a clear error and never yields a half-loaded
 * model.
 */
import { validateConfig, parameterSpecs, representationSize, type NetworkConfig } from './config';
import { crc32 } from '@deepface-ts/crc32';
import { decodeFloat16, encodeFloat16 } from './float16';

export const WEIGHTS_FORMAT = 'deepface-ts/weights@1';

export type WeightsDtype = 'float32' | 'float16';

export class WeightsFileError extends Error {
  override readonly name = 'WeightsFileError';
}

/** Weights-file name of the distillation projection matrix, [F7, outputSize]. */
export const PROJECTION_WEIGHT = 'distill.projection.weight';
/** Weights-file name of the distillation projection bias, [outputSize] (optional). */
export const PROJECTION_BIAS = 'distill.projection.bias';

/** The distillation projection F7 → outputSize as plain arrays (see `DistillProjection`). */
export interface ProjectionWeights {
  /** The student's F7 width (`representationSize(config)`). */
  inputSize: number;
  /** The teacher's descriptor size. */
  outputSize: number;
  /** Row-major [inputSize, outputSize]. */
  weight: Float32Array;
  /** [outputSize]. */
  bias?: Float32Array;
}

export interface WeightsContent {
  config: NetworkConfig;
  /** Trainable tensors by name (see `parameterSpecs`), plus the optional `representation.max`. */
  tensors: Map<string, Float32Array>;
  /** Free-form string metadata (training command, data, epochs, losses…). */
  metadata: Record<string, string>;
  /** How the parameters were stored (set by `decodeWeightsFile`), so a re-save can keep it. */
  storedDtype?: WeightsDtype;
  /** The optional distillation projection (`distill.projection.*`); absent in a plain file. */
  projection?: ProjectionWeights;
}

/** What `encodeWeightsFile` takes: a `WeightsContent` (e.g. `model.toWeights()`), tensors as a Map or a record. */
export interface WeightsInput {
  config: NetworkConfig;
  tensors: Map<string, Float32Array> | Record<string, Float32Array>;
  metadata?: Record<string, string>;
  projection?: ProjectionWeights;
}

interface HeaderEntry {
  dtype: 'F32' | 'F16';
  shape: number[];
  data_offsets: [number, number];
}

/**
 * The optional tensors after the parameters, in file order. `representation.max` travels in
 * `WeightsContent.tensors`, the projection's two in `WeightsContent.projection`.
 */
const EXTRA_TENSORS = new Set(['representation.max', PROJECTION_WEIGHT, PROJECTION_BIAS]);
const PROJECTION_TENSORS = new Set([PROJECTION_WEIGHT, PROJECTION_BIAS]);

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * The extras' shapes (name → shape, as in a header or about to be written) against `config`;
 * the first problem, naming the tensor and both shapes, or undefined. Shared by encode and decode.
 *   representation.max           any shape (as it always was; not checked against F7)
 *   distill.projection.weight    [F7, D], D ≥ 1 the teacher's size, read from this shape
 *   distill.projection.bias      [D], only with the weight
 */
function extraShapeProblem(config: NetworkConfig, shapes: ReadonlyMap<string, readonly number[]>): string | undefined {
  const weight = shapes.get(PROJECTION_WEIGHT);
  const bias = shapes.get(PROJECTION_BIAS);
  if (!weight) return bias ? `tensor ${PROJECTION_BIAS} ${shapeText(bias)} without ${PROJECTION_WEIGHT}` : undefined;
  const f7 = representationSize(config);
  if (weight.length !== 2 || weight[0] !== f7 || !(Number.isInteger(weight[1]) && weight[1]! >= 1)) {
    // The rows are wrong: guess the teacher's size from the bias if there is one, so a transposed weight reads as such.
    const d = bias?.length === 1 && bias[0]! >= 1 ? bias[0]! : weight.length === 2 && weight[1]! >= 1 ? weight[1]! : 'D';
    return `tensor ${PROJECTION_WEIGHT} has shape ${shapeText(weight)}, config ${config.name} (F7 ${f7}) expects [${f7}, ${d}]`;
  }
  if (bias && (bias.length !== 1 || bias[0] !== weight[1])) {
    return `tensor ${PROJECTION_BIAS} has shape ${shapeText(bias)}, expected [${weight[1]}] (the teacher's size in ${PROJECTION_WEIGHT} ${shapeText(weight)})`;
  }
  return undefined;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialises weights; tensors are stored in config order, extras (the projection last) after. */
export function encodeWeightsFile(content: WeightsInput, dtype: WeightsDtype = 'float32'): Uint8Array {
  if (!littleEndian) throw new WeightsFileError('big-endian platforms are not supported');
  const config = validateConfig(content.config);
  const tensors = content.tensors instanceof Map ? content.tensors : new Map(Object.entries(content.tensors));
  const specs = parameterSpecs(config);
  const ordered: { name: string; shape: readonly number[]; data: Float32Array }[] = [];
  for (const spec of specs) {
    const data = tensors.get(spec.name);
    if (!data) throw new WeightsFileError(`encodeWeightsFile: missing tensor ${spec.name} [${spec.shape.join(', ')}]`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new WeightsFileError(`encodeWeightsFile: tensor ${spec.name} has ${data.length} values, expected [${spec.shape.join(', ')}] = ${size}`);
    ordered.push({ name: spec.name, shape: spec.shape, data });
  }
  const known = new Set(specs.map((s) => s.name));
  const extras: typeof ordered = [];
  for (const [name, data] of tensors) {
    if (known.has(name)) continue;
    if (!EXTRA_TENSORS.has(name)) throw new WeightsFileError(`encodeWeightsFile: unknown tensor ${name} (not a parameter of ${config.name})`);
    if (PROJECTION_TENSORS.has(name)) throw new WeightsFileError(`encodeWeightsFile: tensor ${name} goes in content.projection, not in tensors`);
    extras.push({ name, shape: [data.length], data });
  }
  const p = content.projection;
  if (p) {
    extras.push({ name: PROJECTION_WEIGHT, shape: [p.inputSize, p.outputSize], data: p.weight });
    if (p.bias) extras.push({ name: PROJECTION_BIAS, shape: [p.outputSize], data: p.bias });
  }
  const problem = extraShapeProblem(config, new Map(extras.map((t) => [t.name, t.shape])));
  if (problem) throw new WeightsFileError(`encodeWeightsFile: ${problem}`);
  for (const t of extras) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) throw new WeightsFileError(`encodeWeightsFile: tensor ${t.name} has ${t.data.length} values, expected ${shapeText(t.shape)} = ${size}`);
    ordered.push(t);
  }

  const elementBytes = dtype === 'float16' ? 2 : 4;
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of ordered) {
    const bytes = t.data.length * elementBytes;
    header[t.name] = { dtype: dtype === 'float16' ? 'F16' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const body = new Uint8Array(offset);
  let at = 0;
  for (const t of ordered) {
    const raw = dtype === 'float16' ? encodeFloat16(t.data) : t.data;
    body.set(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), at);
    at += raw.byteLength;
  }
  const metadata: Record<string, string> = {
    ...(content.metadata ?? {}),
    format: WEIGHTS_FORMAT,
    config: JSON.stringify(config),
    crc32: crc32(body).toString(16).padStart(8, '0'),
  };
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new WeightsFileError(`encodeWeightsFile: metadata "${k}" must be a string (safetensors metadata is string → string)`);
  }
  let json = JSON.stringify({ __metadata__: metadata, ...header });
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(body, 8 + headerBytes.length);
  return out;
}

/** Parses and validates a weights file. `source` (a path or URL) is quoted in every error. */
export function decodeWeightsFile(input: Uint8Array, source = 'weights file'): WeightsContent {
  // A Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array view.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fail = (what: string): never => {
    throw new WeightsFileError(`${source}: ${what}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength <= 1 || headerLength > 100 * 1024 * 1024) fail(`not a weights file: header length ${headerLength} is implausible (corrupt or another format)`);
  if (8 + headerLength > bytes.length) fail(`truncated: header needs ${headerLength} bytes, file has ${bytes.length - 8} after the length field`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  if (metadata.format !== WEIGHTS_FORMAT) fail(`metadata.format is ${JSON.stringify(metadata.format)}, expected "${WEIGHTS_FORMAT}"`);
  let configValue: unknown;
  try {
    configValue = JSON.parse(metadata.config ?? '');
  } catch {
    fail('metadata.config is not valid JSON');
  }
  const config = validateConfig(configValue, `${source}: config`);
  const body = bytes.subarray(8 + headerLength);

  const entries = new Map<string, HeaderEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = value as HeaderEntry;
    if (!e || (e.dtype !== 'F32' && e.dtype !== 'F16')) fail(`tensor ${name}: dtype ${JSON.stringify(e?.dtype)} is not supported (F32 or F16)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor ${name}: bad shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = Array.isArray(e.data_offsets) ? e.data_offsets : [NaN, NaN];
    const size = e.shape.reduce((a, b) => a * b, 1);
    const width = e.dtype === 'F16' ? 2 : 4;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) fail(`tensor ${name}: bad data_offsets ${JSON.stringify(e.data_offsets)}`);
    if (end - begin !== size * width) fail(`tensor ${name}: data_offsets span ${end - begin} bytes, shape [${e.shape.join(', ')}] of ${e.dtype} needs ${size * width}`);
    if (end > body.length) fail(`truncated: tensor ${name} ends at byte ${end} of the data section, which has only ${body.length} bytes`);
    entries.set(name, e);
  }
  const expectedCrc = metadata.crc32;
  if (expectedCrc !== undefined) {
    const actual = crc32(body).toString(16).padStart(8, '0');
    if (actual !== expectedCrc) fail(`corrupt: data CRC-32 is ${actual}, header says ${expectedCrc}`);
  }
  const specs = parameterSpecs(config);
  for (const spec of specs) {
    const e = entries.get(spec.name);
    if (!e) fail(`missing tensor ${spec.name} [${spec.shape.join(', ')}] required by config ${config.name}`);
    if (e!.shape.length !== spec.shape.length || e!.shape.some((d, i) => d !== spec.shape[i])) {
      fail(`tensor ${spec.name} has shape [${e!.shape.join(', ')}], config ${config.name} expects [${spec.shape.join(', ')}]`);
    }
  }
  const known = new Set(specs.map((s) => s.name));
  const extraShapes = new Map<string, readonly number[]>();
  for (const [name, e] of entries) {
    if (known.has(name)) continue;
    if (!EXTRA_TENSORS.has(name)) fail(`unexpected tensor ${name}: not a parameter of config ${config.name}`);
    extraShapes.set(name, e.shape);
  }
  const problem = extraShapeProblem(config, extraShapes);
  if (problem) fail(problem);

  const tensors = new Map<string, Float32Array>();
  const projection = new Map<string, Float32Array>();
  for (const [name, e] of entries) {
    const [begin, end] = e.data_offsets;
    // Copy into a fresh aligned buffer: the data section need not be 4-byte aligned.
    const raw = body.slice(begin, end);
    const values = e.dtype === 'F16' ? decodeFloat16(new Uint16Array(raw.buffer, 0, (end - begin) / 2)) : new Float32Array(raw.buffer, 0, (end - begin) / 4);
    if (extraShapes.has(name)) {
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) fail(`${name}[${i}] is ${values[i]}`);
    }
    (PROJECTION_TENSORS.has(name) ? projection : tensors).set(name, values);
  }
  const { format: _f, config: _c, crc32: _crc, ...rest } = metadata;
  const storedDtype: WeightsDtype = entries.get(specs[0]!.name)!.dtype === 'F16' ? 'float16' : 'float32';
  const content: WeightsContent = { config, tensors, metadata: rest, storedDtype };
  const weight = projection.get(PROJECTION_WEIGHT);
  if (weight) {
    const shape = extraShapes.get(PROJECTION_WEIGHT)!;
    content.projection = { inputSize: shape[0]!, outputSize: shape[1]!, weight, bias: projection.get(PROJECTION_BIAS) };
  }
  return content;
}

/** Writes a weights file atomically (temp file + rename): a crash never leaves a half-written file. Node only. */
export async function saveWeightsFile(path: string, content: WeightsInput, dtype: WeightsDtype = 'float32'): Promise<number> {
  const { writeFile, rename, unlink } = await import('node:fs/promises');
  const bytes = encodeWeightsFile(content, dtype);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  return bytes.length;
}

/** Reads and validates a weights file from a path (Node) or a URL (fetch: browser or Node). */
export async function loadWeightsFile(location: string | URL): Promise<WeightsContent> {
  const source = String(location);
  let bytes: Uint8Array;
  if (typeof location === 'string' && !/^(https?|blob|data):/.test(location)) {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(location);
  } else {
    const response = await fetch(location);
    if (!response.ok) throw new WeightsFileError(`${source}: HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  return decodeWeightsFile(bytes, source);
}
