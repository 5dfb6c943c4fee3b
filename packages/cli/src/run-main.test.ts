import { describe, expect, it } from 'vitest';
import { runMain } from './run-main';
import { HelpRequested, UsageError } from './usage-error';

async function run(main: () => Promise<void>, env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '', code: undefined as number | undefined };
  await runMain(main, 'usage: app [options]', {
    env,
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    exit: (c) => void (out.code = c),
  });
  return out;
}

describe('runMain', () => {
  it.each<[string, () => Promise<void>, NodeJS.ProcessEnv, { code: number | undefined; stdout: string; stderr: string | RegExp }]>([
    ['success: no exit, no output', async () => {}, {}, { code: undefined, stdout: '', stderr: '' }],
    ['a usage error: message and usage on stderr, exit 2', async () => { throw new UsageError('unknown option --treshold'); }, {}, { code: 2, stdout: '', stderr: 'error: unknown option --treshold\nusage: app [options]\n' }],
    ['a usage error carrying its own usage', async () => { throw new UsageError('bad', { usage: 'usage: app sub' }); }, {}, { code: 2, stdout: '', stderr: 'error: bad\nusage: app sub\n' }],
    ['--help: usage on stdout, exit 0', async () => { throw new HelpRequested(); }, {}, { code: 0, stdout: 'usage: app [options]\n', stderr: '' }],
    ['another error: one line, no stack, exit 1', async () => { throw new Error('manifest.csv: no such file'); }, {}, { code: 1, stdout: '', stderr: 'error: manifest.csv: no such file\n' }],
    ['a thrown string', async () => { throw 'plain'; }, {}, { code: 1, stdout: '', stderr: 'error: plain\n' }],
    ['DEEPFACE_DEBUG=1 prints the stack', async () => { throw new Error('boom'); }, { DEEPFACE_DEBUG: '1' }, { code: 1, stdout: '', stderr: /^Error: boom\n\s+at / }],
  ])('%s', async (_, main, env, expected) => {
    const out = await run(main, env);
    expect(out.code).toBe(expected.code);
    expect(out.stdout).toBe(expected.stdout);
    if (typeof expected.stderr === 'string') expect(out.stderr).toBe(expected.stderr);
    else expect(out.stderr).toMatch(expected.stderr);
  });

  it('prints exactly one line for an ordinary error', async () => {
    const out = await run(async () => { throw new Error('x'); });
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
