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

/** One `i,j` row of a CFP pair file. */
export interface CfpPairRow {
  readonly line: number;
  readonly i: number;
  readonly j: number;
  /**
   * Symmetric (FF) files only: the line of an earlier `j,i`, when this row repeats that pair in
   * the other order. The published FF protocol has 130 such rows (129 in same.txt files, 1 in
   * FF/05/diff.txt); they are kept, as published, and counted.
   */
  readonly reverseOf?: number;
}

export interface CfpPairFileOptions {
  /**
   * Both indices point into the frontal list (the FF protocol), so `j,i` is the pair `i,j`
   * again and `i,i` pairs an image with itself (an error). Default false (FP: `i` frontal, `j` profile).
   */
  symmetric?: boolean;
}

/**
 * Parses one `same.txt` / `diff.txt`: rows `i,j` of 1-based indices. A row written twice is an
 * error (`file:line: pair i,j already on line N`); see {@link CfpPairRow.reverseOf} for `j,i`
 * repeats in symmetric files.
 */
export function parseCfpPairFile(text: string, file: string, maxFirst: number, maxSecond: number, options: CfpPairFileOptions = {}): CfpPairRow[] {
  const { symmetric = false } = options;
  const seen = new Map<string, number>();
  return splitLines(text).map(({ line, text: t }) => {
    const f = t.split(',').map((s) => s.trim());
    if (f.length !== 2) throw new DatasetFormatError(file, line, `expected \`i,j\`, got ${JSON.stringify(t)}`);
    const i = parseIntField(f[0], 'first index', file, line, 1);
    const j = parseIntField(f[1], 'second index', file, line, 1);
    if (i > maxFirst) throw new DatasetFormatError(file, line, `first index ${i} is past the end of the frontal list (${maxFirst})`);
    if (j > maxSecond) throw new DatasetFormatError(file, line, `second index ${j} is past the end of its list (${maxSecond})`);
    if (symmetric && i === j) throw new DatasetFormatError(file, line, `pair ${i},${j} pairs an image with itself`);
    const earlier = seen.get(`${i},${j}`);
    if (earlier !== undefined) throw new DatasetFormatError(file, line, `pair ${i},${j} already on line ${earlier}`);
    seen.set(`${i},${j}`, line);
    const reverseOf = symmetric ? seen.get(`${j},${i}`) : undefined;
    return reverseOf === undefined ? { line, i, j } : { line, i, j, reverseOf };
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
    // Stored as float32: 1e39 would become Infinity there, so it is an error like "nan".
    out[2 * k] = parseNumberField(f[0], 'x', file, line, { float32: true });
    out[2 * k + 1] = parseNumberField(f[1], 'y', file, line, { float32: true });
  });
  return out;
}

