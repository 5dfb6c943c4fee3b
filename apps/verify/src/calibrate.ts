/**
 * Calibrates the verification threshold of a model on held-out pairs and stores it in the
 * model file's metadata (`verify_threshold`, `verify_threshold_source`).
 *
 * The pairs are LFW View 1's training pairs (pairsDevTrain.txt, 1,100 same + 1,100 different):
 * the development view LFW provides for choosing parameters, never the View 2 test folds.
 * The threshold is the midpoint between adjacent scores that maximises accuracy.
 *
 *   pnpm --filter @deepface-ts/verify-app calibrate [--model <file>] [--data <datasets dir>] [--limit N]
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { datasetsRoot, decodeImage, loadLfw } from '@deepface-ts/datasets';
import { chooseFace } from '@deepface-ts/frontalize';
import { decodeWeightsFile, saveWeightsFile } from '@deepface-ts/network';
import { createProgress } from '@deepface-ts/progress';
import { cosine, createVerifier, defaultModelPath } from './verifier';

/** Threshold maximising accuracy (ties → the lowest such threshold), with that accuracy. */
export function bestThreshold(scores: Float64Array, same: Uint8Array): { threshold: number; accuracy: number } {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]!);
  const positives = same.reduce((a, b) => a + b, 0);
  // threshold below everything: all "same" → accuracy = positives / n
  let correct = positives;
  let best = { threshold: scores[order[0]!]! - 1e-6, accuracy: correct / scores.length };
  for (let k = 0; k < order.length; k++) {
    correct += same[order[k]!] ? -1 : 1; // this pair moves to "different"
    if (k + 1 < order.length && scores[order[k + 1]!] === scores[order[k]!]) continue; // ties move together
    const t = k + 1 < order.length ? (scores[order[k]!]! + scores[order[k + 1]!]!) / 2 : scores[order[k]!]! + 1e-6;
    if (correct / scores.length > best.accuracy) best = { threshold: t, accuracy: correct / scores.length };
  }
  return best;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const modelPath = resolve(userDir, flag('--model', defaultModelPath()));
  const data = resolve(userDir, flag('--data', datasetsRoot()));
  const limit = Number(flag('--limit', '0'));
  const lfw = loadLfw(join(data, 'lfw'));
  let pairs = lfw.view1().train;
  if (limit > 0) pairs = pairs.filter((_, i) => i % Math.ceil(pairs.length / limit) === 0);
  const verifier = await createVerifier({ modelPath, threshold: 0 });
  const features = new Map<string, Float32Array | null>();
  const paths = [...new Set(pairs.flatMap((p) => [p.path1, p.path2]))];
  const bar = createProgress({ label: 'LFW View 1 train images', total: paths.length, unit: 'img' });
  for (const path of paths) {
    try {
      const image = await decodeImage(path);
      // LFW images are centred on their subject: take the face nearest the centre.
      const best = chooseFace(await verifier.faces(image, path), 'nearest-centre', image.width, image.height);
      features.set(path, best ? best.feature : null);
    } catch {
      features.set(path, null);
    }
    bar.tick();
  }
  bar.done();
  const usable = pairs.filter((p) => features.get(p.path1) && features.get(p.path2));
  const scores = Float64Array.from(usable, (p) => cosine(features.get(p.path1)!, features.get(p.path2)!));
  const same = Uint8Array.from(usable, (p) => (p.same ? 1 : 0));
  const { threshold, accuracy } = bestThreshold(scores, same);
  verifier.dispose();
  const content = decodeWeightsFile(await readFile(modelPath), modelPath);
  const source = `LFW View 1 pairsDevTrain.txt: ${usable.length} of ${pairs.length} pairs with faces found, accuracy ${accuracy.toFixed(4)} at this threshold`;
  await saveWeightsFile(
    modelPath,
    { ...content, metadata: { ...content.metadata, verify_threshold: threshold.toFixed(6), verify_threshold_source: source } },
    content.storedDtype ?? 'float32',
  );
  console.error(source);
  console.log(JSON.stringify({ model: modelPath, threshold: +threshold.toFixed(6), calibration_accuracy: +accuracy.toFixed(4), pairs: usable.length }));
}

if (process.argv[1] && /calibrate\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
