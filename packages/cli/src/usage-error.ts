/**
 * A mistake in the command line: `runMain` prints its message and the usage text to stderr
 * and exits with code 2 (the shell convention for "wrong usage", as against 1 for "it ran
 * and failed").
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  /** The usage text to print with it, when the thrower knows a better one than `runMain`'s. */
  readonly usage: string | undefined;

  constructor(message: string, options: { usage?: string; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.usage = options.usage;
  }
}

/** `--help` or `-h` was given: `runMain` prints the usage text to stdout and exits with code 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
  readonly exitCode = 0;
  readonly usage: string | undefined;

  constructor(usage?: string) {
    super('help requested');
    this.usage = usage;
  }
}
