import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { deepFaceConfig, DeepFaceModel, saveWeightsFile } from '@deepface-ts/network';
import { describe, expect, it } from 'vitest';
import { createDescriptor } from './describe';

describe('--descriptor deepface', () => {
  it('gives unit-norm max-normalised F7 vectors at the model input size, keyed by the weights', async () => {
    await initBackend('wasm');
    const config = deepFaceConfig({ inputSize: 20, f7: 12, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });
    const model = DeepFaceModel.create(config, { seed: 2 });
    model.representationMax = new Float32Array(12).fill(0.5);
    const path = join(mkdtempSync(join(tmpdir(), 'bench-deepface-')), 'm.safetensors');
    await saveWeightsFile(path, model.toWeights());
    model.dispose();

    const d = await createDescriptor('deepface', { model: path });
    expect(d.inputSize).toBe(20);
    expect(d.dim).toBe(12);
    expect(d.version).toMatch(/^deepface-deepface-20-f12-k3-[0-9a-f]{12}$/);
    const img = { width: 40, height: 40, channels: 3 as const, data: Uint8Array.from({ length: 40 * 40 * 3 }, (_, i) => (i * 37) % 256) };
    const f = d.describe(img, 'test'); // resized to 20×20 internally
    let ss = 0;
    for (const v of f) ss += v * v;
    expect(f.length).toBe(12);
    expect(Math.sqrt(ss)).toBeCloseTo(1, 5);
    expect(Array.from(d.describe(img, 'again'))).toEqual(Array.from(f));

    await expect(createDescriptor('deepface', { model: join(tmpdir(), 'no-such-model.safetensors') })).rejects.toThrow(/no-such-model\.safetensors: DeepFace model not found/);
  });
});
