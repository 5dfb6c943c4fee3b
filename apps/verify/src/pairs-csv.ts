/**
 * The pair list of `pnpm verify --pairs <file.csv>`: a header naming columns `a` and `b` (the
 * two photos) and optionally `same` (the truth: 1/0, yes/no, true/false), then one pair per
 * line. Paths are relative to the CSV's folder. Fields may be double-quoted ("a, b.jpg"; a
 * quote inside is doubled). A bad row is reported as `file:line: what is wrong` and skipped;
 * a bad header is fatal.
 */
import { isAbsolute, join } from 'node:path';

export interface CsvPair {
  a: string;
  b: string;
  /** The label when the file has a `same` column. */
  same?: boolean;
  /** 1-based line number in the file. */
  line: number;
}

export interface PairsFile {
  pairs: CsvPair[];
  /** `file:line: what is wrong`, one per skipped row. */
  errors: string[];
  labelled: boolean;
}

export class PairsFileError extends Error {
  override readonly name = 'PairsFileError';
}

const TRUE = new Set(['1', 'yes', 'true', 'y', 'same']);
const FALSE = new Set(['0', 'no', 'false', 'n', 'different']);

/** Splits one CSV line into fields; undefined when a quote is not closed. */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) return undefined;
  out.push(field.trim());
  return out;
}

/** Parses the file's text; `file` names it in errors and anchors relative paths. */
export function parsePairsCsv(text: string, file: string, dir: string): PairsFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new PairsFileError(`${file}: empty file; expected a header line "a,b" or "a,b,same"`);
  const header = splitCsvLine(lines[headerAt]!)?.map((h) => h.toLowerCase());
  if (!header) throw new PairsFileError(`${file}:${headerAt + 1}: unclosed quote in the header`);
  const col = (name: string) => header.indexOf(name);
  const [ia, ib, is] = [col('a'), col('b'), col('same')];
  if (ia < 0 || ib < 0) throw new PairsFileError(`${file}:${headerAt + 1}: the header must name columns "a" and "b" (and optionally "same"), got ${JSON.stringify(lines[headerAt])}`);
  for (const name of ['a', 'b', 'same']) if (header.indexOf(name) !== header.lastIndexOf(name)) throw new PairsFileError(`${file}:${headerAt + 1}: column "${name}" appears twice in the header`);
  const pairs: CsvPair[] = [];
  const errors: string[] = [];
  const resolvePath = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  for (let k = headerAt + 1; k < lines.length; k++) {
    const raw = lines[k]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const line = k + 1;
    const where = `${file}:${line}`;
    const fields = splitCsvLine(raw);
    if (!fields) {
      errors.push(`${where}: unclosed quote`);
      continue;
    }
    if (fields.length !== header.length) {
      errors.push(`${where}: ${fields.length} fields, the header has ${header.length}`);
      continue;
    }
    const a = fields[ia]!;
    const b = fields[ib]!;
    if (!a || !b) {
      errors.push(`${where}: empty path in column "${a ? 'b' : 'a'}"`);
      continue;
    }
    let same: boolean | undefined;
    if (is >= 0) {
      const v = fields[is]!.toLowerCase();
      if (TRUE.has(v)) same = true;
      else if (FALSE.has(v)) same = false;
      else {
        errors.push(`${where}: "same" must be 1/0, yes/no or true/false, got ${JSON.stringify(fields[is])}`);
        continue;
      }
    }
    pairs.push({ a: resolvePath(a), b: resolvePath(b), same, line });
  }
  return { pairs, errors, labelled: is >= 0 };
}
