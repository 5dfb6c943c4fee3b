import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkMemberDescribers,
  ensembleScore,
  ensembleScores,
  ensembleVerdict,
  formatEnsembleFile,
  loadEnsembleModel,
  parseEnsembleModel,
  trainEnsembleModel,
  type EnsembleModel,
} from './ensemble';

/**
 * A hand-made ensemble: deepface χ² standardised with mean 1, sd 0.5 (β = 1); dlib 1 − cosine
 * with mean 0.5, sd 0.25 (β = 2). Two support vectors: a "same" prototype z = (−1, −1) with
 * coefficient +1 and a "different" one z = (1, 1) with −1; bias 0.1. So for z = (z₁, z₂):
 *   score = −(|z₁ + 1| + (z₂ + 1)²) + (|z₁ − 1| + (z₂ − 1)²) + 0.1.
 */
const handMade = (): EnsembleModel => ({
  format: 'deepface-ts-verify-ensemble',
  version: 1,
  members: [
    { descriptor: 'deepface', describer: 'deepface-test-3d', distance: 'chi2', mean: 1, sd: 0.5, beta: 1 },
    { descriptor: 'dlib', describer: 'dlib-resnet-v1-chip-mirror', distance: '1-cosine', mean: 0.5, sd: 0.25, beta: 2 },
  ],
  supportVectors: [
    [-1, -1],
    [1, 1],
  ],
  coefficients: [1, -1],
  bias: 0.1,
  C: 1,
  trainedOn: { set: 'hand-made', pairs: 2, same: 1 },
});

const dir = mkdtempSync(join(tmpdir(), 'verify-ensemble-'));
function fileWith(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('the ensemble score', () => {
  it('matches a hand-computed case: 2 support vectors, known coefficients', () => {
    const model = handMade();
    // distances (1, 0.5) → z = (0, 0): −(1 + 1) + (1 + 1) + 0.1
    expect(ensembleScore(model, [1, 0.5])).toBeCloseTo(0.1, 6);
    // (1.25, 0.5) → z = (0.5, 0): −(1.5 + 1) + (0.5 + 1) + 0.1
    expect(ensembleScore(model, [1.25, 0.5])).toBeCloseTo(-0.9, 6);
    // both at once (n × M rows)
    expect(Array.from(ensembleScores(model, [1, 0.5, 1.25, 0.5])).map((x) => +x.toFixed(6))).toEqual([0.1, -0.9]);
    expect(() => ensembleScore(model, [1])).toThrow(/1 distances for 2 members/);
  });

  it('decides SAME / DIFFERENT from two faces’ descriptors under each member, with the hand-made file loaded', () => {
    const model = loadEnsembleModel(fileWith('hand-made.json', formatEnsembleFile(handMade())));
    const x = Float32Array.of(1, 0);
    const y = Float32Array.of(0, 1);
    // Identical descriptors: χ² 0, 1 − cos 0 → z = (−2, −2): −(1 + 1) + (3 + 9) + 0.1 = 10.1
    const same = ensembleVerdict(model, [
      [x, x],
      [x, x],
    ]);
    expect(same.distances).toEqual([0, 0]);
    expect(same.score).toBeCloseTo(10.1, 5);
    expect(same.same).toBe(true);
    // Orthogonal descriptors: χ² 2, 1 − cos 1 → z = (2, 2): −(3 + 9) + (1 + 1) + 0.1 = −9.9
    const different = ensembleVerdict(model, [
      [x, y],
      [x, y],
    ]);
    expect(different.distances).toEqual([2, 1]);
    expect(different.score).toBeCloseTo(-9.9, 5);
    expect(different.same).toBe(false);
    // The threshold moves the decision: z = (0, 0) scores 0.1.
    expect(ensembleVerdict(model, [[x, x], [x, x]], 20).same).toBe(false);
  });
});

describe('the ensemble file', () => {
  it('loads a well-formed file, and refuses one trained on another describer, naming the file and the command', () => {
    const file = fileWith('good.json', formatEnsembleFile(handMade()));
    const model = loadEnsembleModel(file);
    expect(model).toMatchObject({ members: handMade().members, coefficients: [1, -1], bias: 0.1 });
    expect(() => checkMemberDescribers(model, ['deepface-test-3d', 'dlib-resnet-v1-chip-mirror'], file)).not.toThrow();
    expect(() => checkMemberDescribers(model, ['deepface-other-3d', 'dlib-resnet-v1-chip-mirror'], file)).toThrow(
      /good\.json: members\[0\] \(deepface\) was trained with describer "deepface-test-3d", but this run's deepface describer is "deepface-other-3d".*pnpm --filter @deepface-ts\/verify-app train-ensemble/,
    );
  });

  it('is absent: the error names the file and the command that builds it', () => {
    expect(() => loadEnsembleModel(join(dir, 'missing.json'))).toThrow(/missing\.json: no ensemble model; build it with `pnpm --filter @deepface-ts\/verify-app train-ensemble`/);
  });

  const broken: [string, (m: Record<string, unknown>) => unknown, RegExp][] = [
    ['not JSON', () => '{"format": ', /bad\.json: not valid JSON/],
    ['another format', (m) => ({ ...m, format: 'something' }), /bad\.json: field "format" must be "deepface-ts-verify-ensemble", got "something"/],
    ['a newer version', (m) => ({ ...m, version: 2 }), /field "version" must be 1, got 2/],
    ['no members', (m) => ({ ...m, members: [] }), /field "members" must be a non-empty array, got \[\]/],
    ['an unknown member', (m) => ({ ...m, members: [{ ...(m.members as object[])[0], descriptor: 'lbp' }, (m.members as object[])[1]] }), /field "members\[0\]\.descriptor" must be one of deepface, dlib \(the descriptors verify can describe\), got "lbp"/],
    ['a zero sd', (m) => ({ ...m, members: [(m.members as object[])[0], { ...(m.members as object[])[1], sd: 0 }] }), /field "members\[1\]\.sd" must be a positive number, got 0/],
    ['a β out of range', (m) => ({ ...m, members: [{ ...(m.members as object[])[0], beta: 3 }, (m.members as object[])[1]] }), /field "members\[0\]\.beta" must be a number in \(0, 2\], got 3/],
    ['the wrong distance', (m) => ({ ...m, members: [(m.members as object[])[0], { ...(m.members as object[])[1], distance: 'chi2' }] }), /field "members\[1\]\.distance" must be "1-cosine" for dlib, got "chi2"/],
    ['a short support vector', (m) => ({ ...m, supportVectors: [[0, 0], [1]] }), /field "supportVectors\[1\]" must be an array of 2 numbers \(one per member\), got \[1\]/],
    ['a non-numeric support vector value', (m) => ({ ...m, supportVectors: [[0, 'x'], [1, 1]] }), /field "supportVectors\[0\]\[1\]" must be a finite number, got "x"/],
    ['too few coefficients', (m) => ({ ...m, coefficients: [1] }), /field "coefficients" must be an array of 2 numbers \(one per support vector\), got \[1\]/],
    ['no bias', (m) => ({ ...m, bias: undefined }), /field "bias" must be a finite number, got nothing/],
    ['no training record', (m) => ({ ...m, trainedOn: undefined }), /field "trainedOn" must be an object/],
  ];
  it.each(broken)('rejects a file with %s, naming the file and the field', (_, mutate, message) => {
    const file = fileWith('bad.json', mutate(handMade() as unknown as Record<string, unknown>));
    expect(() => loadEnsembleModel(file)).toThrow(message);
    expect(() => parseEnsembleModel(JSON.stringify(handMade()), file)).not.toThrow();
  });
});

describe('trainEnsembleModel', () => {
  it('trains on distance rows, and the written file scores the pairs as the trained SVM does', async () => {
    // x₁ + x₂ < 1 → same: each distance alone is weak, together they separate.
    let s = 5;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const rows: number[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 160; i++) {
      const [a, b] = [rand(), rand()];
      rows.push(a, 2 * b); // another scale for the second member: standardisation takes care of it
      labels.push(a + b < 1);
    }
    const members = [
      { descriptor: 'deepface' as const, describer: 'deepface-test-3d' },
      { descriptor: 'dlib' as const, describer: 'dlib-resnet-v1-chip-mirror' },
    ];
    const { model, trainAccuracy } = await trainEnsembleModel(Float64Array.from(rows), labels, members);
    expect(trainAccuracy).toBeGreaterThan(0.9);
    expect(model.members.map((m) => [m.descriptor, m.distance, m.beta])).toEqual([
      ['deepface', 'chi2', 1],
      ['dlib', '1-cosine', 1],
    ]);
    expect(model.members[1]!.mean).toBeCloseTo(2 * model.members[0]!.mean, 0);
    const full: EnsembleModel = { ...model, trainedOn: { set: 'synthetic', pairs: labels.length, same: labels.filter(Boolean).length } };
    const loaded = loadEnsembleModel(fileWith('trained.json', formatEnsembleFile(full)));
    const scores = ensembleScores(loaded, rows);
    let right = 0;
    scores.forEach((x, i) => (right += x >= 0 === labels[i] ? 1 : 0));
    expect(right / labels.length).toBeCloseTo(trainAccuracy, 6);
    expect(Array.from(scores)).toEqual(Array.from(ensembleScores(model, rows)));
  });
});

describe('pnpm verify --descriptor ensemble (command line)', () => {
  const app = join(__dirname, 'main.ts');
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', app, ...args], { encoding: 'utf8' });

  it('without the ensemble file: exit 1, naming the file and the command that builds it', () => {
    const r = run(['a.jpg', 'b.jpg', '--descriptor', 'ensemble', '--ensemble', join(dir, 'absent.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/absent\.json: no ensemble model; build it with `pnpm --filter @deepface-ts\/verify-app train-ensemble`/);
  });

  it('a malformed file: exit 1, naming the file and the field', () => {
    const file = fileWith('malformed.json', { ...handMade(), bias: 'high' });
    const r = run(['a.jpg', 'b.jpg', '--descriptor', 'ensemble', '--ensemble', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/malformed\.json: field "bias" must be a finite number, got "high"/);
  });

  it.each([
    [['--descriptor', 'ensemble'], /--descriptor ensemble compares two photos/],
    [['--descriptor', 'ensemble', '--pairs', 'list.csv'], /--descriptor ensemble compares two photos/],
    [['a.jpg', 'b.jpg', '--ensemble', 'e.json'], /--ensemble <file\.json> is for --descriptor ensemble/],
  ])('usage error %j → exit 2', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
