import { inspect } from 'node:util';
import { HelpRequested, UsageError } from './usage-error';

/** Where `runMain` writes and how it exits; the defaults are the process's own. */
export interface RunMainIo {
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  exit?: (code: number) => void;
}

/**
 * Runs a command's `main` with one exit-code convention:
 * - it resolves: nothing more is done (the process ends when its work does);
 * - `UsageError`: `error: <message>` and the usage text on stderr, exit code 2;
 * - `HelpRequested` (`--help`): the usage text on stdout, exit code 0;
 * - anything else: `error: <message>` on stderr — no stack trace, unless `DEEPFACE_DEBUG=1`,
 *   which prints the whole error (stack and cause) instead — exit code 1.
 * The usage text is the error's own (`parseCommandLine`'s `usage`) when it has one, else `usage`.
 */
export async function runMain(main: () => Promise<void>, usage: string, io: RunMainIo = {}): Promise<void> {
  const {
    env = process.env,
    stdout = (text: string) => void process.stdout.write(text),
    stderr = (text: string) => void process.stderr.write(text),
    exit = (code: number) => process.exit(code),
  } = io;
  try {
    await main();
  } catch (error) {
    if (error instanceof HelpRequested) {
      stdout(`${error.usage ?? usage}\n`);
      exit(0);
    } else if (error instanceof UsageError) {
      stderr(`error: ${error.message}\n${error.usage ?? usage}\n`);
      exit(2);
    } else {
      const debug = env.DEEPFACE_DEBUG === '1';
      if (debug) stderr(`${inspect(error)}\n`);
      else stderr(`error: ${error instanceof Error ? error.message : typeof error === 'string' ? error : inspect(error)}\n`);
      exit(1);
    }
  }
}
