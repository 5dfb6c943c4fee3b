/**
 * Speed of detection and landmarks on 250×250 LFW images, single thread.
 *
 *   pnpm --filter @deepface-ts/detect bench [images=20]
 *
 * detect_ms: detectBoxes() per image (pre-processing, network, decoding, NMS);
 * landmarks_ms: landmarks() per face (crop, network, post-processing). Wall time, plus the
 * process CPU time of the same calls (*_cpu_ms), which contention inflates much less. Median over the
 * images after warm-up runs. Default input size is 'auto' (256 for these images);
 * 512 / 416 are face-api's fixed sizes. Baseline in the same run: the same work on tfjs's pure-JS cpu
 * backend (fewer images, it is slow). Prints a table, then one JSON line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createProgress } from '@deepface-ts/progress';
import { createFaceDetector, type FaceDetectorOptions } from '../src/index';
import { decodeAll, lfwSample, median, requireLfw } from './lfw';

requireLfw();
const count = Number(process.argv[2] ?? 20);
const images = (await decodeAll(lfwSample(count))).map((d) => d.image);

interface Row { config: string; backend: string; detect_ms: number; landmarks_ms: number; detect_cpu_ms: number; landmarks_cpu_ms: number; images: number }

/** Process CPU time in ms (user + system). On a shared machine this tracks the work done far better than wall time. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const rows: Row[] = [];

async function measure(config: string, opts: FaceDetectorOptions, n: number, WARMUP: number) {
  const det = await createFaceDetector(opts);
  const imgs = images.slice(0, n);
  const progress = createProgress({ label: `${config} ${opts.backend}`, total: WARMUP + imgs.length, unit: 'img' });
  const boxes = [];
  for (let i = 0; i < WARMUP; i++) {
    boxes.push(await det.detectBoxes(imgs[i % imgs.length]!));
    progress.tick();
  }
  const detectMs: number[] = [];
  const landmarkMs: number[] = [];
  const detectCpu: number[] = [];
  const landmarkCpu: number[] = [];
  for (const img of imgs) {
    let t0 = performance.now();
    let c0 = cpuMs();
    const found = await det.detectBoxes(img);
    detectMs.push(performance.now() - t0);
    detectCpu.push(cpuMs() - c0);
    // Landmarks on the detector's best box (or a centred box when nothing was found).
    const box = found[0]?.box ?? { x: 65, y: 65, width: 120, height: 120 };
    t0 = performance.now();
    c0 = cpuMs();
    await det.landmarks(img, box);
    landmarkMs.push(performance.now() - t0);
    landmarkCpu.push(cpuMs() - c0);
    progress.tick();
  }
  progress.done();
  det.dispose();
  rows.push({ config, backend: opts.backend!, detect_ms: median(detectMs), landmarks_ms: median(landmarkMs), detect_cpu_ms: median(detectCpu), landmarks_cpu_ms: median(landmarkCpu), images: imgs.length });
}

const configs: [string, FaceDetectorOptions][] = [
  ['ssd auto', { detector: 'ssd' }],
  ['ssd 512', { detector: 'ssd', inputSize: 512 }],
  ['ssd 128', { detector: 'ssd', inputSize: 128 }],
  ['tiny auto', { detector: 'tiny' }],
  ['tiny 416', { detector: 'tiny', inputSize: 416 }],
];
for (const [name, o] of configs) await measure(name, { ...o, backend: 'wasm' }, images.length, 3);
const baselineImages = Math.min(2, images.length);
// The cpu baseline runs the default ('auto') configurations only: at 512 it takes seconds per image.
for (const [name, o] of configs.filter(([n]) => n.endsWith('auto'))) await measure(name, { ...o, backend: 'cpu' }, baselineImages, 1);

console.log(`\n250×250 LFW images, single thread, median after warm-up (wasm: 3 runs, cpu: 1) (timings on a shared machine are noisy)`);
console.log('(wall = elapsed time; cpu = this process\'s CPU time, which other jobs on the machine inflate much less)');
console.log('config       backend  images  detect ms (wall / cpu)  landmarks ms (wall / cpu)');
for (const r of rows) {
  console.log(`${r.config.padEnd(12)} ${r.backend.padEnd(8)} ${String(r.images).padStart(6)} ${r.detect_ms.toFixed(1).padStart(12)} / ${r.detect_cpu_ms.toFixed(1).padStart(7)} ${r.landmarks_ms.toFixed(1).padStart(14)} / ${r.landmarks_cpu_ms.toFixed(1).padStart(7)}`);
}
const get = (config: string, backend: string) => rows.find((r) => r.config === config && r.backend === backend)!;
const summary = {
  backend: 'wasm',
  threads: 1,
  images: images.length,
  detect_ms: { ssd: +get('ssd auto', 'wasm').detect_ms.toFixed(2), tiny: +get('tiny auto', 'wasm').detect_ms.toFixed(2), ssd_512: +get('ssd 512', 'wasm').detect_ms.toFixed(2), ssd_128: +get('ssd 128', 'wasm').detect_ms.toFixed(2), tiny_416: +get('tiny 416', 'wasm').detect_ms.toFixed(2) },
  landmarks_ms: +median(rows.filter((r) => r.backend === 'wasm').map((r) => r.landmarks_ms)).toFixed(2),
  detect_cpu_ms: { ssd: +get('ssd auto', 'wasm').detect_cpu_ms.toFixed(2), tiny: +get('tiny auto', 'wasm').detect_cpu_ms.toFixed(2), ssd_512: +get('ssd 512', 'wasm').detect_cpu_ms.toFixed(2), ssd_128: +get('ssd 128', 'wasm').detect_cpu_ms.toFixed(2), tiny_416: +get('tiny 416', 'wasm').detect_cpu_ms.toFixed(2) },
  landmarks_cpu_ms: +median(rows.filter((r) => r.backend === 'wasm').map((r) => r.landmarks_cpu_ms)).toFixed(2),
  cpu_baseline: {
    images: baselineImages,
    detect_ms: { ssd: +get('ssd auto', 'cpu').detect_ms.toFixed(1), tiny: +get('tiny auto', 'cpu').detect_ms.toFixed(1) },
    landmarks_ms: +median(rows.filter((r) => r.backend === 'cpu').map((r) => r.landmarks_ms)).toFixed(1),
  },
  speedup_vs_cpu: {
    ssd: +(get('ssd auto', 'cpu').detect_ms / get('ssd auto', 'wasm').detect_ms).toFixed(1),
    tiny: +(get('tiny auto', 'cpu').detect_ms / get('tiny auto', 'wasm').detect_ms).toFixed(1),
  },
  tensors_after: tf.memory().numTensors,
};
console.log(JSON.stringify(summary));
