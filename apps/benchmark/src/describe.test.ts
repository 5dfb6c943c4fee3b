import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@deepface-ts/kernels';
import { deepFaceConfig, DeepFaceModel, saveWeightsFile } from '@deepface-ts/network';
import { describe, expect, it } from 'vitest';
import { createDescriptor } from './describe';
import { verify } from './verification';

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
    expect(d.version).toMatch(/^deepface-deepface-20-f12-k3-[0-9a-f]{12}-3d$/);
    expect(d.signed).toBe(false); // normalised F7 is non-negative: χ² applies
    const img = { width: 40, height: 40, channels: 3 as const, data: Uint8Array.from({ length: 40 * 40 * 3 }, (_, i) => (i * 37) % 256) };
    const f = await d.describe(img, 'test'); // resized to 20×20 internally
    let ss = 0;
    for (const v of f) ss += v * v;
    expect(f.length).toBe(12);
    expect(Math.sqrt(ss)).toBeCloseTo(1, 5);
    expect(Array.from(await d.describe(img, 'again'))).toEqual(Array.from(f));

    await expect(createDescriptor('deepface', { model: join(tmpdir(), 'no-such-model.safetensors') })).rejects.toThrow(/no-such-model\.safetensors: DeepFace model file not found/);
    d.describer?.dispose();
  });
});

describe('--descriptor dlib (alias faceapi)', () => {
  it("gives unit-norm 128-D vectors of dlib's ResNet on 150×150 crops, signed so scored by cosine only", async () => {
    const d = await createDescriptor('dlib', { mirror: false });
    expect(d).toMatchObject({ name: 'dlib', inputSize: 150, dim: 128, signed: true });
    expect(d.binsPerCell).toBeUndefined();
    expect(d.version).toBe('dlib-resnet-v1-chip');
    expect((await createDescriptor('faceapi', { align: 'box', mirror: true })).version).toBe('dlib-resnet-v1-box-mirror');
    const image = (seed: number, size = 150) => ({ width: size, height: size, channels: 3 as const, data: Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * seed + (i >> 7)) % 256) });
    const f = await d.describe(image(37), 'a.jpg');
    expect(f).toHaveLength(128);
    expect(Math.hypot(...f)).toBeCloseTo(1, 5);
    expect(f.some((v) => v < 0)).toBe(true); // signed: χ² would be meaningless
    expect(Array.from(await d.describe(image(37), 'again'))).toEqual(Array.from(f));
    const g = await d.describe(image(11, 200), 'b.jpg'); // other content, other size (resized to 150)
    expect(Math.hypot(...g)).toBeCloseTo(1, 5);
    expect(f.reduce((s, v, i) => s + v * g[i]!, 0)).toBeLessThan(0.999);
    await expect(d.describe({ width: 150, height: 150, channels: 3, data: new Uint8Array(10) }, 'broken.jpg')).rejects.toThrow(/^broken\.jpg: .*data has 10 values/);

    // Verification scores such a descriptor by cosine only.
    const descriptors = new Map([['a', f], ['b', g], ['c', f]]);
    const pairs = [1, 2].flatMap((fold) => [{ path1: 'a', path2: 'c', same: true, fold }, { path1: 'a', path2: 'b', same: false, fold }]);
    const { metrics } = verify(pairs, descriptors, { chi2: !d.signed });
    expect(metrics.map((m) => m.name)).toEqual(['cosine']);
    expect(metrics[0]!.auc).toBe(1);
    expect(verify(pairs, descriptors).metrics.map((m) => m.name)).toEqual(['χ²', 'cosine']);
  });
});
