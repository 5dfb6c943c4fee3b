/**
 * Parsers for the LFW protocol files. They take the text and the file name (for error
 * messages) so that the browser build can use them on fetched text too.
 */
import { DatasetFormatError } from './errors';
import { checkPathSegment, fields, parseIntField, splitLines, type NumberedLine } from './lines';

/** One pair line: a matched pair has name1 === name2. Image numbers are 1-based. */
export interface LfwPairLine {
  /** 1-based fold (View 1 files have a single fold). */
  readonly fold: number;
  readonly same: boolean;
  readonly name1: string;
  readonly index1: number;
  readonly name2: string;
  readonly index2: number;
  /** Where the pair came from, for error messages. */
  readonly line: number;
}

export interface LfwPairsFile {
  readonly file: string;
  /** Pairs per class per fold, as declared by the header. */
  readonly pairsPerClass: number;
  /** folds[k] holds fold k+1: its matched pairs, then its mismatched pairs. */
  readonly folds: readonly (readonly LfwPairLine[])[];
}

/**
 * Parses `pairs.txt` (header `10\t300`: 10 folds of 300 matched + 300 mismatched) or
 * `pairsDevTrain.txt` / `pairsDevTest.txt` (header `1100`: one fold). A matched line is
 * `name i j`, a mismatched line `name1 i name2 j`; the line count must match the header.
 */
export function parseLfwPairs(text: string, file = 'pairs.txt'): LfwPairsFile {
  const lines = splitLines(text);
  const header = lines[0];
  if (header === undefined) throw new DatasetFormatError(file, undefined, 'file is empty (expected a header `folds pairsPerClass` or `pairsPerClass`)');
  const h = fields(header.text);
  if (h.length > 2) {
    throw new DatasetFormatError(file, header.line, `header must be \`folds pairsPerClass\` (e.g. "10 300") or \`pairsPerClass\` (e.g. "1100"), got ${JSON.stringify(header.text)}`);
  }
  const foldCount = h.length === 2 ? parseIntField(h[0], 'fold count', file, header.line, 1) : 1;
  const perClass = parseIntField(h[h.length - 1], 'pairs per class', file, header.line, 1);
  const expected = foldCount * perClass * 2;
  const body = lines.slice(1);
  if (body.length !== expected) {
    const where = body.length > expected ? body[expected]!.line : (body.at(-1)?.line ?? header.line);
    throw new DatasetFormatError(
      file,
      where,
      `header declares ${foldCount} fold(s) × (${perClass} matched + ${perClass} mismatched) = ${expected} pair lines, but the file has ${body.length}`,
    );
  }
  const folds: LfwPairLine[][] = [];
  // Each pair (either order) → its line: a pair twice in the file, in one fold or two, is an error.
  const seen = new Map<string, number>();
  for (let f = 0; f < foldCount; f++) {
    const fold: LfwPairLine[] = [];
    for (let k = 0; k < 2 * perClass; k++) {
      const l = body[f * 2 * perClass + k]!;
      const p = parsePairLine(l, k < perClass, f + 1, file);
      const a = `${p.name1} ${p.index1}`;
      const b = `${p.name2} ${p.index2}`;
      const key = a < b ? `${a}|${b}` : `${b}|${a}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new DatasetFormatError(file, l.line, `pair ${a} / ${b} already on line ${earlier}`);
      seen.set(key, l.line);
      fold.push(p);
    }
    folds.push(fold);
  }
  return { file, pairsPerClass: perClass, folds };
}

function parsePairLine(l: NumberedLine, same: boolean, fold: number, file: string): LfwPairLine {
  const f = fields(l.text);
  if (same) {
    if (f.length !== 3) {
      throw new DatasetFormatError(file, l.line, `expected a matched pair \`name i j\` (3 fields) in fold ${fold}, got ${f.length} field(s): ${JSON.stringify(l.text)}`);
    }
    checkPathSegment(f[0]!, 'name', file, l.line);
    const i = parseIntField(f[1], 'first image number', file, l.line, 1);
    const j = parseIntField(f[2], 'second image number', file, l.line, 1);
    if (i === j) throw new DatasetFormatError(file, l.line, `matched pair pairs image ${f[0]} ${i} with itself`);
    return { fold, same, name1: f[0]!, index1: i, name2: f[0]!, index2: j, line: l.line };
  }
  if (f.length !== 4) {
    throw new DatasetFormatError(file, l.line, `expected a mismatched pair \`name1 i name2 j\` (4 fields) in fold ${fold}, got ${f.length} field(s): ${JSON.stringify(l.text)}`);
  }
  checkPathSegment(f[0]!, 'first name', file, l.line);
  checkPathSegment(f[2]!, 'second name', file, l.line);
  const i = parseIntField(f[1], 'first image number', file, l.line, 1);
  const j = parseIntField(f[3], 'second image number', file, l.line, 1);
  if (f[0] === f[2]) {
    throw new DatasetFormatError(file, l.line, `mismatched pair names the same person twice (${f[0]})`);
  }
  return { fold, same, name1: f[0]!, index1: i, name2: f[2]!, index2: j, line: l.line };
}

/** One `name count` line of a people file. */
export interface LfwPersonLine {
  readonly name: string;
  readonly images: number;
  readonly line: number;
}

export interface LfwPeopleFile {
  readonly file: string;
  /** One entry per fold (`people.txt` has 10; `peopleDev*.txt` and `lfw-names.txt` have 1). */
  readonly folds: readonly (readonly LfwPersonLine[])[];
}

/**
 * Parses `people.txt` (a fold count, then per fold a person count followed by that many
 * `name count` lines), `peopleDevTrain.txt` / `peopleDevTest.txt` (a person count, then
 * the lines) or `lfw-names.txt` (just the lines).
 */
export function parseLfwPeople(text: string, file = 'people.txt'): LfwPeopleFile {
  const lines = splitLines(text);
  if (lines.length === 0) throw new DatasetFormatError(file, undefined, 'file is empty');
  const isCount = (l: NumberedLine | undefined): boolean => l !== undefined && /^\d+$/.test(l.text);
  let pos = 0;
  const folds: LfwPersonLine[][] = [];
  // Name → fold and line: a person in two folds would break the folds' identity-disjointness.
  const everywhere = new Map<string, { fold: number; line: number }>();
  const readPeople = (count: number | undefined, fold: number): LfwPersonLine[] => {
    const people: LfwPersonLine[] = [];
    const seen = new Set<string>();
    while (pos < lines.length && (count === undefined || people.length < count)) {
      const l = lines[pos]!;
      if (isCount(l)) {
        if (count === undefined) throw new DatasetFormatError(file, l.line, `unexpected count line ${JSON.stringify(l.text)} in a file without a header`);
        break;
      }
      const f = fields(l.text);
      if (f.length !== 2) {
        throw new DatasetFormatError(file, l.line, `expected \`name imageCount\` (2 fields), got ${f.length} field(s): ${JSON.stringify(l.text)}`);
      }
      checkPathSegment(f[0]!, 'name', file, l.line);
      const images = parseIntField(f[1], 'image count', file, l.line, 1);
      if (seen.has(f[0]!)) throw new DatasetFormatError(file, l.line, `${f[0]} is listed twice in fold ${fold}`);
      const other = everywhere.get(f[0]!);
      if (other) throw new DatasetFormatError(file, l.line, `${f[0]} is already in fold ${other.fold} (line ${other.line}); a person belongs to one fold`);
      seen.add(f[0]!);
      everywhere.set(f[0]!, { fold, line: l.line });
      people.push({ name: f[0]!, images, line: l.line });
      pos++;
    }
    if (count !== undefined && people.length !== count) {
      const where = lines[pos]?.line ?? lines.at(-1)!.line;
      throw new DatasetFormatError(file, where, `fold ${fold} declares ${count} people but has ${people.length}`);
    }
    return people;
  };
  if (!isCount(lines[0])) {
    folds.push(readPeople(undefined, 1));
  } else if (isCount(lines[1])) {
    const foldCount = parseIntField(lines[0]!.text, 'fold count', file, lines[0]!.line, 1);
    pos = 1;
    for (let f = 1; f <= foldCount; f++) {
      const l = lines[pos];
      if (!isCount(l)) {
        throw new DatasetFormatError(file, l?.line ?? lines.at(-1)!.line, `expected the person count of fold ${f} of ${foldCount}, got ${l === undefined ? 'end of file' : JSON.stringify(l.text)}`);
      }
      pos++;
      folds.push(readPeople(Number(l!.text), f));
    }
  } else {
    pos = 1;
    folds.push(readPeople(parseIntField(lines[0]!.text, 'person count', file, lines[0]!.line, 0), 1));
  }
  if (pos < lines.length) {
    throw new DatasetFormatError(file, lines[pos]!.line, `unexpected line after the last declared fold: ${JSON.stringify(lines[pos]!.text)}`);
  }
  return { file, folds };
}

/** `Name/Name_0001.jpg`: the relative path of an LFW image (numbers are 1-based, 4 digits). */
export function lfwImageName(name: string, index: number): string {
  return `${name}/${name}_${String(index).padStart(4, '0')}.jpg`;
}
