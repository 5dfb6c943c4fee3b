import { UsageError } from './usage-error';

/** What a number option accepts. */
export interface NumberRules {
  /** Whole numbers only (safe integers). */
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Exclusive lower bound, e.g. `greaterThan: 0` for a learning rate. */
  greaterThan?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

export interface NumberOptionRules extends NumberRules {
  /** Returned when the option was not given. */
  default?: number;
}

// Plain decimal notation only: no hex / binary / octal, no "Infinity", no blanks, no "1_000".
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

const flagName = (name: string) => (name.startsWith('-') ? name : `--${name}`);

/** "an integer ≥ 1", "a number in (0, 1]", "a number". */
function describeRules(rules: NumberRules): string {
  const kind = rules.integer ? 'an integer' : 'a number';
  const lower = rules.greaterThan !== undefined ? { open: true, at: rules.greaterThan } : rules.min !== undefined ? { open: false, at: rules.min } : undefined;
  if (lower && rules.max !== undefined) return `${kind} in ${lower.open ? '(' : '['}${lower.at}, ${rules.max}]`;
  if (lower) return `${kind} ${lower.open ? '>' : '≥'} ${lower.at}`;
  if (rules.max !== undefined) return `${kind} ≤ ${rules.max}`;
  return kind;
}

function parseNumber(text: string, rules: NumberRules): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text) + 0; // + 0 turns -0 into 0
  if (!Number.isFinite(n)) return undefined; // "1e999"
  if (rules.integer && !Number.isSafeInteger(n)) return undefined;
  if (rules.min !== undefined && !(n >= rules.min)) return undefined;
  if (rules.greaterThan !== undefined && !(n > rules.greaterThan)) return undefined;
  if (rules.max !== undefined && !(n <= rules.max)) return undefined;
  return n;
}

/**
 * Reads a number option's value (a `parseCommandLine` string, or undefined when the option
 * was not given). Plain decimals only: '', 'abc', '0x10', '1e999', 'NaN', 'Infinity' and
 * values outside the rules are a `UsageError` such as `--epochs must be an integer ≥ 1, got "one"`.
 * `name` is the option's name, with or without its leading `--`.
 */
export function numberOption(value: string | undefined, name: string, rules: NumberOptionRules & { default: number }): number;
export function numberOption(value: string | undefined, name: string, rules?: NumberOptionRules): number | undefined;
export function numberOption(value: string | undefined, name: string, rules: NumberOptionRules = {}): number | undefined {
  if (value === undefined) return rules.default;
  const n = parseNumber(value, rules);
  if (n === undefined) throw new UsageError(`${flagName(name)} must be ${describeRules(rules)}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Reads a comma-separated list of numbers, each under the same rules ("1,0.3,0.1"); empty
 * items are an error. Undefined (the option not given) returns `rules.default`.
 */
export function numberListOption(value: string | undefined, name: string, rules: NumberRules & { default: number[] }): number[];
export function numberListOption(value: string | undefined, name: string, rules?: NumberRules & { default?: number[] }): number[] | undefined;
export function numberListOption(value: string | undefined, name: string, rules: NumberRules & { default?: number[] } = {}): number[] | undefined {
  if (value === undefined) return rules.default;
  const items = value.split(',').map((item) => parseNumber(item.trim(), rules));
  if (items.some((n) => n === undefined)) {
    throw new UsageError(`${flagName(name)} must be a comma-separated list, each ${describeRules(rules)}, got ${JSON.stringify(value)}`);
  }
  return items as number[];
}

/** Reads an option that takes one of a fixed set of words; anything else is a `UsageError` listing them. */
export function choiceOption<const C extends string>(value: string | undefined, name: string, choices: readonly C[], fallback: NoInfer<C>): C;
export function choiceOption<const C extends string>(value: string | undefined, name: string, choices: readonly C[]): C | undefined;
export function choiceOption<const C extends string>(value: string | undefined, name: string, choices: readonly C[], fallback?: C): C | undefined {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flagName(name)} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as C;
}
