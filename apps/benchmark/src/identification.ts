import { mulberry32, shuffleInPlace } from '@deepface-ts/datasets';
import { chiSquareDistance, cosineSimilarity } from '@deepface-ts/metrics';
import { createProgress } from '@deepface-ts/progress';

/** One LFW person: name and image count (images are numbered 1..count). */
export interface Person {
  name: string;
  images: number;
}

export interface ImageRef {
  name: string;
  /** 1-based image number. */
  index: number;
}

export interface ProbeGalleryLists {
  gallery: ImageRef[];
  probes: ImageRef[];
}

/** Published sizes (Best-Rowden et al. 2014, used by the web-scale paper). */
export const CLOSED_SET = { galleryIdentities: 4249, probes: 3143 } as const;
export const OPEN_SET = { galleryIdentities: 596, genuineProbes: 596, impostorProbes: 9491 } as const;

/**
 * Closed-set lists, generated reproducibly (the original lists are not public here):
 * 1. people sorted by name, shuffled with mulberry32(seed);
 * 2. walking that order over people with ≥ 2 images, each one enrols a random image in the
 *    gallery and all its other images become probes, until 3,143 probes (the last person's
 *    probes are cut to make the count exact);
 * 3. the gallery is filled to 4,249 identities with one random image of further people in the
 *    same shuffled order (any image count).
 */
export function closedSetLists(people: readonly Person[], seed: number, sizes: { galleryIdentities: number; probes: number } = CLOSED_SET): ProbeGalleryLists {
  const rng = mulberry32(seed);
  const order = shuffleInPlace([...people].sort((a, b) => a.name.localeCompare(b.name)), rng);
  const gallery: ImageRef[] = [];
  const probes: ImageRef[] = [];
  const enrolled = new Set<string>();
  for (const p of order) {
    if (probes.length >= sizes.probes) break;
    if (p.images < 2) continue;
    const g = 1 + rng.int(p.images);
    gallery.push({ name: p.name, index: g });
    enrolled.add(p.name);
    for (let i = 1; i <= p.images && probes.length < sizes.probes; i++) if (i !== g) probes.push({ name: p.name, index: i });
  }
  for (const p of order) {
    if (gallery.length >= sizes.galleryIdentities) break;
    if (enrolled.has(p.name)) continue;
    gallery.push({ name: p.name, index: 1 + rng.int(p.images) });
    enrolled.add(p.name);
  }
  if (probes.length < sizes.probes || gallery.length < sizes.galleryIdentities) {
    throw new Error(`closed set needs ${sizes.probes} probes and ${sizes.galleryIdentities} gallery identities; these people give only ${probes.length} and ${gallery.length}`);
  }
  return { gallery, probes };
}

/**
 * Open-set lists, generated reproducibly:
 * 1. people sorted by name, shuffled with mulberry32(seed);
 * 2. the first 596 people with ≥ 2 images each enrol one random image; one other random image
 *    of each is a genuine probe;
 * 3. 9,491 impostor probes are drawn without replacement from all images of the people not
 *    enrolled (in the shuffled order of all those images).
 */
export function openSetLists(
  people: readonly Person[],
  seed: number,
  sizes: { galleryIdentities: number; genuineProbes: number; impostorProbes: number } = OPEN_SET,
): ProbeGalleryLists & { genuine: number } {
  if (sizes.genuineProbes !== sizes.galleryIdentities) throw new Error('open set: one genuine probe per gallery identity');
  const rng = mulberry32(seed);
  const order = shuffleInPlace([...people].sort((a, b) => a.name.localeCompare(b.name)), rng);
  const gallery: ImageRef[] = [];
  const probes: ImageRef[] = [];
  const enrolled = new Set<string>();
  for (const p of order) {
    if (gallery.length >= sizes.galleryIdentities) break;
    if (p.images < 2) continue;
    const g = 1 + rng.int(p.images);
    let q = 1 + rng.int(p.images - 1);
    if (q >= g) q++;
    gallery.push({ name: p.name, index: g });
    probes.push({ name: p.name, index: q });
    enrolled.add(p.name);
  }
  const pool: ImageRef[] = [];
  for (const p of order) if (!enrolled.has(p.name)) for (let i = 1; i <= p.images; i++) pool.push({ name: p.name, index: i });
  shuffleInPlace(pool, rng);
  if (gallery.length < sizes.galleryIdentities || pool.length < sizes.impostorProbes) {
    throw new Error(`open set needs ${sizes.galleryIdentities} people with ≥ 2 images and ${sizes.impostorProbes} impostor images; got ${gallery.length} and ${pool.length}`);
  }
  probes.push(...pool.slice(0, sizes.impostorProbes));
  return { gallery, probes, genuine: sizes.genuineProbes };
}

/** Probes scored together against each gallery row, so the row is read from memory once per block. */
const PROBE_BLOCK = 8;

/**
 * Probe × gallery similarity matrix, row-major, with a progress bar over probes: −χ² (the
 * default, for histograms and other non-negative features; same values as
 * `-chiSquareDistance`, 0/0 → 0) or cosine (for signed features). Computed block-wise: the
 * closed-set gallery (4,249 × 2,891 floats, 49 MB) does not fit in cache, and streaming it
 * once per probe made the run memory-bound.
 */
export function scoreMatrix(
  probes: readonly (Float32Array | undefined)[],
  gallery: readonly (Float32Array | undefined)[],
  label: string,
  similarity: 'chi2' | 'cosine' = 'chi2',
): Float32Array {
  const score = similarity === 'cosine' ? cosineSimilarity : (a: Float32Array, b: Float32Array) => -chiSquareDistance(a, b);
  const P = probes.length;
  const G = gallery.length;
  const out = new Float32Array(P * G);
  const progress = createProgress({ label, total: P, unit: 'probe' });
  for (let p0 = 0; p0 < P; p0 += PROBE_BLOCK) {
    const block = probes.slice(p0, Math.min(P, p0 + PROBE_BLOCK));
    for (let j = 0; j < G; j++) {
      const g = gallery[j];
      block.forEach((p, b) => {
        // An image that failed to decode matches nothing: the lowest possible score.
        out[(p0 + b) * G + j] = p && g ? score(p, g) : -3.4e38;
      });
    }
    progress.tick(block.length);
  }
  progress.done();
  return out;
}
