/**
 * A synthetic PIPER dataset for tests and the fusion benchmark: identities with a weak global cue on
 * every instance and a strong but sparse "face" cue (fires on a random fraction of instances,
 * independent of identity, as poselet firing is in PIPA).
 */
import type { PiperDataset } from './protocols';
import { createRandom } from './rng';

export interface SyntheticOptions {
  identities: number;
  perIdentity: number;
  d?: number;
  globalNoise?: number;
  faceNoise?: number;
  faceFireRate?: number;
  seed?: number;
}

export function syntheticDataset(o: SyntheticOptions): PiperDataset {
  const rand = createRandom(o.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const d = o.d ?? 8;
  const n = o.identities * o.perIdentity;
  const centres = (count: number) => Float32Array.from({ length: count * d }, () => gauss());
  const gC = centres(o.identities);
  const fC = centres(o.identities);
  const identities = new Int32Array(n);
  const gX = new Float32Array(n * d);
  const fX = new Float32Array(n * d);
  const fFires = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const id = Math.floor(j / o.perIdentity);
    identities[j] = id;
    fFires[j] = rand() < (o.faceFireRate ?? 0.5) ? 1 : 0;
    for (let k = 0; k < d; k++) {
      gX[j * d + k] = gC[id * d + k] + (o.globalNoise ?? 1.2) * gauss();
      fX[j * d + k] = fFires[j] ? fC[id * d + k] + (o.faceNoise ?? 0.3) * gauss() : 0;
    }
  }
  return {
    identities,
    parts: [
      { name: 'global', X: gX, d, fires: new Uint8Array(n).fill(1) },
      { name: 'face', X: fX, d, fires: fFires },
    ],
  };
}
