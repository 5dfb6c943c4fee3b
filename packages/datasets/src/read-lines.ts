import { readFileSync } from 'node:fs';
import { DatasetFormatError } from './errors';
import { splitLines, type NumberedLine } from './lines';

/** Reads a small annotation file as numbered lines; a missing file is named in the error. */
export function readLinesFile(file: string): NumberedLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetFormatError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`);
  }
  return splitLines(text);
}

