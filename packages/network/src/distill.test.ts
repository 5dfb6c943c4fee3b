import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@deepface-ts/kernels';
import { gaussian, mulberry32 } from '@deepface-ts/random';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig } from './config';
import {
  createDistillOptimizer,
  distillationLoss,
  DistillError,
  distillStep,
  DistillProjection,
  identityLoss,
  NORMALISE_EPSILON,
  pairwiseLoss,
  regressionLoss,
  type DistillWeights,
  type RegressionKind,
} from './distill';
import { decodeFloat16, encodeFloat16 } from './float16';
import { DeepFaceModel } from './model';
import { decodeWeightsFile, encodeWeightsFile, loadWeightsFile, PROJECTION_WEIGHT, saveWeightsFile, WeightsFileError } from './weights_file';

/** float32's unit roundoff (half an ulp of 1). */
const EPS32 = 2 ** -24;

// ---------------------------------------------------------------------------------------
// The plain float64 reference: the formulas of the README, written out loop by loop.
// ---------------------------------------------------------------------------------------

type Mat = number[][];

function refProject(f7: Mat, w: Mat, b: number[] | undefined): Mat {
  return f7.map((row) => w[0]!.map((_, k) => row.reduce((sum, v, i) => sum + v * w[i]![k]!, b ? b[k]! : 0)));
}
function refNormalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0) + NORMALISE_EPSILON);
  return v.map((x) => x / n);
}
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

function refRegression(s: Mat, t: Mat, kind: RegressionKind): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const a = refNormalise(s[i]!);
    const b = refNormalise(t[i]!);
    sum += kind === 'cosine' ? 1 - dot(a, b) : a.reduce((acc, x, k) => acc + (x - b[k]!) ** 2, 0);
  }
  return sum / s.length;
}
function refPairwise(s: Mat, t: Mat): number {
  const a = s.map(refNormalise);
  const b = t.map(refNormalise);
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    for (let j = i + 1; j < s.length; j++) {
      sum += (dot(a[i]!, a[j]!) - dot(b[i]!, b[j]!)) ** 2;
      pairs++;
    }
  }
  return pairs ? sum / pairs : 0;
}
function refIdentity(logits: Mat, labels: number[]): number {
  let sum = 0;
  let n = 0;
  logits.forEach((z, i) => {
    if (labels[i]! < 0) return;
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((acc, v) => acc + Math.exp(v - m), 0));
    sum += lse - z[labels[i]!]!;
    n++;
  });
  return n ? sum / n : 0;
}
interface RefInputs {
  f7: Mat;
  w: Mat;
  b: number[];
  logits: Mat;
  t: Mat;
  labels: number[];
}
function refTotal(x: RefInputs, weights: DistillWeights, kind: RegressionKind): number {
  const s = refProject(x.f7, x.w, x.b);
  return weights.regression * refRegression(s, x.t, kind) + weights.pairwise * refPairwise(s, x.t) + weights.identity * refIdentity(x.logits, x.labels);
}

/** Central finite differences of `f` in float64 with respect to every entry of `m`. */
function fdGrad(m: Mat | number[], f: () => number, h = 1e-6): number[] {
  const out: number[] = [];
  const cells: [number[], number][] = [];
  if (typeof m[0] === 'number') (m as number[]).forEach((_, j) => cells.push([m as number[], j]));
  else (m as Mat).forEach((row) => row.forEach((_, j) => cells.push([row, j])));
  for (const [row, j] of cells) {
    const keep = row[j]!;
    row[j] = keep + h;
    const up = f();
    row[j] = keep - h;
    const down = f();
    row[j] = keep;
    out.push((up - down) / (2 * h));
  }
  return out;
}

/** Values rounded to float32, so float32 and float64 see the same inputs. */
function randomMat(rows: number, cols: number, rng: ReturnType<typeof mulberry32>, f: (g: number) => number = (g) => g): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(f(gaussian(rng)))));
}
const t2 = (m: Mat) => tf.tensor2d(m.flat(), [m.length, m[0]!.length], 'float32');
const t1 = (v: number[]) => tf.tensor1d(v, 'float32');
const values = (t: tf.Tensor) => Array.from(t.dataSync());

/**
 * The float32 bound: a sum of n products is within n·u·Σ|terms| of the exact sum (u the
 * unit roundoff, 2⁻²⁴); the gradients here chain a few such sums (the projection, the norms,
 * the dot products), so allow 2·n·u relative to the gradient's scale, n the longest reduction
 * (16 here: 2·16·u ≈ 1.9e-6). Measured on the cpu backend: the worst entry is under 0.2 of
 * that; the finite differences in float64 (h = 1e-6) are good to ~1e-10, far below it.
 */
function float32Tolerance(n: number, scale: number): number {
  return 2 * n * EPS32 * scale;
}
function expectClose(actual: number[], expected: number[], n: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  const tol = float32Tolerance(n, scale);
  actual.forEach((a, i) => {
    const err = Math.abs(a - expected[i]!);
    expect(err, `${what}[${i}]: float32 ${a}, float64 ${expected[i]}, tolerance ${tol.toExponential(2)}`).toBeLessThanOrEqual(tol);
  });
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('losses on hand-made cases', () => {
  const e = (i: number, d = 4) => Array.from({ length: d }, (_, k) => (k === i ? 1 : 0));
  const loss = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]!);

  it('regression: identical → 0, orthogonal → 1, opposite → 2 (cosine); 0 / 2 / 4 (mse); invariant to the scale of s', () => {
    const t = t2([e(0), e(1)]);
    expect(loss(() => regressionLoss(t2([e(0), e(1)]), t))).toBeCloseTo(0, 6);
    expect(loss(() => regressionLoss(t2([e(1), e(2)]), t))).toBeCloseTo(1, 6);
    expect(loss(() => regressionLoss(t2([e(0).map((v) => -v), e(1).map((v) => -v)]), t))).toBeCloseTo(2, 6);
    // one row identical (0), one orthogonal (1): the mean is ½
    expect(loss(() => regressionLoss(t2([e(0), e(3)]), t))).toBeCloseTo(0.5, 6);
    // scale: s = 3·t is still a perfect match; the teacher is normalised too
    expect(loss(() => regressionLoss(t2([[3, 0, 0, 0], [0, 0.2, 0, 0]]), t2([[2, 0, 0, 0], [0, 5, 0, 0]])))).toBeCloseTo(0, 6);
    // 45°: 1 − cos 45° = 1 − 1/√2
    expect(loss(() => regressionLoss(t2([[1, 1, 0, 0]]), t2([e(0)])))).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(loss(() => regressionLoss(t2([e(0), e(1)]), t, 'mse'))).toBeCloseTo(0, 6);
    expect(loss(() => regressionLoss(t2([e(1), e(2)]), t, 'mse'))).toBeCloseTo(2, 6);
    expect(loss(() => regressionLoss(t2([e(0).map((v) => -v), e(1).map((v) => -v)]), t, 'mse'))).toBeCloseTo(4, 6);
  });

  it('pairwise: 0 when the student keeps the teacher similarities, hand-computed otherwise', () => {
    const rng = mulberry32(4);
    const teacher = randomMat(4, 6, rng);
    // a rotation of the teacher (a permutation with a sign flip) with a different scale per row
    const student = teacher.map((row, i) => [row[3]!, -row[0]!, row[5]!, row[1]!, row[4]!, -row[2]!].map((v) => v * (i + 0.5)));
    expect(loss(() => pairwiseLoss(t2(student), t2(teacher)))).toBeCloseTo(0, 6);
    // teacher: e0, e1, e2 (all cos 0); student: e0, e0, e1 → pair (0,1) has cos 1 instead of 0,
    // the others agree: (1 − 0)² over 3 pairs = 1/3
    expect(loss(() => pairwiseLoss(t2([e(0), e(0), e(1)]), t2([e(0), e(1), e(2)])))).toBeCloseTo(1 / 3, 6);
    // two rows, student cos −1, teacher cos 1: (−1 − 1)² = 4
    expect(loss(() => pairwiseLoss(t2([e(0), e(0).map((v) => -v)]), t2([e(1), e(1)])))).toBeCloseTo(4, 6);
    // a batch of one has no pairs
    expect(loss(() => pairwiseLoss(t2([e(0)]), t2([e(1)])))).toBe(0);
  });

  it('identity: softmax cross-entropy over labelled rows only (−1 contributes nothing), as train() computes it', () => {
    // zero logits over 4 classes: ln 4 per labelled row, whatever the unlabelled rows hold
    expect(loss(() => identityLoss(t2([[0, 0, 0, 0], [9, -3, 1, 2]]), [2, -1]))).toBeCloseTo(Math.log(4), 6);
    expect(loss(() => identityLoss(t2([[0, 0, 0, 0], [9, -3, 1, 2]]), [-1, -1]))).toBe(0);
    const logits = randomMat(5, 4, mulberry32(6));
    const labels = [0, 3, 1, 1, 2];
    const fromTrain = loss(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 4), t2(logits)) as tf.Scalar);
    expect(loss(() => identityLoss(t2(logits), labels))).toBeCloseTo(fromTrain, 5);
    expect(() => identityLoss(t2(logits), [0, 4, 1, 1, 2])).toThrow(/label 4 at batch row 1/);
  });

  it('distillationLoss: the total is the weighted sum, terms of weight 0 are reported but add nothing', () => {
    const rng = mulberry32(9);
    const f7 = randomMat(3, 5, rng, Math.abs);
    const w = randomMat(5, 4, rng);
    const teacher = randomMat(3, 4, rng);
    const logits = randomMat(3, 2, rng);
    const r = tf.tidy(() => {
      const out = distillationLoss(
        { f7: t2(f7), logits: t2(logits), teacher: t2(teacher), labels: [1, -1, 0] },
        { projection: { weight: t2(w) }, weights: { regression: 0.5, pairwise: 2, identity: 0 } },
      );
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dataSync()[0]!])) as Record<keyof typeof out, number>;
    });
    const s = refProject(f7, w, undefined);
    expect(r.regression).toBeCloseTo(refRegression(s, teacher, 'cosine'), 5);
    expect(r.pairwise).toBeCloseTo(refPairwise(s, teacher), 5);
    expect(r.identity).toBeCloseTo(refIdentity(logits, [1, -1, 0]), 5);
    expect(r.total).toBeCloseTo(0.5 * r.regression + 2 * r.pairwise, 5);
    expect(() => distillationLoss({ f7: t2(f7), teacher: t2(teacher) }, { projection: { weight: t2(w) }, weights: { identity: 1 } })).toThrow(/needs logits and labels/);
    expect(() => distillationLoss({ f7: t2(f7), teacher: t2(teacher) }, { projection: { weight: t2(w) }, weights: { regression: 0 } })).toThrow(/every term has weight 0/);
  });
});

describe('losses and gradients against the float64 reference', () => {
  // B = 5 rows, F7 = 12, D = 16, K = 4 classes; a row without a label.
  const B = 5;
  const F = 12;
  const D = 16;
  const K = 4;
  const rng = mulberry32(2024);
  const x: RefInputs = {
    f7: randomMat(B, F, rng, (g) => Math.max(0, g + 0.3)), // post-ReLU: non-negative, some zeros
    w: randomMat(F, D, rng, (g) => g / Math.sqrt(F)),
    b: randomMat(1, D, rng, (g) => 0.1 * g)[0]!,
    logits: randomMat(B, K, rng),
    t: randomMat(B, D, rng).map((r) => refNormalise(r).map(Math.fround)), // unit teacher rows
    labels: [2, -1, 0, 3, 0],
  };
  const n = Math.max(F, D, B); // longest reduction
  const cases: { name: string; weights: DistillWeights; kind: RegressionKind }[] = [
    { name: 'regression (cosine)', weights: { regression: 1, pairwise: 0, identity: 0 }, kind: 'cosine' },
    { name: 'regression (mse)', weights: { regression: 1, pairwise: 0, identity: 0 }, kind: 'mse' },
    { name: 'pairwise', weights: { regression: 0, pairwise: 1, identity: 0 }, kind: 'cosine' },
    { name: 'identity', weights: { regression: 0, pairwise: 0, identity: 1 }, kind: 'cosine' },
    { name: 'combined', weights: { regression: 1, pairwise: 0.7, identity: 0.3 }, kind: 'cosine' },
  ];
  for (const c of cases) {
    it(`${c.name}: value and gradients w.r.t. f7, P, b (and the logits) match`, () => {
      const usesProjection = c.weights.regression > 0 || c.weights.pairwise > 0;
      const usesLogits = c.weights.identity > 0;
      const total = (f7: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, logits: tf.Tensor2D) =>
        distillationLoss({ f7, logits, teacher: t2(x.t), labels: x.labels }, { projection: { weight: w, bias: b }, weights: c.weights, kind: c.kind }).total;
      const inputs = [t2(x.f7), t2(x.w), t1(x.b), t2(x.logits)] as const;
      const value = tf.tidy(() => total(...inputs).dataSync()[0]!);
      const ref = refTotal(x, c.weights, c.kind);
      expect(Math.abs(value - ref), `${c.name}: float32 ${value}, float64 ${ref}`).toBeLessThanOrEqual(float32Tolerance(n, Math.max(1, Math.abs(ref))));

      const at = () => refTotal(x, c.weights, c.kind);
      if (usesProjection) {
        const [gf7, gw, gb] = tf.tidy(() => tf.grads((f7: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => total(f7 as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, inputs[3]))([inputs[0], inputs[1], inputs[2]]).map(values));
        expectClose(gf7!, fdGrad(x.f7, at), n, `${c.name} d/df7`);
        expectClose(gw!, fdGrad(x.w, at), n, `${c.name} d/dP`);
        expectClose(gb!, fdGrad(x.b, at), n, `${c.name} d/db`);
      }
      if (usesLogits) {
        const gl = tf.tidy(() => values(tf.grad((logits: tf.Tensor) => total(inputs[0], inputs[1], inputs[2], logits as tf.Tensor2D))(inputs[3])));
        const fd = fdGrad(x.logits, at);
        expectClose(gl, fd, n, `${c.name} d/dlogits`);
        // the unlabelled row (1) gets no gradient at all
        expect(gl.slice(K, 2 * K).every((g) => g === 0)).toBe(true);
      }
      for (const t of inputs) t.dispose();
    });
  }
});

describe('distillStep', { timeout: 60_000 }, () => {
  const config = deepFaceConfig({ inputSize: 14, f7: 16, numClasses: 3, c1Filters: 2, c3Filters: 2, localFilters: 2, dropout: 0.5, kernels: { c1: 3, c3: 2, l4: 2, l5: 2, l6: 1 } });
  const B = 6;
  const rng = mulberry32(77);
  const xs = Float32Array.from({ length: B * 14 * 14 * 3 }, () => gaussian(rng));
  const teacherRows = randomMat(B, 128, rng).map(refNormalise);
  const teacher = Float32Array.from(teacherRows.flat());
  const labels = [0, 1, 2, -1, 0, -1];

  const evalRegression = (model: DeepFaceModel, projection: DistillProjection) =>
    tf.tidy(() => {
      const { f7 } = model.forward(tf.tensor4d(xs, [B, 14, 14, 3]));
      return regressionLoss(projection.apply(f7), tf.tensor2d(teacher, [B, 128])).dataSync()[0]!;
    });

  it('a few Adam steps reduce the regression loss on a fixed batch', () => {
    const model = DeepFaceModel.create(config, { seed: 3 });
    const projection = DistillProjection.forModel(model, { seed: 5 });
    const optimizer = createDistillOptimizer(model, projection, { learningRate: 1e-2 });
    const before = evalRegression(model, projection);
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) losses.push(distillStep(model, projection, optimizer, { x: xs, teacher }).regression);
    const after = evalRegression(model, projection);
    // the step reports the loss before its update, on F7 before dropout: the first equals `before`
    expect(losses[0]).toBeCloseTo(before, 5);
    expect(optimizer.step).toBe(10);
    // measured on the cpu backend: 0.984 → 0.576 after 10 steps, every step lower than the last
    expect(after).toBeLessThan(before * 0.75);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!, `step ${i + 1}`).toBeLessThan(losses[i - 1]!);
    optimizer.dispose();
    projection.dispose();
    model.dispose();
  });

  it('combines the terms, respects frozen layers, and leaves F8 alone when nothing reaches it', () => {
    const model = DeepFaceModel.create(config, { seed: 4 });
    const projection = DistillProjection.forModel(model, { seed: 6, bias: false });
    const optimizer = createDistillOptimizer(model, projection, { learningRate: 3e-3, freeze: ['C1'], weightDecay: 1e-4 });
    const c1 = model.param('C1.weight').dataSync().slice();
    const f8 = model.param('F8.weight').dataSync().slice();
    const p0 = projection.weight.dataSync().slice();
    const weights = { regression: 1, pairwise: 0.5, identity: 0.2 };
    const r = distillStep(model, projection, optimizer, { x: xs, teacher, labels }, { weights, seed: 2 });
    expect(r.total).toBeCloseTo(r.regression + 0.5 * r.pairwise + 0.2 * r.identity, 5);
    expect(r.identity).toBeGreaterThan(0);
    expect(Array.from(model.param('C1.weight').dataSync())).toEqual(Array.from(c1));
    expect(Array.from(projection.weight.dataSync())).not.toEqual(Array.from(p0));
    expect(Array.from(model.param('F8.weight').dataSync())).not.toEqual(Array.from(f8));
    // without the identity term F8 is off the loss's path: no gradient, no update
    const f8now = model.param('F8.weight').dataSync().slice();
    distillStep(model, projection, optimizer, { x: xs, teacher, labels }, { weights: { regression: 1, pairwise: 1, identity: 0 } });
    expect(Array.from(model.param('F8.weight').dataSync())).toEqual(Array.from(f8now));
    expect(() => distillStep(model, projection, optimizer, { x: xs, teacher: teacher.subarray(0, 128 * 5) })).toThrow(/teacher has 640 values, expected \[6, 128\]/);
    expect(() => createDistillOptimizer(model, projection, { freeze: ['C9'] })).toThrow(/no such layer/);
    optimizer.dispose();
    projection.dispose();
    model.dispose();
  });
});

// The format's own checks (shapes, CRC, dtype, finite values, unknown names) are in
// weights_file.test.ts; here the model and its head go through the file together.
describe('the projection in the weights file', () => {
  const config = deepFaceConfig({ inputSize: 14, f7: 16, numClasses: 3, c1Filters: 2, c3Filters: 2, localFilters: 2, kernels: { c1: 3, c3: 2, l4: 2, l5: 2, l6: 1 } });
  let model: DeepFaceModel;
  let projection: DistillProjection;
  const dir = mkdtempSync(join(tmpdir(), 'deepface-distill-'));
  beforeAll(() => {
    model = DeepFaceModel.create(config, { seed: 8 });
    model.representationMax = Float32Array.from({ length: 16 }, (_, i) => 1 + i / 10);
    projection = DistillProjection.forModel(model, { seed: 9 });
    projection.bias!.assign(tf.randomUniform([128], -0.1, 0.1, 'float32', 1));
  });
  afterAll(() => {
    projection.dispose();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips exactly in float32 (the network, the maxima, the metadata, the projection)', () => {
    const bytes = encodeWeightsFile({ ...model.toWeights({ teacher: 'dlib-resnet' }), projection: projection.toWeights() });
    const decoded = decodeWeightsFile(bytes, 'mem');
    expect(decoded.metadata.teacher).toBe('dlib-resnet');
    for (const [name, v] of model.params) expect(Array.from(decoded.tensors.get(name)!), name).toEqual(Array.from(v.dataSync()));
    expect(Array.from(decoded.tensors.get('representation.max')!)).toEqual(Array.from(model.representationMax!));
    expect(decoded.tensors.has(PROJECTION_WEIGHT)).toBe(false); // the network's tensors only
    expect(decoded.projection!.inputSize).toBe(16);
    expect(decoded.projection!.outputSize).toBe(128);
    expect(Array.from(decoded.projection!.weight)).toEqual(Array.from(projection.weight.dataSync()));
    expect(Array.from(decoded.projection!.bias!)).toEqual(Array.from(projection.bias!.dataSync()));
    // the loaded student and head give the same descriptors
    const student = DeepFaceModel.fromWeights(decoded);
    const head = DistillProjection.fromWeights(decoded.projection);
    const x = tf.randomUniform([2, 14, 14, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const a = tf.tidy(() => values(projection.embed(model.forward(x).f7)));
    const b = tf.tidy(() => values(head.embed(student.forward(x).f7)));
    expect(b).toEqual(a);
    // and write the same file again
    expect(encodeWeightsFile({ ...student.toWeights({ teacher: 'dlib-resnet' }), projection: head.toWeights() })).toEqual(bytes);
    head.dispose();
    student.dispose();
    x.dispose();
  });

  it('saves and loads through a file (saveWeightsFile / loadWeightsFile), in float16 too, and without a bias or a projection', async () => {
    const path = join(dir, 'student.safetensors');
    await saveWeightsFile(path, { ...model.toWeights(), projection: projection.toWeights() }, 'float16');
    const loaded = await loadWeightsFile(path);
    expect(loaded.storedDtype).toBe('float16');
    const half = (v: Float32Array) => Array.from(decodeFloat16(encodeFloat16(v)));
    expect(Array.from(loaded.projection!.weight)).toEqual(half(projection.weight.dataSync() as Float32Array));
    expect(Array.from(loaded.projection!.bias!)).toEqual(half(projection.bias!.dataSync() as Float32Array));
    const head = DistillProjection.fromWeights(loaded.projection);
    expect([head.inputSize, head.outputSize]).toEqual([16, 128]);
    head.dispose();

    const noBias = DistillProjection.forModel(model, { seed: 10, bias: false });
    const nb = decodeWeightsFile(encodeWeightsFile({ ...model.toWeights(), projection: noBias.toWeights() }));
    expect(nb.projection!.bias).toBeUndefined();
    expect(Array.from(nb.projection!.weight)).toEqual(Array.from(noBias.weight.dataSync()));
    const nbHead = DistillProjection.fromWeights(nb.projection);
    expect(nbHead.bias).toBeUndefined();
    nbHead.dispose();
    noBias.dispose();

    // the model alone writes a plain file: no projection, and asking for one says so
    const plain = decodeWeightsFile(encodeWeightsFile(model.toWeights()));
    expect(plain.projection).toBeUndefined();
    expect(DeepFaceModel.fromWeights(plain).parameterCount()).toBe(model.parameterCount());
    expect(() => DistillProjection.fromWeights(plain.projection)).toThrow(DistillError);
    expect(() => DistillProjection.fromWeights(plain.projection)).toThrow(/no projection \(the weights file has no distill\.projection\.weight\)/);
  });

  it('a head for another teacher width reads back at its width, and a step with the 128-D teacher refuses it; one for another F7 is refused when writing', () => {
    const p64 = DistillProjection.forModel(model, { outputSize: 64 });
    const decoded = decodeWeightsFile(encodeWeightsFile({ ...model.toWeights(), projection: p64.toWeights() }), 'p64.safetensors');
    expect(decoded.projection!.outputSize).toBe(64);
    const head = DistillProjection.fromWeights(decoded.projection);
    const optimizer = createDistillOptimizer(model, head);
    const batch = { x: new Float32Array(2 * 14 * 14 * 3), teacher: new Float32Array(2 * 128) };
    expect(() => distillStep(model, head, optimizer, batch)).toThrow(/teacher has 256 values, expected \[2, 64\]/);
    expect(optimizer.step).toBe(0);
    optimizer.dispose();
    head.dispose();
    p64.dispose();

    const wide = DistillProjection.create(32);
    expect(() => encodeWeightsFile({ ...model.toWeights(), projection: wide.toWeights() })).toThrow(WeightsFileError);
    expect(() => encodeWeightsFile({ ...model.toWeights(), projection: wide.toWeights() })).toThrow(
      /distill\.projection\.weight has shape \[32, 128\], config .* \(F7 16\) expects \[16, 128\]/,
    );
    wide.dispose();
  });
});
