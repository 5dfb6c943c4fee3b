/**
 * Inference: images → normalised DeepFace descriptors, batched.
 *
 * - `describeCrops`: frontalized crops of the model's input size → F7 → divided by the
 *   training maxima (ε 0.05) → L2-normalised, with ‖F7‖ as the confidence read-out.
 * - `createFaceDescriber`: raw images → every face (an injected finder, e.g.
 *   `@deepface-ts/detect`'s FaceDetector, so this package needs no detector) → 3D-frontalized
 *   to the input size (`@deepface-ts/frontalize`) → `describeCrops`.
 */
import type { Image, RgbImage } from '@deepface-ts/image';
import { tf } from '@deepface-ts/kernels';
import { createFrontalizer, createTemplate, type FoundFace } from '@deepface-ts/frontalize';
import { cropsToBatch } from './input';
import { ModelError, type DeepFaceModel } from './model';
import { normaliseRepresentation } from './representation';
import type { DistillProjection } from './distill';

export interface CropDescriptors {
  /** One unit-norm descriptor per crop. */
  features: Float32Array[];
  /** ‖F7‖₂ per crop before normalisation: the web-scale paper's confidence (low = unsure). */
  norms: Float32Array;
}

/** Describes crops (each inputSize × inputSize RGB) in batches of `batchSize`. */
export async function describeCrops(model: DeepFaceModel, crops: readonly Image[], options: { batchSize?: number } = {}): Promise<CropDescriptors> {
  const { batchSize = 32 } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`describeCrops: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const maxima = model.representationMax;
  if (!maxima) throw new ModelError(`${model.config.name}: no representation.max (F7 normalisation maxima); compute them over the training set (ComponentMaxima) first`);
  const size = model.config.inputSize;
  const dim = model.representationSize;
  const features: Float32Array[] = [];
  const norms = new Float32Array(crops.length);
  for (let start = 0; start < crops.length; start += batchSize) {
    const batch = crops.slice(start, start + batchSize);
    const x = tf.tensor4d(cropsToBatch(batch, size, model.config.inputMode), [batch.length, size, size, 3]);
    let f7: Float32Array;
    try {
      f7 = await model.representation(x);
    } finally {
      x.dispose();
    }
    const normalised = normaliseRepresentation(f7, maxima);
    for (let i = 0; i < batch.length; i++) {
      let ss = 0;
      for (let k = i * dim; k < (i + 1) * dim; k++) ss += f7[k]! * f7[k]!;
      norms[start + i] = Math.sqrt(ss);
      features.push(normalised.slice(i * dim, (i + 1) * dim));
    }
  }
  return { features, norms };
}

/**
 * Describes crops by the distillation projection instead of normalised F7: ŝ = P·f7 (+ b),
 * L2-normalised: the student's estimate of the teacher's descriptor, comparable by cosine.
 * `norms` are ‖P·f7 + b‖₂ before normalisation.
 */
export async function describeCropsProjected(model: DeepFaceModel, projection: DistillProjection, crops: readonly Image[], options: { batchSize?: number } = {}): Promise<CropDescriptors> {
  const { batchSize = 32 } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`describeCropsProjected: batchSize must be an integer ≥ 1, got ${batchSize}`);
  if (projection.inputSize !== model.representationSize) throw new ModelError(`${model.config.name}: the projection takes ${projection.inputSize} inputs, F7 has ${model.representationSize}`);
  const size = model.config.inputSize;
  const d = projection.outputSize;
  const features: Float32Array[] = [];
  const norms = new Float32Array(crops.length);
  for (let start = 0; start < crops.length; start += batchSize) {
    const batch = crops.slice(start, start + batchSize);
    const raw = tf.tidy(() => {
      const x = tf.tensor4d(cropsToBatch(batch, size, model.config.inputMode), [batch.length, size, size, 3]);
      const { f7 } = model.forward(x, { training: false });
      return projection.apply(f7 as tf.Tensor2D).dataSync() as Float32Array;
    });
    for (let i = 0; i < batch.length; i++) {
      const row = raw.slice(i * d, (i + 1) * d);
      let ss = 0;
      for (let k = 0; k < d; k++) ss += row[k]! * row[k]!;
      const norm = Math.sqrt(ss);
      norms[start + i] = norm;
      const inv = norm > 0 ? 1 / norm : 0;
      for (let k = 0; k < d; k++) row[k]! *= inv;
      features.push(row);
    }
  }
  return { features, norms };
}

/** A face found in a raw image, its frontalized crop and its descriptor. */
export interface DescribedFace<F extends FoundFace = FoundFace> {
  /** What the finder returned (box, landmarks, and whatever else it carries, e.g. a score). */
  face: F;
  /** The 3D-frontalized crop the network saw. */
  crop: RgbImage<Uint8Array>;
  /** Unit-norm descriptor. */
  feature: Float32Array;
  /** ‖F7‖₂ before normalisation. */
  norm: number;
  /** Yaw of the fitted 3D camera, degrees. */
  yaw: number;
}

export interface FaceDescriber<F extends FoundFace> {
  /** Every face of the image, described (one batched network run). Faces whose frontalization fails are reported to `onSkip` and left out. */
  describe(image: RgbImage<Uint8Array>, source?: string): Promise<DescribedFace<F>[]>;
}

export function createFaceDescriber<F extends FoundFace>(
  model: DeepFaceModel,
  finder: { detect(image: RgbImage<Uint8Array>): Promise<F[]> },
  options: { onSkip?: (source: string, face: F, error: Error) => void } = {},
): FaceDescriber<F> {
  const frontalizer = createFrontalizer(createTemplate({ size: model.config.inputSize }));
  return {
    async describe(image, source = 'image') {
      const kept: { face: F; crop: RgbImage<Uint8Array>; yaw: number }[] = [];
      for (const face of await finder.detect(image)) {
        try {
          const f = frontalizer.frontalize(image, face.landmarks, { dtype: 'uint8', source });
          kept.push({ face, crop: f.image as RgbImage<Uint8Array>, yaw: f.pose.yaw });
        } catch (e) {
          options.onSkip?.(source, face, e as Error);
        }
      }
      if (kept.length === 0) return [];
      const { features, norms } = await describeCrops(model, kept.map((k) => k.crop));
      return kept.map((k, i) => ({ ...k, feature: features[i]!, norm: norms[i]! }));
    },
  };
}
