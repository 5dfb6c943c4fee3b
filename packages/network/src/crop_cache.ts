/**
 * A cache of face crops for training: frontalization (detect → fit → warp) costs far more
 * than a training step, so crops are made once and training epochs read them back.
 *
 * File layout (little-endian):
 *   bytes 0..7    magic "DFCROPS1"
 *   bytes 8..11   header length N (uint32)
 *   N bytes       UTF-8 JSON { format: "deepface-ts/crops@1", size, count, identities: [...],
 *                              crc32: "<hex of everything after the header>", meta: {...},
 *                              targetDim (optional, default 0) }
 *   count × int32 labels (index into `identities`)
 *   count × size·size·3 uint8 RGB crops
 *   count × targetDim float32 targets (e.g. a teacher's descriptor of each crop, for distillation)
 * Written to a temporary file and renamed, so a crash never leaves a half-written cache.
 */
import type { Image } from '@deepface-ts/image';
import type { InputMode } from './config';
import { crc32 } from '@deepface-ts/crc32';
import { cropToInput } from './input';
import type { ExampleSource } from './train';

export const CROP_CACHE_FORMAT = 'deepface-ts/crops@1';
const MAGIC = 'DFCROPS1';

export class CropCacheError extends Error {
  override readonly name = 'CropCacheError';
}

export interface CropCache {
  readonly size: number;
  readonly count: number;
  /** Identity names; `labels[i]` indexes this list. */
  readonly identities: readonly string[];
  readonly labels: Int32Array;
  /** count × size × size × 3 uint8. */
  readonly pixels: Uint8Array;
  readonly meta: Record<string, unknown>;
  /** Per-crop float targets (count × targetDim), e.g. the teacher's descriptors; absent when targetDim is 0. */
  readonly targetDim?: number;
  readonly targets?: Float32Array;
}

/** Collects crops in memory, then encodes them. */
export class CropCacheBuilder {
  private readonly crops: Uint8Array[] = [];
  private readonly labelList: number[] = [];
  private readonly ids = new Map<string, number>();
  private readonly targetList: Float32Array[] = [];
  /** `targetDim` > 0: every `add` takes a target of that length. */
  constructor(
    readonly size: number,
    readonly targetDim = 0,
  ) {
    if (!Number.isInteger(size) || size < 2) throw new CropCacheError(`crop size must be an integer ≥ 2, got ${size}`);
    if (!Number.isInteger(targetDim) || targetDim < 0) throw new CropCacheError(`targetDim must be an integer ≥ 0, got ${targetDim}`);
  }
  get count(): number {
    return this.crops.length;
  }
  add(identity: string, crop: Image, target?: ArrayLike<number>): void {
    if (this.targetDim > 0) {
      if (!target || target.length !== this.targetDim) throw new CropCacheError(`crop for ${identity}: target has ${target?.length ?? 'no'} values, the cache holds ${this.targetDim}`);
      for (let i = 0; i < target.length; i++) if (!Number.isFinite(target[i]!)) throw new CropCacheError(`crop for ${identity}: target value ${i} is ${target[i]}`);
    } else if (target) throw new CropCacheError(`crop for ${identity}: a target was given to a cache without targets (targetDim 0)`);
    if (crop.width !== this.size || crop.height !== this.size || crop.channels !== 3 || !(crop.data instanceof Uint8Array)) {
      throw new CropCacheError(`crop for ${identity} is ${crop.width}×${crop.height}×${crop.channels} ${crop.data.constructor.name}, expected ${this.size}×${this.size}×3 Uint8Array`);
    }
    let id = this.ids.get(identity);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(identity, id);
    }
    this.crops.push(crop.data);
    this.labelList.push(id);
    if (target) this.targetList.push(Float32Array.from(target));
  }
  build(meta: Record<string, unknown> = {}): CropCache {
    const per = this.size * this.size * 3;
    const pixels = new Uint8Array(this.crops.length * per);
    this.crops.forEach((c, i) => pixels.set(c, i * per));
    const cache = { size: this.size, count: this.crops.length, identities: [...this.ids.keys()], labels: Int32Array.from(this.labelList), pixels, meta };
    if (this.targetDim === 0) return cache;
    const targets = new Float32Array(this.crops.length * this.targetDim);
    this.targetList.forEach((t, i) => targets.set(t, i * this.targetDim));
    return { ...cache, targetDim: this.targetDim, targets };
  }
}

export function encodeCropCache(cache: CropCache): Uint8Array {
  const targetDim = cache.targetDim ?? 0;
  const targetBytes = cache.count * targetDim * 4;
  if (targetDim > 0 && cache.targets?.length !== cache.count * targetDim) {
    throw new CropCacheError(`encodeCropCache: ${cache.targets?.length ?? 'no'} target values for ${cache.count} crops of targetDim ${targetDim}`);
  }
  const body = new Uint8Array(cache.count * 4 + cache.pixels.length + targetBytes);
  body.set(new Uint8Array(cache.labels.buffer, cache.labels.byteOffset, cache.count * 4), 0);
  body.set(cache.pixels, cache.count * 4);
  if (targetDim > 0) body.set(new Uint8Array(cache.targets!.buffer, cache.targets!.byteOffset, targetBytes), cache.count * 4 + cache.pixels.length);
  const header = new TextEncoder().encode(
    JSON.stringify({
      format: CROP_CACHE_FORMAT,
      size: cache.size,
      count: cache.count,
      identities: cache.identities,
      crc32: crc32(body).toString(16).padStart(8, '0'),
      meta: cache.meta,
      ...(targetDim > 0 ? { targetDim } : {}),
    }),
  );
  const out = new Uint8Array(12 + header.length + body.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  out.set(body, 12 + header.length);
  return out;
}

export function decodeCropCache(input: Uint8Array, source = 'crop cache'): CropCache {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const fail = (what: string): never => {
    throw new CropCacheError(`${source}: ${what}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not a crop cache (bad magic)');
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + n > bytes.length) fail(`truncated: header needs ${n} bytes`);
  let h: { format?: string; size?: number; count?: number; identities?: string[]; crc32?: string; meta?: Record<string, unknown>; targetDim?: number };
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + n)));
  } catch {
    return fail('header is not valid JSON');
  }
  if (h.format !== CROP_CACHE_FORMAT) fail(`format is ${JSON.stringify(h.format)}, expected ${CROP_CACHE_FORMAT}`);
  const size = h.size!;
  const count = h.count!;
  if (!Number.isInteger(size) || size < 2 || !Number.isInteger(count) || count < 0) fail(`bad size ${size} or count ${count}`);
  const targetDim = h.targetDim ?? 0;
  if (!Number.isInteger(targetDim) || targetDim < 0) fail(`bad targetDim ${targetDim}`);
  const body = bytes.subarray(12 + n);
  const pixelBytes = count * size * size * 3;
  const expected = count * 4 + pixelBytes + count * targetDim * 4;
  if (body.length !== expected) fail(`truncated or padded: body has ${body.length} bytes, ${count} crops of ${size}×${size}${targetDim ? ` with ${targetDim} targets each` : ''} need ${expected}`);
  if (crc32(body).toString(16).padStart(8, '0') !== h.crc32) fail('corrupt: CRC-32 mismatch');
  const labels = new Int32Array(body.slice(0, count * 4).buffer);
  const identities = h.identities ?? [];
  for (let i = 0; i < count; i++) if (!(labels[i]! >= 0 && labels[i]! < identities.length)) fail(`label ${labels[i]} of crop ${i} is not an identity index (0..${identities.length - 1})`);
  const pixels = body.slice(count * 4, count * 4 + pixelBytes);
  if (targetDim === 0) return { size, count, identities, labels, pixels, meta: h.meta ?? {} };
  const targets = new Float32Array(body.slice(count * 4 + pixelBytes).buffer);
  return { size, count, identities, labels, pixels, meta: h.meta ?? {}, targetDim, targets };
}

export async function saveCropCache(path: string, cache: CropCache): Promise<void> {
  const { writeFile, rename } = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeCropCache(cache));
  await rename(tmp, path);
}

export async function loadCropCache(path: string): Promise<CropCache> {
  const { readFile } = await import('node:fs/promises');
  return decodeCropCache(await readFile(path), path);
}

/** Training examples from (a subset of) a crop cache, in the network's input mode. */
export function cropCacheExamples(cache: CropCache, mode: InputMode, subset?: Int32Array, labelMap?: Int32Array): ExampleSource {
  const rows = subset ?? Int32Array.from({ length: cache.count }, (_, i) => i);
  const size = cache.size;
  const per = size * size * 3;
  return {
    count: rows.length,
    load(indices) {
      const x = new Float32Array(indices.length * per);
      const labels = new Int32Array(indices.length);
      indices.forEach((k, i) => {
        const row = rows[k]!;
        const crop = { width: size, height: size, channels: 3, data: cache.pixels.subarray(row * per, (row + 1) * per) };
        cropToInput(crop, size, mode, x, i * per, `crop ${row}`);
        const label = cache.labels[row]!;
        labels[i] = labelMap ? labelMap[label]! : label;
      });
      return { x, labels };
    },
  };
}
