/** CFP text formats (no file system: usable in the browser). */
import { DatasetFormatError } from './errors';
import { parseIntField, parseNumberField, splitLines } from './lines';

export type CfpPose = 'frontal' | 'profile';

export interface CfpImage {
  /** 1-based index into its pair list (1..5000 frontal, 1..2000 profile). */
  readonly index: number;
  /** 1-based identity (the NNN folder; list_name.txt line). */
  readonly identity: number;
  readonly pose: CfpPose;
  /** Image number within the identity and pose (the NN file). */
  readonly number: number;
  readonly path: string;
}

export interface CfpPair {
  readonly fold: number;
  readonly same: boolean;
  readonly first: CfpImage;
  readonly second: CfpImage;
}

export interface CfpFold {
  readonly fold: number;
  readonly train: readonly CfpPair[];
  readonly test: readonly CfpPair[];
}

/** Parses one `same.txt` / `diff.txt`: rows `i,j` of 1-based indices. */
export function parseCfpPairFile(text: string, file: string, maxFirst: number, maxSecond: number): { line: number; i: number; j: number }[] {
  return splitLines(text).map(({ line, text: t }) => {
    const f = t.split(',').map((s) => s.trim());
    if (f.length !== 2) throw new DatasetFormatError(file, line, `expected \`i,j\`, got ${JSON.stringify(t)}`);
    const i = parseIntField(f[0], 'first index', file, line, 1);
    const j = parseIntField(f[1], 'second index', file, line, 1);
    if (i > maxFirst) throw new DatasetFormatError(file, line, `first index ${i} is past the end of the frontal list (${maxFirst})`);
    if (j > maxSecond) throw new DatasetFormatError(file, line, `second index ${j} is past the end of its list (${maxSecond})`);
    return { line, i, j };
  });
}

/** Parses a fiducials file: 30 lines `x,y` → Float32Array [x0, y0, x1, y1, …]. */
export function parseCfpFiducials(text: string, file: string, points = 30): Float32Array {
  const lines = splitLines(text);
  if (lines.length !== points) throw new DatasetFormatError(file, lines.at(-1)?.line, `expected ${points} lines \`x,y\`, got ${lines.length}`);
  const out = new Float32Array(points * 2);
  lines.forEach(({ line, text: t }, k) => {
    const f = t.split(/[,\s]+/);
    if (f.length !== 2) throw new DatasetFormatError(file, line, `expected \`x,y\`, got ${JSON.stringify(t)}`);
    out[2 * k] = parseNumberField(f[0], 'x', file, line);
    out[2 * k + 1] = parseNumberField(f[1], 'y', file, line);
  });
  return out;
}

