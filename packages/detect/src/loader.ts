/**
 * Where model files come from. The nets only see `ModelSource`; Node reads a folder with
 * fs (imported lazily so a browser bundle never pulls in Node built-ins), the browser
 * fetches from a base URL.
 */
import { decodeWeights, parseManifest, WeightsError, type DecodedWeight } from './manifest';

export interface ModelSource {
  /** Human-readable location of a file, quoted in errors. */
  describe(file: string): string;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Fetches files relative to a base URL (browser, or Node with an http(s) URL). */
export function fetchSource(baseUrl: string | URL): ModelSource {
  let base = String(baseUrl);
  if (!base.endsWith('/')) base += '/';
  const url = (file: string) => new URL(file, base).toString();
  const get = async (file: string) => {
    const res = await fetch(url(file));
    if (!res.ok) throw new WeightsError(`${url(file)}: HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  return {
    describe: url,
    readText: async (file) => (await get(file)).text(),
    readBytes: async (file) => new Uint8Array(await (await get(file)).arrayBuffer()),
  };
}

/** Reads files from a local folder (Node only). */
export function fileSource(dir: string): ModelSource {
  const path = (file: string) => `${dir.replace(/\/+$/, '')}/${file}`;
  const read = async (file: string) => {
    const fs = await import('node:fs/promises');
    try {
      return await fs.readFile(path(file));
    } catch (err) {
      throw new WeightsError(`${path(file)}: cannot read model file (${(err as Error).message})`);
    }
  };
  return {
    describe: path,
    readText: async (file) => (await read(file)).toString('utf8'),
    readBytes: async (file) => {
      const b = await read(file);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/** The `model/` folder of the installed @vladmandic/face-api package (Node only). */
export async function defaultModelDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** Picks the source for a `modelDir` option: URL → fetch, path → fs, nothing → face-api's folder. */
export async function resolveSource(modelDir?: string | URL | ModelSource): Promise<ModelSource> {
  if (modelDir !== undefined && typeof modelDir === 'object' && !(modelDir instanceof URL)) return modelDir;
  if (modelDir instanceof URL) {
    if (modelDir.protocol === 'file:') {
      const { fileURLToPath } = await import('node:url');
      return fileSource(fileURLToPath(modelDir));
    }
    return fetchSource(modelDir);
  }
  if (typeof modelDir === 'string') {
    if (/^(https?:|blob:|data:)/.test(modelDir) || !isNode) return fetchSource(modelDir);
    return fileSource(modelDir);
  }
  if (!isNode) {
    throw new WeightsError('modelDir is required in the browser: pass the base URL where face-api\'s model/ files are served');
  }
  return fileSource(await defaultModelDir());
}

/** Loads `<model>-weights_manifest.json` and its shards, and decodes every weight. */
export async function loadWeights(source: ModelSource, model: string): Promise<Map<string, DecodedWeight>> {
  const manifestFile = `${model}-weights_manifest.json`;
  let json: unknown;
  const text = await source.readText(manifestFile);
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WeightsError(`${source.describe(manifestFile)}: invalid JSON (${(err as Error).message})`);
  }
  const manifest = parseManifest(json, source.describe(manifestFile));
  const shards = await Promise.all(
    manifest.map(async (group) => {
      const parts = await Promise.all(group.paths.map((p) => source.readBytes(p)));
      if (parts.length === 1) return parts[0]!;
      const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.byteLength;
      }
      return all;
    }),
  );
  return decodeWeights(manifest, shards, source.describe(manifestFile));
}
