import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { DeepFaceModel, defaultTrainingConfig, saveWeightsFile } from '@deepface-ts/network';
import { describe, expect, it } from 'vitest';
import { bestThreshold } from './calibrate';

const app = join(__dirname, 'main.ts');
const run = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', app, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('bestThreshold', () => {
  it('picks the accuracy-maximising midpoint, hand-computed', () => {
    // scores: diff 0.1, 0.2; same 0.3, 0.9; diff 0.5 → best split between 0.3 and 0.5? no:
    // t in (0.2, 0.3): correct = 2 diff + 2 same = 4 of 5; t in (0.5, 0.9): 3 diff + 1 same = 4 of 5
    const r = bestThreshold(Float64Array.from([0.1, 0.2, 0.3, 0.9, 0.5]), Uint8Array.from([0, 0, 1, 1, 0]));
    expect(r.accuracy).toBeCloseTo(0.8, 10);
    expect(r.threshold).toBeCloseTo(0.25, 10); // the lowest of the tied best thresholds
    // perfectly separable
    expect(bestThreshold(Float64Array.from([0.1, 0.9]), Uint8Array.from([0, 1]))).toEqual({ threshold: 0.5, accuracy: 1 });
  });
});

describe('pnpm verify (plumbing, with an untrained model)', () => {
  it('compares two photos and writes a report for the embedded samples', async () => {
    await initBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'verify-app-'));
    const model = DeepFaceModel.create(defaultTrainingConfig(5), { seed: 1 });
    model.representationMax = new Float32Array(model.representationSize).fill(1);
    const modelPath = join(dir, 'm.safetensors');
    await saveWeightsFile(modelPath, model.toWeights({ verify_threshold: '0.5' }), 'float16');
    model.dispose();

    const out = run(['--model', modelPath, '--report', join(dir, 'r.html')]);
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result.photos).toBe(6);
    expect(result.faces).toBeGreaterThanOrEqual(6);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html.match(/<figure>/g)!.length).toBe(result.faces);
    expect(html).toContain('Similarity matrix');

    expect(() => run(['--model', join(dir, 'missing.safetensors')])).toThrow(/missing\.safetensors: model file not found/);
  });
});
