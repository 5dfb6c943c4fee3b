import { describe, expect, it } from 'vitest';
import { UsageError } from './usage-error';
import { choiceOption, numberListOption, numberOption, type NumberOptionRules } from './values';

describe('numberOption', () => {
  it.each<[string | undefined, string, NumberOptionRules, number | undefined]>([
    ['39', 'epochs', { integer: true, min: 1 }, 39],
    ['1e3', 'epochs', { integer: true, min: 1 }, 1000],
    ['0.01', 'lr', { greaterThan: 0 }, 0.01],
    ['5e-4', '--weight-decay', { min: 0 }, 5e-4],
    ['.5', 'raw-crop', { greaterThan: 0, max: 1 }, 0.5],
    ['1', 'raw-crop', { greaterThan: 0, max: 1 }, 1],
    ['-0', 'seed', { integer: true, min: 0 }, 0],
    ['-2.5', 'offset', {}, -2.5],
    [undefined, 'epochs', { integer: true, min: 1, default: 12 }, 12],
    [undefined, 'limit', { integer: true, min: 1 }, undefined],
  ])('%j for %s %j → %j', (value, name, rules, expected) => {
    expect(numberOption(value, name, rules)).toBe(expected);
  });

  it.each<[string, string, NumberOptionRules, string]>([
    ['one', 'epochs', { integer: true, min: 1 }, '--epochs must be an integer ≥ 1, got "one"'],
    ['', 'epochs', { integer: true, min: 1 }, '--epochs must be an integer ≥ 1, got ""'],
    ['abc', 'lr', { greaterThan: 0 }, '--lr must be a number > 0, got "abc"'],
    ['0x10', 'batch', { integer: true, min: 1 }, '--batch must be an integer ≥ 1, got "0x10"'],
    ['1e999', 'lr', {}, '--lr must be a number, got "1e999"'],
    ['NaN', 'lr', {}, '--lr must be a number, got "NaN"'],
    ['Infinity', 'lr', {}, '--lr must be a number, got "Infinity"'],
    [' 3', 'epochs', { integer: true }, '--epochs must be an integer, got " 3"'],
    ['1_000', 'epochs', { integer: true }, '--epochs must be an integer, got "1_000"'],
    ['-1', 'epochs', { integer: true, min: 1 }, '--epochs must be an integer ≥ 1, got "-1"'],
    ['0', 'epochs', { integer: true, min: 1 }, '--epochs must be an integer ≥ 1, got "0"'],
    ['2.5', 'batch', { integer: true, min: 1 }, '--batch must be an integer ≥ 1, got "2.5"'],
    ['1e20', 'seed', { integer: true }, '--seed must be an integer, got "1e20"'],
    ['0', 'lr', { greaterThan: 0 }, '--lr must be a number > 0, got "0"'],
    ['1.5', 'raw-crop', { greaterThan: 0, max: 1 }, '--raw-crop must be a number in (0, 1], got "1.5"'],
    ['2', 'momentum', { min: 0, max: 1 }, '--momentum must be a number in [0, 1], got "2"'],
    ['11', 'level', { integer: true, max: 10 }, '--level must be an integer ≤ 10, got "11"'],
  ])('%j for %s %j is a usage error', (value, name, rules, message) => {
    expect(() => numberOption(value, name, rules)).toThrow(UsageError);
    expect(() => numberOption(value, name, rules)).toThrow(message);
  });
});

describe('numberListOption', () => {
  it.each<[string | undefined, number[] | undefined]>([
    ['1,0.3,0.1', [1, 0.3, 0.1]],
    ['2', [2]],
    ['1, 0.5', [1, 0.5]],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(numberListOption(value, 'temperatures', { greaterThan: 0 })).toEqual(expected);
  });

  it.each([['1,,0.1'], ['1,x'], [''], ['1,0']])('%j is a usage error', (value) => {
    expect(() => numberListOption(value, 'temperatures', { greaterThan: 0 })).toThrow(
      `--temperatures must be a comma-separated list, each a number > 0, got ${JSON.stringify(value)}`,
    );
  });

  it('returns the default when not given', () => {
    expect(numberListOption(undefined, 'temperatures', { default: [1] })).toEqual([1]);
  });
});

describe('choiceOption', () => {
  const aligns = ['3d', '2d', 'none'] as const;
  it.each<[string | undefined, string | undefined]>([
    ['2d', '2d'],
    ['none', 'none'],
    [undefined, '3d'],
  ])('%j → %j', (value, expected) => {
    expect(choiceOption(value, 'align', aligns, '3d')).toBe(expected);
  });

  it.each([['4d'], ['3D'], ['']])('%j is a usage error', (value) => {
    expect(() => choiceOption(value, 'align', aligns, '3d')).toThrow(`--align must be one of 3d, 2d, none, got ${JSON.stringify(value)}`);
  });

  it('is undefined when not given and there is no fallback', () => {
    expect(choiceOption(undefined, 'align', aligns)).toBeUndefined();
  });
});
