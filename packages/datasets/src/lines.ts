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

/**
 * Decimal notation only: `-12`, `3.5`, `.5`, `1e-3`. `Number()` would also take `0x10` (16),
 * `0b1`, `Infinity` and an empty string (0); an annotation file means none of those.
 */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface NumberFieldOptions {
  /** The value is stored in a Float32Array: refuse one that would become ±Infinity there (|v| ≥ 3.4e38). */
  float32?: boolean;
}

/** Parses a finite decimal number field, or throws `file:line: <what> must be a finite number` (or `a decimal number`). */
export function parseNumberField(value: string | undefined, what: string, file: string, line: number, options: NumberFieldOptions = {}): number {
  const t = value?.trim();
  if (t !== undefined && t !== '' && !DECIMAL.test(t) && Number.isFinite(Number(t))) {
    throw new DatasetFormatError(file, line, `${what} must be a decimal number, got ${JSON.stringify(value)} (hexadecimal, octal and binary forms are not read)`);
  }
  const n = t === undefined || !DECIMAL.test(t) ? Number.NaN : Number(t);
  if (!Number.isFinite(n)) {
    throw new DatasetFormatError(file, line, `${what} must be a finite number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  if (options.float32 && !Number.isFinite(Math.fround(n))) {
    throw new DatasetFormatError(file, line, `${what} ${t} is too large for a 32-bit float (it would be stored as ${n > 0 ? '' : '-'}Infinity)`);
  }
  return n;
}

/**
 * Checks one name that becomes a path segment (a person's or a video's folder): it must not be
 * empty, `.` or `..`, nor hold `/`, `\`, a NUL byte or a drive prefix like `C:`, so that no
 * annotation line can send a loader outside the dataset folder. Returns the name.
 */
export function checkPathSegment(value: string, what: string, file: string, line: number): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value) || /^[A-Za-z]:/.test(value)) {
    throw new DatasetFormatError(file, line, `${what} must be a plain folder name (no \`..\`, \`/\`, \`\\\` or drive prefix), got ${JSON.stringify(value)}`);
  }
  return value;
}
