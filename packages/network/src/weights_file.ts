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
 * dtype and shape, the extras' shapes against the config, offsets back to back with no
 * overlap or gap, the CRC, finite extras) before allocating the tensors or returning, so a
 * truncated, corrupt or mismatched file raises a `WeightsFileError` naming the file and the
 * fault and never yields a half-loaded model. A file without a CRC is refused unless
 * `{ allowUnchecked: true }`; `loadWeightsFile` reads only regular files of at most
 * `maxBytes` (2 GiB by default), checked before reading.
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
const REPRESENTATION_MAX = 'representation.max';
const EXTRA_TENSORS = new Set([REPRESENTATION_MAX, PROJECTION_WEIGHT, PROJECTION_BIAS]);
const PROJECTION_TENSORS = new Set([PROJECTION_WEIGHT, PROJECTION_BIAS]);

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * The extras' shapes (name → shape, as in a header or about to be written) against `config`;
 * the first problem, naming the tensor and both shapes, or undefined. Shared by encode and decode.
 *   representation.max           [F7], one maximum per F7 component
 *   distill.projection.weight    [F7, D], D ≥ 1 the teacher's size, read from this shape
 *   distill.projection.bias      [D], only with the weight
 */
function extraShapeProblem(config: NetworkConfig, shapes: ReadonlyMap<string, readonly number[]>): string | undefined {
  const max = shapes.get(REPRESENTATION_MAX);
  const weight = shapes.get(PROJECTION_WEIGHT);
  const bias = shapes.get(PROJECTION_BIAS);
  if (!max && !weight) return bias ? `tensor ${PROJECTION_BIAS} ${shapeText(bias)} without ${PROJECTION_WEIGHT}` : undefined;
  let f7: number;
  try {
    f7 = representationSize(config);
  } catch {
    return `tensor ${max ? REPRESENTATION_MAX : PROJECTION_WEIGHT} needs an F7 (dense) layer, and config ${config.name} has none`;
  }
  if (max && (max.length !== 1 || max[0] !== f7)) {
    return `tensor ${REPRESENTATION_MAX} has shape ${shapeText(max)}, config ${config.name} (F7 ${f7}) expects [${f7}]`;
  }
  if (!weight) return bias ? `tensor ${PROJECTION_BIAS} ${shapeText(bias)} without ${PROJECTION_WEIGHT}` : undefined;
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

/** Options of `decodeWeightsFile` (and of `loadWeightsFile`). */
export interface DecodeWeightsOptions {
  /**
   * Accept a file whose metadata has no `crc32`, so that its data section cannot be checked
   * (a file written by another tool). Default false: such a file is refused. A file that has a
   * CRC is checked all the same.
   */
  allowUnchecked?: boolean;
}

/** Options of `loadWeightsFile` / `readWeightsFileBytes`. */
export interface LoadWeightsOptions extends DecodeWeightsOptions {
  /**
   * The largest file accepted, in bytes, checked before anything is read (a path's size from
   * `stat`, a URL's Content-Length, then the bytes as they arrive). Default
   * `DEFAULT_MAX_WEIGHTS_BYTES` (2 GiB).
   */
  maxBytes?: number;
}

/** `loadWeightsFile`'s default size cap: 2 GiB (the shipped model is 13 MiB, the paper's network in float32 about 476 MB). */
export const DEFAULT_MAX_WEIGHTS_BYTES = 2 * 1024 ** 3;
/** The largest JSON header accepted (as in the safetensors reference reader). */
export const MAX_WEIGHTS_HEADER_BYTES = 100 * 1024 * 1024;

const hex8 = (crc: number) => (crc >>> 0).toString(16).padStart(8, '0');
/** A value from the file for an error message, as JSON, cut short if long. */
const quote = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * The number of elements of `shape`, or Infinity once it passes `limit` (so a header's absurd
 * shape never turns into an absurd number, let alone an allocation).
 */
function elementCount(shape: readonly number[], limit: number): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > limit) return Infinity;
  }
  return n;
}

/**
 * Parses and validates a weights file. `source` (a path or URL) is quoted in every error.
 *
 * Everything read from the file is checked before anything is allocated or returned: the
 * header length (at least 2, at most `MAX_WEIGHTS_HEADER_BYTES`, within the file), the JSON,
 * the metadata (string → string, the format, the config), every tensor's dtype, shape and
 * offsets (its byte length equal to its shape × dtype size, inside the data section), the
 * CRC-32 (`metadata.crc32`, any case; a file without one is refused unless
 * `options.allowUnchecked`), every tensor against the config (each parameter's shape,
 * `representation.max` `[F7]`, the projection `[F7, D]` / `[D]`, nothing else), and the
 * offsets together (in order from 0, each tensor starting where the previous one ends, the
 * last ending at the end of the file: no overlap, no gap, no trailing bytes).
 */
export function decodeWeightsFile(input: Uint8Array, source = 'weights file', options: DecodeWeightsOptions = {}): WeightsContent {
  // A Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array view.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fail = (what: string): never => {
    throw new WeightsFileError(`${source}: ${what}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared < 2n || declared > BigInt(MAX_WEIGHTS_HEADER_BYTES)) {
    fail(`not a weights file: header length ${declared} is implausible (corrupt or another format; expected 2 to ${MAX_WEIGHTS_HEADER_BYTES} bytes)`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) fail(`truncated: header needs ${headerLength} bytes, file has ${bytes.length - 8} after the length field`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(header)) fail('header is not a JSON object');
  const rawMetadata = header.__metadata__ ?? {};
  if (!isObject(rawMetadata)) fail(`__metadata__ is ${quote(rawMetadata)}, expected an object of strings`);
  for (const [k, v] of Object.entries(rawMetadata as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`metadata "${k}" is ${quote(v)}, expected a string (safetensors metadata is string → string)`);
  }
  const metadata = rawMetadata as Record<string, string>;
  if (metadata.format !== WEIGHTS_FORMAT) fail(`metadata.format is ${quote(metadata.format)}, expected "${WEIGHTS_FORMAT}"`);
  let configValue: unknown;
  try {
    configValue = JSON.parse(metadata.config ?? '');
  } catch {
    fail('metadata.config is not valid JSON');
  }
  let config: NetworkConfig;
  try {
    config = validateConfig(configValue, `${source}: config`);
  } catch (e) {
    // validateConfig names the source; a layer-shape fault (layerShapes) names only the config.
    const message = (e as Error).message;
    if (message.startsWith(`${source}: `)) throw e;
    throw new WeightsFileError(`${source}: config: ${message}`, { cause: e });
  }
  const body = bytes.subarray(8 + headerLength);

  // Each entry on its own: dtype, shape, offsets, byte length, inside the data section.
  const entries = new Map<string, HeaderEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isObject(value)) fail(`tensor ${name}: header entry is ${quote(value)}, expected { dtype, shape, data_offsets }`);
    const e = value as unknown as HeaderEntry;
    if (e.dtype !== 'F32' && e.dtype !== 'F16') fail(`tensor ${name}: dtype ${quote(e.dtype)} is not supported (F32 or F16)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name}: bad shape ${quote(e.shape)}`);
    const offsets = e.data_offsets as unknown;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o)) || offsets[0] < 0 || offsets[1] < offsets[0]) {
      fail(`tensor ${name}: bad data_offsets ${quote(offsets)} (expected [begin, end], 0 ≤ begin ≤ end)`);
    }
    const [begin, end] = e.data_offsets;
    if (end > body.length) fail(`truncated: tensor ${name} ends at byte ${end} of the data section, which has only ${body.length} bytes`);
    const width = e.dtype === 'F16' ? 2 : 4;
    const count = elementCount(e.shape, body.length);
    if (count === Infinity) fail(`tensor ${name}: shape ${shapeText(e.shape)} of ${e.dtype} needs more than the whole ${body.length}-byte data section`);
    if (end - begin !== count * width) fail(`tensor ${name}: data_offsets span ${end - begin} bytes, shape ${shapeText(e.shape)} of ${e.dtype} needs ${count * width}`);
    entries.set(name, { dtype: e.dtype, shape: e.shape, data_offsets: [begin, end] });
  }

  const expectedCrc = metadata.crc32;
  if (expectedCrc === undefined) {
    if (options.allowUnchecked !== true) fail('no CRC-32 (metadata.crc32), so the data cannot be checked; pass { allowUnchecked: true } to load it unchecked');
  } else {
    if (!/^[0-9a-f]{1,8}$/i.test(expectedCrc)) fail(`metadata.crc32 is ${quote(expectedCrc)}, expected a CRC-32 in hex (8 digits)`);
    const actual = crc32(body) >>> 0;
    if (actual !== parseInt(expectedCrc, 16)) fail(`corrupt: data CRC-32 is ${hex8(actual)}, header says ${expectedCrc}`);
  }

  // The tensors against the config.
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

  // The offsets together: back to back from byte 0 to the end of the file.
  const byOffset = [...entries].sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
  let at = 0;
  let previous: [string, HeaderEntry] | undefined;
  for (const [name, e] of byOffset) {
    const [begin, end] = e.data_offsets;
    if (begin < at) {
      fail(`tensor ${name} (data_offsets [${begin}, ${end}]) overlaps tensor ${previous![0]} (data_offsets [${previous![1].data_offsets.join(', ')}])`);
    }
    if (begin > at) {
      fail(`gap in the data section: bytes ${at} to ${begin} belong to no tensor (${previous ? `between ${previous[0]} and ${name}` : `before ${name}, the first`})`);
    }
    at = end;
    previous = [name, e];
  }
  if (at !== body.length) {
    fail(`${body.length - at} bytes after the last tensor${previous ? ` (${previous[0]} ends at byte ${at})` : ''}: the data section has ${body.length}`);
  }

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

const bytesText = (n: number) =>
  n >= 1024 ** 3 ? `${n} bytes (${+(n / 1024 ** 3).toFixed(2)} GiB)` : n >= 1024 ** 2 ? `${n} bytes (${+(n / 1024 ** 2).toFixed(2)} MiB)` : `${n} bytes`;

function checkMaxBytes(maxBytes: number | undefined, where: string): number {
  const cap = maxBytes ?? DEFAULT_MAX_WEIGHTS_BYTES;
  if (!(Number.isSafeInteger(cap) && cap > 0)) throw new RangeError(`${where}: maxBytes must be a positive whole number of bytes, got ${String(maxBytes)}`);
  return cap;
}

/**
 * The bytes of a weights file from a path (Node) or a URL (fetch: browser or Node), without
 * decoding them, under the same guards as `loadWeightsFile`: a path must name a regular file
 * (not a FIFO, a device such as /dev/zero, a directory or a socket) of at most `maxBytes`
 * (default 2 GiB), both checked before it is opened for reading; a URL's Content-Length and
 * then the bytes received are held to the same cap. Errors name the file and the limit.
 * For callers that need the raw bytes too (a content hash) before `decodeWeightsFile`.
 */
export async function readWeightsFileBytes(location: string | URL, options: Pick<LoadWeightsOptions, 'maxBytes'> = {}): Promise<Uint8Array> {
  const source = String(location);
  const maxBytes = checkMaxBytes(options.maxBytes, source);
  const fail = (what: string): never => {
    throw new WeightsFileError(`${source}: ${what}`);
  };
  const overCap = (size: number | string) =>
    `${typeof size === 'number' ? bytesText(size) : size}, over the weights-file limit of ${bytesText(maxBytes)} (pass { maxBytes } to raise it)`;
  if (typeof location === 'string' && !/^(https?|blob|data):/.test(location)) {
    const { stat, open } = await import('node:fs/promises');
    const { constants } = await import('node:fs');
    type Stat = Awaited<ReturnType<typeof stat>>;
    const check = (s: Stat) => {
      if (!s.isFile()) {
        const kind = s.isFIFO() ? 'a FIFO (named pipe)' : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device' : s.isDirectory() ? 'a directory' : s.isSocket() ? 'a socket' : 'not a regular file';
        fail(`not a regular file: it is ${kind}; a weights file must be a regular file`);
      }
      if (s.size > maxBytes) fail(overCap(Number(s.size)));
    };
    // stat before open: opening a FIFO blocks until a writer comes, and opening a device can have effects.
    check(await stat(location));
    // Non-blocking, so that a path swapped for a FIFO meanwhile cannot hang the open; the
    // handle's own stat is what counts.
    const handle = await open(location, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const s = await handle.stat();
      check(s);
      const size = Number(s.size);
      const bytes = new Uint8Array(size);
      let at = 0;
      while (at < size) {
        const { bytesRead } = await handle.read(bytes, at, size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      if (at < size) fail(`changed while being read: ${at} of ${size} bytes`);
      return bytes;
    } finally {
      await handle.close();
    }
  }
  const response = await fetch(location);
  if (!response.ok) fail(`HTTP ${response.status} ${response.statusText}`);
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    fail(overCap(`Content-Length ${declared} bytes`));
  }
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) fail(overCap(bytes.length));
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      fail(overCap(`at least ${total} bytes`));
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * Reads and validates a weights file from a path (Node) or a URL (fetch: browser or Node):
 * `readWeightsFileBytes` (a regular file, at most `options.maxBytes`, default 2 GiB) then
 * `decodeWeightsFile` (`options.allowUnchecked` for a file without a CRC).
 */
export async function loadWeightsFile(location: string | URL, options: LoadWeightsOptions = {}): Promise<WeightsContent> {
  const bytes = await readWeightsFileBytes(location, options);
  return decodeWeightsFile(bytes, String(location), { allowUnchecked: options.allowUnchecked });
}
