import { readFileSync, statSync } from 'node:fs';
import { DatasetFormatError } from './errors';
import { splitLines, type NumberedLine } from './lines';

export interface ReadLinesOptions {
  /** Refuse a file larger than this many bytes before reading any of it (default: no limit). */
  maxBytes?: number;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Reads a small annotation file as numbered lines; a missing file (or one over `maxBytes`) is named in the error. */
export function readLinesFile(file: string, options: ReadLinesOptions = {}): NumberedLine[] {
  const { maxBytes } = options;
  let text: string;
  try {
    if (maxBytes !== undefined) {
      const size = statSync(file).size;
      if (size > maxBytes) throw new DatasetFormatError(file, undefined, `file is ${mib(size)} (${size} bytes), more than the ${mib(maxBytes)} allowed for it: is it the right file?`);
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetFormatError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`);
  }
  return splitLines(text);
}
