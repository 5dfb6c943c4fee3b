import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { deepFaceConfig, DeepFaceModel, saveWeightsFile } from '@deepface-ts/network';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchmarkArgs } from './args';
import { compareRuns, readRunResult } from './compare';
import { runBenchmark } from './run';

// A synthetic LFW tree: 8 people × 3 images of 250×250. Each person is a fixed random texture;
// each image adds noise and a small shift, so same-person pairs are more alike than others.
let root: string;
const people = Array.from({ length: 8 }, (_, i) => `Person_${String.fromCharCode(65 + i)}`);

async function writeFace(path: string, person: number, image: number): Promise<void> {
  let s = person * 7919 + 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const base = new Uint8Array(25 * 25);
  for (let i = 0; i < base.length; i++) base[i] = Math.floor(rand() * 256);
  let n = image * 104729 + person;
  const noise = () => ((n = (Math.imul(n, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 40;
  const data = Buffer.alloc(250 * 250 * 3);
  for (let y = 0; y < 250; y++) {
    for (let x = 0; x < 250; x++) {
      const v = base[Math.floor(((y + image) % 250) / 10) * 25 + Math.floor(x / 10)]!;
      const g = Math.max(0, Math.min(255, v + noise()));
      data.fill(g, (y * 250 + x) * 3, (y * 250 + x) * 3 + 3);
    }
  }
  await sharp(data, { raw: { width: 250, height: 250, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  const lfw = join(root, 'lfw');
  for (const [p, name] of people.entries()) {
    await mkdir(join(lfw, 'lfw-deepfunneled', name), { recursive: true });
    for (let i = 1; i <= 3; i++) await writeFace(join(lfw, 'lfw-deepfunneled', name, `${name}_000${i}.jpg`), p, i);
  }
  // 4 folds × (2 matched + 2 mismatched), tab-separated like the real file.
  const lines = ['4\t2'];
  for (let f = 0; f < 4; f++) {
    const a = people[2 * f]!;
    const b = people[2 * f + 1]!;
    lines.push(`${a}\t1\t2`, `${b}\t2\t3`, `${a}\t3\t${b}\t1`, `${b}\t2\t${people[(2 * f + 2) % 8]}\t3`);
  }
  await writeFile(join(lfw, 'pairs.txt'), lines.join('\n') + '\n');
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('runBenchmark lfw on a synthetic LFW tree', () => {
  it('goes from JPEGs to report.md, plots and the JSON summary; reruns hit the cache', async () => {
    const args = parseBenchmarkArgs(['lfw', '--data', root, '--out', join(root, 'out'), '--cache', join(root, 'cache')], {}, root);
    const first = await runBenchmark(args);
    expect(first).toMatchObject({ protocol: 'lfw', descriptor: 'lbp', align: 'none', pairs: 16, images: 24, failedImages: 0, fromCache: 0 });
    for (const k of ['accuracy', 'se', 'auc', 'eer']) expect(typeof first[k]).toBe('number');
    expect(first.auc as number).toBeGreaterThan(0.8); // same-person textures are clearly closer
    const report = await readFile(join(root, 'out', 'report.md'), 'utf8');
    expect(report).toMatch(/\| χ² \| [01]\.\d{4} ± 0\.\d{4} \|/);
    expect(existsSync(join(root, 'out', 'roc.png'))).toBe(true);
    expect(existsSync(join(root, 'out', 'roc-log.svg'))).toBe(true);
    const second = await runBenchmark(args);
    expect(second).toMatchObject({ fromCache: 24, accuracy: first.accuracy, auc: first.auc });
    // result.json holds the JSON line with the per-fold accuracies, whose mean is the accuracy.
    const saved = readRunResult(join(root, 'out'));
    expect(saved).toMatchObject({ protocol: 'lfw', accuracy: first.accuracy });
    expect(saved.fold_accuracy).toHaveLength(4);
    const roc = JSON.parse(await readFile(join(root, 'out', 'roc.json'), 'utf8')) as { metric: string; fpr: number[]; tpr: number[] };
    expect(roc.metric).toBe('χ²');
    expect([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    expect(saved.fold_accuracy.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(first.accuracy as number, 3);
    // A run compared with itself: no difference, every fold level.
    expect(compareRuns(saved, saved)).toMatchObject({ difference: 0, t: 0, p: 1, ties: 4, folds: 4 });
  });

  it('lfw-restricted trains weighted χ² and the kernel-SVM ensemble on the training folds', async () => {
    const args = parseBenchmarkArgs(['lfw-restricted', '--data', root, '--out', join(root, 'out-r'), '--cache', join(root, 'cache')], {}, root);
    const s = await runBenchmark(args);
    expect(s).toMatchObject({ protocol: 'lfw-restricted', metric: 'weighted-chi2-svm', pairs: 16, fromCache: 24 });
    expect(s.auc as number).toBeGreaterThan(0.7);
    expect((s.ensemble as { auc: number }).auc).toBeGreaterThan(0.7);
    const report = await readFile(join(root, 'out-r', 'report.md'), 'utf8');
    expect(report).toMatch(/\| kernel-SVM ensemble \| [01]\.\d{4} ± /);
    expect(report).toMatch(/subset of 2000 training pairs per fold/);
  });

  it('lfw-restricted --descriptor ensemble describes once per member, reports the ensemble beside each member alone; reruns hit each member cache', async () => {
    // A tiny untrained DeepFace network (plumbing only) and LBP; no faces in the synthetic textures, so both use the raw crop.
    await initBackend('wasm');
    const config = deepFaceConfig({ inputSize: 20, f7: 12, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });
    const model = DeepFaceModel.create(config, { seed: 2 });
    model.representationMax = new Float32Array(12).fill(0.5);
    const modelPath = join(root, 'tiny.safetensors');
    await saveWeightsFile(modelPath, model.toWeights());
    model.dispose();
    const args = parseBenchmarkArgs(['lfw-restricted', '--descriptor', 'ensemble', '--members', 'deepface,lbp', '--model', modelPath, '--data', root, '--out', join(root, 'out-e'), '--cache', join(root, 'cache')], {}, root);
    const s = await runBenchmark(args);
    expect(s).toMatchObject({ protocol: 'lfw-restricted', descriptor: 'ensemble', align: 'deepface:3d,lbp:3d', metric: 'ensemble-kernel-svm', pairs: 16, images: 24 });
    for (const k of ['accuracy', 'se', 'auc', 'eer']) expect(typeof s[k]).toBe('number');
    expect(Object.keys(s.members as object)).toEqual(['deepface', 'lbp']);
    expect(Object.keys((s.members as Record<string, object>).lbp!).sort()).toEqual(['accuracy', 'auc', 'eer', 'se']);
    expect(s.fold_accuracy).toHaveLength(4);
    expect(s.descriptor_id).toMatch(/^deepface-.*-3d\+lbp-r2-7x7-v1$/);
    const report = await readFile(join(root, 'out-e', 'report.md'), 'utf8');
    expect(report).toMatch(/^# LFW View 2 \(restricted\): ensemble of deepface \(align 3d\) \+ lbp \(align 3d\)/);
    expect(report).toMatch(/\| kernel-SVM ensemble \(deepface χ² \+ lbp χ²\) \| [01]\.\d{4} ± [\s\S]*\| deepface χ² alone \(kernel SVM\) \|[\s\S]*\| lbp χ² alone \(kernel SVM\) \|/);
    expect(report).toMatch(/Descriptor `deepface` \(align `3d`[\s\S]*Descriptor `lbp` \(align `3d`/);
    expect(report).toContain('--descriptor ensemble --members deepface,lbp');
    expect(readRunResult(join(root, 'out-e'))).toMatchObject({ descriptor: 'ensemble', accuracy: s.accuracy });
    const again = await runBenchmark(args);
    expect(again).toMatchObject({ fromCache: 48, accuracy: s.accuracy, auc: s.auc });
  }, 120_000);

  it('lfw-unrestricted trains on identity pairs of the training folds and reports the restricted result beside it', async () => {
    // Identity-disjoint folds over the same images: fold f holds people 2f and 2f+1 only.
    const dir = join(root, 'lfw-disjoint');
    await cp(join(root, 'lfw', 'lfw-deepfunneled'), join(dir, 'lfw-deepfunneled'), { recursive: true });
    const lines = ['4\t2'];
    for (let f = 0; f < 4; f++) {
      const [a, b] = [people[2 * f]!, people[2 * f + 1]!];
      lines.push(`${a}\t1\t2`, `${b}\t2\t3`, `${a}\t3\t${b}\t1`, `${a}\t1\t${b}\t2`);
    }
    await writeFile(join(dir, 'pairs.txt'), lines.join('\n') + '\n');
    const args = parseBenchmarkArgs(['lfw-unrestricted', '--data', dir, '--out', join(root, 'out-u'), '--cache', join(root, 'cache')], {}, root);
    const s = await runBenchmark(args);
    // The 3 training folds name 3 images of each of their 6 people: 6 × 3 same-identity pairs, as many different.
    expect(s).toMatchObject({ protocol: 'lfw-unrestricted', metric: 'weighted-chi2-svm-unrestricted', pairs: 16, trainPairs: { same: [18, 18, 18, 18], different: [18, 18, 18, 18] } });
    for (const k of ['accuracy', 'se', 'auc', 'eer']) expect(typeof s[k]).toBe('number');
    expect(Object.keys(s.restricted as object).sort()).toEqual(['accuracy', 'auc', 'eer', 'se']);
    expect(await readFile(join(root, 'out-u', 'report.md'), 'utf8')).toMatch(/\| weighted χ², unrestricted \(identity pairs\) \| [01]\.\d{4} ± [\s\S]*\| weighted χ², restricted \(official pairs\) \|/);
  });

  it('lfw-unrestricted fails loudly when a test identity also appears in the training folds', async () => {
    // The main synthetic pairs.txt shares people between folds (fold 1 names Person_C of fold 2; fold 4 names Person_A of fold 1).
    const args = parseBenchmarkArgs(['lfw-unrestricted', '--data', root, '--out', join(root, 'out-leak'), '--cache', join(root, 'cache')], {}, root);
    await expect(runBenchmark(args)).rejects.toThrow(/test fold 1 shares 2 identities with the training folds \(Person_A, Person_C\)/);
  });

  it('a corrupt image is reported, its pairs count as different, and the run finishes', async () => {
    const bad = join(root, 'lfw', 'lfw-deepfunneled', 'Person_A', 'Person_A_0001.jpg');
    const keep = await readFile(bad);
    await writeFile(bad, keep.subarray(0, 100));
    try {
      const args = parseBenchmarkArgs(['lfw', '--data', root, '--out', join(root, 'out2'), '--no-cache'], {}, root);
      const s = await runBenchmark(args);
      expect(s.failedImages).toBe(1);
      expect(await readFile(join(root, 'out2', 'report.md'), 'utf8')).toMatch(/1 image\(s\) could not be used[\s\S]*Person_A_0001\.jpg/);
    } finally {
      await writeFile(bad, keep);
    }
  });

  it('a bad pairs.txt line → error naming the file and line', async () => {
    const lfwDir = join(root, 'badlfw');
    await mkdir(join(lfwDir, 'lfw-deepfunneled', 'Person_A'), { recursive: true });
    await writeFile(join(lfwDir, 'lfw-deepfunneled', 'Person_A', 'Person_A_0001.jpg'), '');
    await writeFile(join(lfwDir, 'pairs.txt'), '1\t1\nPerson_A\t1\nPerson_A\t1\tPerson_A\t1\n');
    const args = parseBenchmarkArgs(['lfw', '--data', lfwDir, '--no-cache'], {}, root);
    await expect(runBenchmark(args)).rejects.toThrow(/pairs\.txt.*2/);
  });

  it('a folder without LFW → error saying what was expected', async () => {
    const args = parseBenchmarkArgs(['lfw', '--data', join(root, 'nowhere'), '--no-cache'], {}, root);
    await expect(runBenchmark(args)).rejects.toThrow(/no LFW folder under .*nowhere: expected .*lfw[/\\]pairs\.txt/);
  });
});
