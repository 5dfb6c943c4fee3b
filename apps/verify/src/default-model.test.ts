import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsRoot, decodeImage, loadLfw } from '@deepface-ts/datasets';
import { chooseFace } from '@deepface-ts/frontalize';
import { decodeWeightsFile } from '@deepface-ts/network';
import { describe, expect, it } from 'vitest';
import { createDescriber, defaultModelPath, similarity } from '@deepface-ts/describer';

const lfwDir = join(datasetsRoot(), 'lfw');
const hasLfw = existsSync(join(lfwDir, 'pairsDevTest.txt'));
if (!hasLfw) console.warn(`apps/verify: LFW not found at ${lfwDir}; the shipped model's accuracy check is skipped (set DEEPFACE_DATASETS)`);

describe('the shipped DeepFace model (--descriptor deepface)', () => {
  it('is a float16 DeepFace model with its F7 maxima, a calibrated threshold and its training record', () => {
    const content = decodeWeightsFile(readFileSync(defaultModelPath()), defaultModelPath());
    expect(content.storedDtype).toBe('float16');
    expect(content.config.inputSize).toBe(76);
    expect(content.tensors.get('representation.max')?.length).toBe(512);
    const t = Number(content.metadata.verify_threshold);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(1);
    expect(content.metadata.command).toMatch(/^pnpm train /);
    expect(content.metadata.verify_threshold_source).toMatch(/pairsDevTrain/);
  });

  // LFW View 1's *test* pairs: the threshold was calibrated on its training pairs, and the model
  // never saw an LFW person. 30 same + 30 different pairs, the first of each in the file.
  it.skipIf(!hasLfw)('separates LFW View 1 test pairs it was not calibrated on', async () => {
    const lfw = loadLfw(lfwDir);
    const pairs = lfw.view1().test;
    const chosen = [...pairs.filter((p) => p.same).slice(0, 30), ...pairs.filter((p) => !p.same).slice(0, 30)];
    const verifier = await createDescriber({ descriptor: 'deepface' });
    try {
      const feature = async (path: string) => {
        const image = await decodeImage(path);
        // LFW images are centred on their subject: the face nearest the centre.
        return chooseFace(await verifier.describeImage(image, path), 'nearest-centre', image.width, image.height)?.feature;
      };
      let correct = 0;
      let scored = 0;
      const same: number[] = [];
      const different: number[] = [];
      for (const p of chosen) {
        const [a, b] = [await feature(p.path1), await feature(p.path2)];
        if (!a || !b) continue;
        const s = similarity(a, b);
        (p.same ? same : different).push(s);
        if (s >= verifier.threshold === p.same) correct++;
        scored++;
      }
      const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
      expect(scored).toBeGreaterThanOrEqual(57);
      expect(mean(same)).toBeGreaterThan(mean(different) + 0.1);
      expect(correct / scored).toBeGreaterThan(0.7); // chance 0.5; the model reaches ~0.8 on View 2
    } finally {
      verifier.dispose();
    }
  }, 120_000);
});
