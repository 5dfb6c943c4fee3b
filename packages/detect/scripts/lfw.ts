/** Shared helpers for the bench and eval scripts: locate and decode LFW images. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbImage } from '@deepface-ts/image';

const here = dirname(fileURLToPath(import.meta.url));
export const datasets = process.env.DEEPFACE_DATASETS ?? resolve(here, '../../../../shared/datasets');
export const lfwDir = join(datasets, 'lfw/lfw-deepfunneled');

export function requireLfw(): void {
  if (!existsSync(lfwDir)) {
    console.error(`LFW not found at ${lfwDir}; set DEEPFACE_DATASETS to the folder holding lfw/`);
    process.exit(2);
  }
}

/** First image of each of the first `n` people (alphabetical): n different faces. */
export function lfwSample(n: number): string[] {
  return readdirSync(lfwDir)
    .sort()
    .map((person) => join(lfwDir, person, `${person}_0001.jpg`))
    .filter((file) => existsSync(file))
    .slice(0, n);
}

/** Decodes the files that decode; a bad file is reported on stderr and skipped, not fatal. */
export async function decodeAll(files: string[], onEach?: () => void): Promise<{ file: string; image: RgbImage<Uint8Array> }[]> {
  const out = [];
  for (const file of files) {
    try {
      out.push({ file, image: await decodeRgb(file) });
    } catch (err) {
      console.error(`skipping ${file}: ${(err as Error).message}`);
    }
    onEach?.();
  }
  return out;
}

export async function decodeRgb(file: string): Promise<RgbImage<Uint8Array>> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
