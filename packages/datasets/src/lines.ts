import { DatasetFormatError } from './errors';

/** One non-blank line of a small text file, with its 1-based line number. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/**
 * Splits text into trimmed, non-blank lines with their 1-based numbers. Handles LF,
 * CRLF and a UTF-8 byte-order mark, since annotation files come from every platform.
 */
export function splitLines(text: string): NumberedLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: NumberedLine[] = [];
  const raw = body.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!.trim();
    if (t.length > 0) out.push({ line: i + 1, text: t });
  }
  return out;
}

/** Splits a line on tabs or runs of spaces (LFW files use tabs, hand-edited copies use spaces). */
export function fields(text: string): string[] {
  return text.split(/[\t ]+/);
}

/** Parses a positive or zero integer field, or throws `file:line: <what> must be …`. */
export function parseIntField(value: string | undefined, what: string, file: string, line: number, min = 0): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) {
    throw new DatasetFormatError(file, line, `${what} must be an integer, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new DatasetFormatError(file, line, `${what} must be an integer ≥ ${min}, got ${value}`);
  }
  return n;
}

/** Parses a finite number field, or throws `file:line: <what> must be a number`. */
export function parseNumberField(value: string | undefined, what: string, file: string, line: number): number {
  const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) {
    throw new DatasetFormatError(file, line, `${what} must be a finite number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return n;
}
