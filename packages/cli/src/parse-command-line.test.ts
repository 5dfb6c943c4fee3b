import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './parse-command-line';
import { HelpRequested, UsageError } from './usage-error';

const options = {
  threshold: { type: 'string' },
  report: { type: 'string' },
  epochs: { type: 'string', default: '12' },
  flip: { type: 'boolean' },
  out: { type: 'string', short: 'o' },
  tag: { type: 'string', multiple: true },
} as const;

const parse = (argv: string[], allowPositionals = false) => parseCommandLine(argv, { options, allowPositionals, usage: 'usage: test [options]' });

describe('parseCommandLine: usage errors', () => {
  it.each([
    ['unknown option', ['--colour', 'red'], /^unknown option --colour$/],
    ['misspelt --treshold', ['--treshold', '0.5'], /^unknown option --treshold \(did you mean --threshold\?\)$/],
    ['--epoch for --epochs', ['--epoch', '39'], /^unknown option --epoch \(did you mean --epochs\?\)$/],
    ['unknown short option', ['-t', '1'], /^unknown option -t$/],
    ['missing value at the end', ['--threshold'], /^--threshold needs a value$/],
    ['missing value: followed by another option', ['--threshold', '--report', 'x'], /^--threshold needs a value, but is followed by "--report"$/],
    ['missing value: followed by "--"', ['--threshold', '--'], /^--threshold needs a value, but is followed by "--"$/],
    ['a negative number needs the inline form', ['--threshold', '-5'], /^--threshold needs a value, got "-5"; write --threshold=-5/],
    ['inline value starting with --', ['--threshold=--report'], /^--threshold needs a value, got "--report" \(a value cannot start with "--"\)$/],
    ['a value given to a switch', ['--flip=1'], /^--flip is a switch and takes no value, got "--flip=1"$/],
    ['an argument after a switch', ['--flip', 'yes'], /^unexpected argument "yes": --flip is a switch and takes no value$/],
    ['an argument where none are allowed', ['photo.jpg'], /^unexpected argument "photo.jpg": this command takes no arguments besides its options$/],
    ['options after a second "--"', ['--', '--', '--epochs', '3'], /^unexpected argument "--epochs": it comes after a "--", which ends the options$/],
    ['an option given twice', ['--epochs', '3', '--epochs=5'], /^--epochs given twice \(--epochs 3, then --epochs=5\); give it once$/],
    ['a switch given twice', ['--flip', '--flip'], /^--flip given twice \(--flip, then --flip\)/],
    ['a short and a long spelling of one option', ['-o', 'a', '--out', 'b'], /^--out given twice \(-o a, then --out b\)/],
  ])('%s: %j', (_, argv, message) => {
    let error: unknown;
    try {
      parse(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).usage).toBe('usage: test [options]');
    expect((error as UsageError).exitCode).toBe(2);
  });
});

describe('parseCommandLine: accepted command lines', () => {
  it.each([
    ['nothing: defaults', [], {}, { epochs: '12' }, []],
    ['the leading "--" that pnpm passes', ['--', '--epochs', '39'], {}, { epochs: '39' }, []],
    ['inline values', ['--threshold=0.5', '--out=x'], {}, { threshold: '0.5', out: 'x', epochs: '12' }, []],
    ['inline negative number', ['--threshold=-5'], {}, { threshold: '-5', epochs: '12' }, []],
    ['short option', ['-o', 'dir', '--flip'], {}, { out: 'dir', flip: true, epochs: '12' }, []],
    ['a multiple option repeated', ['--tag', 'a', '--tag', 'b'], {}, { tag: ['a', 'b'], epochs: '12' }, []],
    ['positionals where allowed', ['a.jpg', '--threshold', '0.4', 'b.jpg'], { allowPositionals: true }, { threshold: '0.4', epochs: '12' }, ['a.jpg', 'b.jpg']],
    ['a dash-led positional after "--"', ['--flip', '--', '-odd.jpg'], { allowPositionals: true }, { flip: true, epochs: '12' }, ['-odd.jpg']],
  ])('%s: %j', (_, argv, spec, values, positionals) => {
    const parsed = parse(argv, (spec as { allowPositionals?: boolean }).allowPositionals);
    expect({ ...parsed.values }).toEqual(values);
    expect(parsed.positionals).toEqual(positionals);
  });

  it('types the values from the specs', () => {
    const { values } = parse(['--flip']);
    const epochs: string = values.epochs; // has a default: never undefined
    const flip: boolean | undefined = values.flip;
    const tags: string[] | undefined = values.tag;
    expect([epochs, flip, tags]).toEqual(['12', true, undefined]);
  });
});

describe('parseCommandLine: --help', () => {
  it.each([[['--help']], [['-h']], [['--epochs', '3', '--help']], [['--', '--help']]])('%j asks for help', (argv) => {
    expect(() => parse(argv)).toThrow(HelpRequested);
  });

  it('is an ordinary argument after "--", and the command’s own when it declares one', () => {
    expect(parse(['--', '--', '--help'], true).positionals).toEqual(['--help']);
    const own = parseCommandLine(['-h', '3'], { options: { height: { type: 'string', short: 'h' } } });
    expect(own.values.height).toBe('3');
  });
});
