/**
 * `pnpm verify a.jpg b.jpg`: are these the same person? Prints the cosine similarity of the
 * two largest faces' DeepFace descriptors, the decision at the model's calibrated threshold,
 * and each face's confidence (the F7 norm).
 *
 * `pnpm verify` with no photos runs on an embedded default, the six sample photos that
 * @vladmandic/face-api ships: every face is found, frontalized and described, and an HTML
 * report with the crops and the similarity matrix is written (`--report`, default
 * verify-report.html in the current folder).
 *
 * Options: --model <file.safetensors> (default: the model shipped with @deepface-ts/network),
 * --threshold <t>, --report <file.html>, --backend wasm|cpu. The last stdout line is JSON.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { decodeImage } from '@deepface-ts/datasets';
import { chooseFace } from '@deepface-ts/frontalize';
import { writeReport } from './report';
import { cosine, createVerifier, type VerifiedFace } from './verifier';

function embeddedSamples(): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@deepface-ts/detect/package.json'));
  const faceApi = dirname(createRequire(join(root, 'package.json')).resolve('@vladmandic/face-api/package.json'));
  return [1, 2, 3, 4, 5, 6].map((i) => join(faceApi, 'demo', `sample${i}.jpg`));
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const userDir = process.env.INIT_CWD ?? process.cwd();
  const options = new Map<string, string>();
  const photos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith('--')) options.set(args[i]!, args[++i] ?? '');
    else photos.push(resolve(userDir, args[i]!));
  }
  if (photos.length === 1 || photos.length > 2) {
    console.error('usage: pnpm verify <a.jpg> <b.jpg>   (or no photos: the embedded sample set and an HTML report)');
    process.exit(2);
  }
  const threshold = options.has('--threshold') ? Number(options.get('--threshold')) : undefined;
  const verifier = await createVerifier({
    modelPath: options.has('--model') ? resolve(userDir, options.get('--model')!) : undefined,
    threshold,
    backend: (options.get('--backend') as 'wasm' | 'cpu' | undefined) ?? 'wasm',
  });

  if (photos.length === 2) {
    const faces: VerifiedFace[] = [];
    for (const photo of photos) {
      const found = await verifier.faces(await decodeImage(photo), photo);
      const face = chooseFace(found, 'largest', 0, 0); // the photo's subject
      if (!face) {
        console.error(`${photo}: no face found`);
        process.exit(1);
      }
      faces.push(face);
    }
    const [a, b] = faces as [VerifiedFace, VerifiedFace];
    const similarity = cosine(a.feature, b.feature);
    const same = similarity >= verifier.threshold;
    console.log(`similarity ${similarity.toFixed(4)} (threshold ${verifier.threshold.toFixed(4)}, ${verifier.thresholdSource})`);
    console.log(`decision   ${same ? 'SAME person' : 'DIFFERENT people'}`);
    console.log(`confidence ‖F7‖ ${a.norm.toFixed(1)} and ${b.norm.toFixed(1)}`);
    console.log(JSON.stringify({ similarity: +similarity.toFixed(6), threshold: verifier.threshold, same, norms: [+a.norm.toFixed(3), +b.norm.toFixed(3)], ms: Math.round(performance.now() - started) }));
    verifier.dispose();
    return;
  }

  // The embedded default: every face in the six sample photos.
  const labelled: { label: string; face: VerifiedFace }[] = [];
  for (const [i, photo] of embeddedSamples().entries()) {
    const found = await verifier.faces(await decodeImage(photo), photo);
    found.sort((p, q) => p.box.x - q.box.x);
    found.forEach((face, k) => labelled.push({ label: `sample${i + 1}${found.length > 1 ? String.fromCharCode(97 + k) : ''}`, face }));
  }
  const n = labelled.length;
  const sim = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sim[i * n + j] = cosine(labelled[i]!.face.feature, labelled[j]!.face.feature);
  const report = resolve(userDir, options.get('--report') ?? 'verify-report.html');
  await writeReport(
    report,
    labelled.map(({ label, face }) => ({ label, crop: face.crop, norm: face.norm, yaw: face.yaw })),
    sim,
    verifier.threshold,
    'deepface-ts verify: face-api sample photos',
  );
  const width = Math.max(...labelled.map((l) => l.label.length), 6);
  console.log(`${n} faces in 6 photos; similarity (threshold ${verifier.threshold.toFixed(3)}):`);
  console.log(''.padEnd(width) + labelled.map((l) => l.label.padStart(9)).join(''));
  for (let i = 0; i < n; i++) console.log(labelled[i]!.label.padEnd(width) + labelled.map((_, j) => (i === j ? '—' : sim[i * n + j]!.toFixed(3)).padStart(9)).join(''));
  console.log(`report: ${report}`);
  let matches = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (sim[i * n + j]! >= verifier.threshold) matches++;
  console.log(JSON.stringify({ faces: n, photos: 6, pairs_above_threshold: matches, threshold: verifier.threshold, report, ms: Math.round(performance.now() - started) }));
  verifier.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
