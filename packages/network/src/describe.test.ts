import { initBackend, tf } from '@deepface-ts/kernels';
import { createTemplate } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';
import { mulberry32 } from '@deepface-ts/random';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig } from './config';
import { createFaceDescriber, describeCrops } from './describe';
import { DeepFaceModel } from './model';
import { normaliseRepresentation } from './representation';

const config = deepFaceConfig({ inputSize: 20, f7: 16, numClasses: 3, c1Filters: 4, c3Filters: 4, localFilters: 3, kernels: { c1: 3, c3: 3, l4: 2, l5: 2, l6: 2 } });

function randomCrop(seed: number, size = 20): RgbImage<Uint8Array> {
  const rng = mulberry32(seed);
  return { width: size, height: size, channels: 3, data: Uint8Array.from({ length: size * size * 3 }, () => rng.nextUint32() & 255) };
}

describe('describeCrops', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('equals forward → normalise row by row, whatever the batch size; norms are ‖F7‖', async () => {
    const model = DeepFaceModel.create(config, { seed: 3 });
    model.representationMax = Float32Array.from({ length: 16 }, (_, i) => 0.02 + i * 0.1); // some below the ε floor
    const crops = [1, 2, 3, 4, 5].map((s) => randomCrop(s));
    const all = await describeCrops(model, crops, { batchSize: 2 });
    const one = await describeCrops(model, crops, { batchSize: 32 });
    expect(all.features.length).toBe(5);
    for (const [i, crop] of crops.entries()) {
      const x = new Float32Array(20 * 20 * 3);
      for (let k = 0; k < x.length; k++) x[k] = crop.data[k]! / 127.5 - 1;
      const f7 = await model.representation(tf.tensor4d(x, [1, 20, 20, 3]));
      const want = normaliseRepresentation(f7, model.representationMax);
      for (let k = 0; k < 16; k++) {
        expect(all.features[i]![k]).toBeCloseTo(want[k]!, 5);
        expect(one.features[i]![k]).toBeCloseTo(want[k]!, 5);
      }
      expect(all.norms[i]).toBeCloseTo(Math.hypot(...f7), 4);
    }
    model.dispose();
  });

  it('clear errors: no maxima, wrong crop size, bad batch size', async () => {
    const model = DeepFaceModel.create(config, { seed: 3 });
    await expect(describeCrops(model, [randomCrop(1)])).rejects.toThrow(/no representation\.max/);
    model.representationMax = new Float32Array(16).fill(1);
    await expect(describeCrops(model, [randomCrop(1, 24)])).rejects.toThrow(/crop 0: crop is 24×24, the network expects 20×20/);
    await expect(describeCrops(model, [randomCrop(1)], { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer ≥ 1/);
    model.dispose();
  });
});

describe('createFaceDescriber', () => {
  it('frontalizes every found face to the input size and describes it; a face that cannot be frontalized is reported and skipped', async () => {
    await initBackend('wasm');
    const model = DeepFaceModel.create(config, { seed: 4 });
    model.representationMax = new Float32Array(16).fill(1);
    // A frontal face's 68 points where the template puts them in a 100×100 crop, on a random image.
    const image = randomCrop(9, 100);
    const good = { box: { x: 10, y: 10, width: 80, height: 80 }, landmarks: Float32Array.from(createTemplate({ size: 100 }).landmarks), score: 0.9 };
    const bad = { box: { x: 0, y: 0, width: 10, height: 10 }, landmarks: new Float32Array(136), score: 0.1 }; // all points equal: degenerate
    const skipped: string[] = [];
    const describer = createFaceDescriber(model, { detect: async () => [good, bad] }, { onSkip: (src, f, e) => skipped.push(`${src} ${f.score}: ${e.message}`) });
    const out = await describer.describe(image, 'synthetic.png');
    expect(out.length).toBe(1);
    expect(out[0]!.face.score).toBe(0.9); // the finder's own fields come through
    expect(out[0]!.crop.width).toBe(20);
    expect(Math.abs(out[0]!.yaw)).toBeLessThan(5); // the template's own frontal layout
    expect(Math.hypot(...out[0]!.feature)).toBeCloseTo(1, 5);
    expect(skipped.length).toBe(1);
    expect(skipped[0]).toMatch(/^synthetic\.png 0\.1: /);
    model.dispose();
  });
});
