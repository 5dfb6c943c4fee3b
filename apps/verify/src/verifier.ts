/**
 * The verification pipeline, image to decision: detect every face (SSD + 68 landmarks),
 * frontalize it to the network's input size, run the DeepFace network, normalise F7 by the
 * training-set maxima and L2 (the paper's descriptor), and compare by cosine similarity.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createFaceDetector, type FaceBox, type FaceDetector } from '@deepface-ts/detect';
import type { RgbImage } from '@deepface-ts/image';
import { initBackend } from '@deepface-ts/kernels';
import { createFaceDescriber, DeepFaceModel, loadWeightsFile } from '@deepface-ts/network';

export interface VerifiedFace {
  box: FaceBox;
  score: number;
  landmarks: Float32Array;
  /** The frontalized crop the network saw. */
  crop: RgbImage<Uint8Array>;
  /** Normalised descriptor (unit L2 norm). */
  feature: Float32Array;
  /** ‖F7‖₂ before normalisation: the web-scale paper's confidence read-out (low = unsure). */
  norm: number;
  /** Yaw of the fitted 3D camera, degrees. */
  yaw: number;
}

export interface Verifier {
  readonly model: DeepFaceModel;
  /** Decision threshold on cosine similarity, and where it came from. */
  readonly threshold: number;
  readonly thresholdSource: string;
  faces(image: RgbImage<Uint8Array>, source?: string): Promise<VerifiedFace[]>;
  dispose(): void;
}

/** The default model shipped with @deepface-ts/network (see its README for how it was trained). */
export function defaultModelPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@deepface-ts/network/package.json')), 'models', 'deepface-default.safetensors');
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export async function createVerifier(options: { modelPath?: string; threshold?: number; backend?: 'wasm' | 'cpu' } = {}): Promise<Verifier> {
  const modelPath = options.modelPath ?? defaultModelPath();
  if (!existsSync(modelPath)) {
    throw new Error(`${modelPath}: model file not found. Train one with \`pnpm train …\` (apps/train) or pass --model <file.safetensors>.`);
  }
  await initBackend(options.backend ?? 'wasm');
  const weights = await loadWeightsFile(modelPath);
  const model = DeepFaceModel.fromWeights(weights);
  if (!model.representationMax) throw new Error(`${modelPath}: the model has no representation.max (F7 normalisation maxima); it was not finalised by the trainer`);
  const stored = weights.metadata.verify_threshold;
  const threshold = options.threshold ?? (stored !== undefined ? Number(stored) : NaN);
  if (!Number.isFinite(threshold)) {
    throw new Error(`${modelPath}: no calibrated threshold in the model (metadata.verify_threshold); run \`pnpm --filter @deepface-ts/verify-app calibrate\` or pass --threshold`);
  }
  const thresholdSource = options.threshold !== undefined ? 'given on the command line' : (weights.metadata.verify_threshold_source ?? 'model metadata');
  const detector: FaceDetector = await createFaceDetector({ backend: options.backend ?? 'wasm' });
  // detect → 3D-frontalize to the input size → F7 → normalise, batched: @deepface-ts/network.
  const describer = createFaceDescriber(model, detector, {
    onSkip: (source, face, e) => console.error(`${source}: face at (${face.box.x.toFixed(0)}, ${face.box.y.toFixed(0)}) skipped: ${e.message}`),
  });

  return {
    model,
    threshold,
    thresholdSource,
    async faces(image, source = 'image') {
      const described = await describer.describe(image, source);
      return described.map(({ face, crop, feature, norm, yaw }) => ({ box: face.box, score: face.score, landmarks: face.landmarks, crop, feature, norm, yaw }));
    },
    dispose() {
      detector.dispose();
      model.dispose();
    },
  };
}
