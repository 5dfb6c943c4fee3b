/**
 * Node-only helpers (file access), kept out of the main entry so browser bundles of
 * `@deepface-ts/frontalize` never see `node:fs`.
 */
import { readFile } from 'node:fs/promises';
import { parseShapeCsv, type Shape3D } from './shape.js';

/**
 * Loads a 68-row `x,y,z` CSV (such as the datasets' `face3d/meanshape68.csv`) as an
 * alternative generic shape: pass the result as `createTemplate({ shape })`.
 */
export async function loadShapeCsv(path: string): Promise<Shape3D> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`loadShapeCsv: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseShapeCsv(text, path);
}
