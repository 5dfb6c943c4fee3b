/**
 * Photo → face descriptor: decode → detect (largest face) → frontalize (DeepFace's 3D
 * alignment, 152×152) → root-LBP (uniform LBP, 7×7 cells, Hellinger) of the inner face →
 * centred by the gallery's mean descriptor and L2-normalised. LBP stands in for the DeepFace
 * representation until a trained network ships; the gallery does not care which.
 */
import { decodeImage } from '@deepface-ts/datasets';
import { createFaceDetector, type DetectedFace, type FaceDetector } from '@deepface-ts/detect';
import { createFrontalizer } from '@deepface-ts/frontalize';
import { lbpDescriptor } from '@deepface-ts/lbp';

export const FRONTAL_SIZE = 152;
/** The inner face of the 152×152 frontal crop (eyebrows to chin). */
const INNER = { x: 20, y: 24, width: 112, height: 120 };
const LBP_OPTIONS = { grid: [7, 7] as const, sqrt: true, crop: INNER };

export interface Describer {
  /** Raw (uncentred) descriptor of the largest face in the photo; throws naming the file. */
  describe(path: string): Promise<Float32Array>;
  dispose(): void;
}

export async function createDescriber(detector?: FaceDetector): Promise<Describer> {
  const det = detector ?? (await createFaceDetector());
  const frontalizer = createFrontalizer();
  return {
    async describe(path: string) {
      const image = await decodeImage(path);
      let face: DetectedFace | undefined;
      for (const f of await det.detect(image)) if (!face || f.box.width * f.box.height > face.box.width * face.box.height) face = f;
      if (!face) throw new Error(`${path}: no face found`);
      const frontal = frontalizer.frontalize(image, face.landmarks, { dtype: 'uint8', source: path });
      return lbpDescriptor(frontal.image, LBP_OPTIONS, path);
    },
    dispose() {
      if (!detector) det.dispose();
    },
  };
}

/** (x − mean) / ‖x − mean‖: root-LBP histograms share a large common part that cosine would see first. */
export function centre(raw: Float32Array, mean: Float32Array): Float32Array {
  if (raw.length !== mean.length) throw new Error(`descriptor length ${raw.length} ≠ gallery mean length ${mean.length}`);
  const out = new Float32Array(raw.length);
  let ss = 0;
  for (let j = 0; j < raw.length; j++) {
    out[j] = raw[j] - mean[j];
    ss += out[j] * out[j];
  }
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  for (let j = 0; j < raw.length; j++) out[j] *= inv;
  return out;
}
