import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HelpRequested, UsageError } from './usage-error';

/** The `options` of `node:util` `parseArgs`: `{ epochs: { type: 'string', default: '12' }, resume: { type: 'boolean' } }`. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface CommandLineSpec<T extends OptionSpecs> {
  /** Every option the command takes; anything else is a usage error. */
  options: T;
  /** Whether arguments that are not options are allowed (default false). */
  allowPositionals?: boolean;
  /** Usage text carried by the errors thrown here (and by `HelpRequested`), for `runMain` to print. */
  usage?: string;
}

/** The parsed option values, typed from the specs as `parseArgs` types them in strict mode. */
export type OptionValues<T extends OptionSpecs> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'];

export interface ParsedCommandLine<T extends OptionSpecs> {
  values: OptionValues<T>;
  positionals: string[];
}

/** A `parseArgs` token, without the precise per-option typing. */
type Token =
  | { kind: 'option'; name: string; rawName: string; index: number; value?: string; inlineValue?: boolean }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number };

/**
 * Parses a command line (without node and the script) with `node:util` `parseArgs` in strict
 * mode, so that nothing in it can be silently misread:
 *
 * - one leading `--` is dropped (`pnpm <script> -- …` passes it through);
 * - an unknown or misspelt option (`--treshold`, `--epoch` for `--epochs`), a string option
 *   without its value (`--threshold` last, or followed by another `--flag`), a value given to
 *   a switch (`--flip=1`), an argument where none are allowed, a value that starts with
 *   `--` (`--out=--x`) and an option given twice (unless declared `multiple`) are each a
 *   `UsageError` whose message names the option;
 * - `--help` or `-h` (unless the command declares `help` or the short `h` itself) throws
 *   `HelpRequested`.
 *
 * A value that starts with a single `-` (a negative number) must be written inline:
 * `--offset=-5`.
 */
export function parseCommandLine<T extends OptionSpecs>(argv: readonly string[], spec: CommandLineSpec<T>): ParsedCommandLine<T> {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { options, allowPositionals = false, usage } = spec;
  const fail = (message: string, cause?: unknown) => new UsageError(message, cause === undefined ? { usage } : { usage, cause });

  if (!Object.hasOwn(options, 'help')) {
    const end = args.indexOf('--');
    const head = end < 0 ? args : args.slice(0, end);
    const shortH = Object.values(options).some((o) => o.short === 'h');
    if (head.includes('--help') || (!shortH && head.includes('-h'))) throw new HelpRequested(usage);
  }

  let parsed: { values: unknown; positionals: string[]; tokens: Token[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals, tokens: true }) as typeof parsed;
  } catch (error) {
    throw fail(diagnose(args, options, allowPositionals) ?? (error as Error).message, error);
  }

  const seen = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const flag = `--${token.name}`;
    const text = written(token);
    if (token.value !== undefined && token.value.startsWith('--')) {
      throw fail(`${flag} needs a value, got ${JSON.stringify(token.value)} (a value cannot start with "--")`);
    }
    if (!options[token.name]!.multiple) {
      const before = seen.get(token.name);
      if (before !== undefined) throw fail(`${flag} given twice (${before}, then ${text}); give it once`);
      seen.set(token.name, text);
    }
  }
  return { values: parsed.values as OptionValues<T>, positionals: parsed.positionals };
}

/** How the user wrote an option token: `--epochs 3`, `--epochs=3`, `-e3`, `--flip`. */
function written(token: Extract<Token, { kind: 'option' }>): string {
  if (token.value === undefined) return token.rawName;
  if (!token.inlineValue) return `${token.rawName} ${token.value}`;
  return token.rawName.startsWith('--') ? `${token.rawName}=${token.value}` : `${token.rawName}${token.value}`;
}

/**
 * Finds what strict `parseArgs` rejected by walking the same arguments without `strict`,
 * so that the message names the option in our words; undefined if it cannot tell.
 */
function diagnose(args: string[], options: OptionSpecs, allowPositionals: boolean): string | undefined {
  let tokens: Token[];
  try {
    tokens = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true }).tokens as Token[];
  } catch {
    return undefined;
  }
  let terminated = false;
  let previous: Token | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      terminated = true;
    } else if (token.kind === 'positional') {
      if (!allowPositionals) {
        let why = 'this command takes no arguments besides its options';
        if (terminated && token.value.startsWith('-')) why = 'it comes after a "--", which ends the options';
        else if (previous?.kind === 'option' && previous.value === undefined) why = `--${previous.name} is a switch and takes no value`;
        return `unexpected argument ${JSON.stringify(token.value)}: ${why}`;
      }
    } else {
      const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
      if (!spec) return unknownOption(token.rawName, Object.keys(options));
      const flag = `--${token.name}`;
      if (spec.type === 'string') {
        if (token.value === undefined) return `${flag} needs a value`;
        if (!token.inlineValue && token.value.startsWith('--')) return `${flag} needs a value, but is followed by ${JSON.stringify(token.value)}`;
        if (!token.inlineValue && token.value.startsWith('-')) {
          return `${flag} needs a value, got ${JSON.stringify(token.value)}; write ${flag}=${token.value} for a value that starts with "-"`;
        }
      } else if (token.value !== undefined) {
        return `${flag} is a switch and takes no value, got ${JSON.stringify(written(token))}`;
      }
    }
    previous = token;
  }
  return undefined;
}

function unknownOption(rawName: string, names: string[]): string {
  const message = `unknown option ${rawName}`;
  if (!rawName.startsWith('--')) return message;
  const name = rawName.slice(2);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.min(2, Math.floor(Math.max(name.length, best.length) / 3))
    ? `${message} (did you mean --${best}?)`
    : message;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
