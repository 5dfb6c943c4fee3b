/**
 * The frontal template: where a 3D face shape's landmarks land in the output crop, the
 * Delaunay mesh over them plus border points (so the mesh covers the whole crop), the mirror
 * correspondence of every mesh vertex, the triangles' 3D normals, and — computed once — the
 * triangle that owns each output pixel, so each warp is one tight loop.
 */
import Delaunator from 'delaunator';
import { DEFAULT_SHAPE } from './default-shape.js';
import { LANDMARK_COUNT, LandmarkError, MIRROR_68, sixFiducials } from './landmarks.js';
import { assertShape, eyeCentres, interOcularDistance, normalizeShape, type Shape3D } from './shape.js';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TemplateOptions {
  /** Output crop side in pixels (default 152, the DeepFace input). */
  size?: number;
  /** 68×3 generic face (any pose and scale: it is normalised). Default: the package's own estimate. */
  shape?: ArrayLike<number>;
  /** Inter-ocular distance as a fraction of the crop side (default 0.32). */
  interOcular?: number;
  /** Height of the eye centres as a fraction of the crop side (default 0.36). */
  eyeLine?: number;
  /** Mesh points per crop edge beyond the corners (default 3). */
  borderSubdivisions?: number;
}

export interface FrontalTemplate {
  readonly size: number;
  /** The normalised 68×3 shape (inter-ocular distance 1, centroid at the origin). */
  readonly shape: Shape3D;
  /** Crop pixels per model unit: crop = scale·(X, Y) + (centreX, centreY). */
  readonly scale: number;
  readonly centreX: number;
  readonly centreY: number;
  /** V×3 model coordinates of the mesh vertices: the 68 landmarks, then the border points. */
  readonly vertices: Float64Array;
  /** V×2 crop coordinates of the mesh vertices in the frontal view. */
  readonly frontal: Float64Array;
  /** The 68 landmarks' crop positions (the first 136 values of `frontal`). */
  readonly landmarks: Float64Array;
  /** Crop positions of the six 2D-alignment fiducials (12 values, see sixFiducials). */
  readonly anchors: Float64Array;
  /** Inter-ocular distance in crop pixels (the NME normaliser). */
  readonly interOcularPixels: number;
  /** A face box around the template landmarks in the crop, for re-detecting landmarks there. */
  readonly faceBox: FaceBox;
  /** T×3 vertex indices. */
  readonly triangles: Uint32Array;
  /** Vertex v's left–right mirror vertex. */
  readonly mirror: Uint32Array;
  /** T×3 unit normals in model coordinates, oriented toward the viewer of the frontal view. */
  readonly normals: Float64Array;
  /** size×size: index of the triangle that holds each output pixel (row-major). */
  readonly pixelTriangle: Int32Array;
}

export function createTemplate(options: TemplateOptions = {}): FrontalTemplate {
  const { size = 152, interOcular = 0.32, eyeLine = 0.36, borderSubdivisions = 3 } = options;
  if (!Number.isInteger(size) || size < 8) throw new LandmarkError(`createTemplate: size must be an integer ≥ 8, got ${size}`);
  if (!(interOcular > 0 && interOcular < 1)) throw new LandmarkError(`createTemplate: interOcular must be in (0, 1), got ${interOcular}`);
  const shape = options.shape === undefined ? Float64Array.from(DEFAULT_SHAPE) : normalizeShape(options.shape, 'template shape');
  assertShape(shape, 'template shape');
  const scale = (interOcular * size) / interOcularDistance(shape);
  const [le, re] = eyeCentres(shape);
  const centreX = (size - 1) / 2 - scale * ((le[0]! + re[0]!) / 2);
  const centreY = eyeLine * size - scale * ((le[1]! + re[1]!) / 2);

  // Border points one pixel outside the crop, symmetric about the vertical midline, at the
  // mean depth of the jaw line (the background is about as far as the face's outline).
  let jawZ = 0;
  for (let i = 0; i <= 16; i++) jawZ += shape[3 * i + 2]! / 17;
  const border: Array<[number, number]> = [];
  const lo = -1;
  const hi = size;
  const steps = borderSubdivisions + 1;
  for (let j = 0; j <= steps; j++) {
    const t = lo + ((hi - lo) * j) / steps;
    border.push([t, lo], [t, hi]);
    if (j > 0 && j < steps) border.push([lo, t], [hi, t]);
  }
  const v = LANDMARK_COUNT + border.length;
  const vertices = new Float64Array(v * 3);
  const frontal = new Float64Array(v * 2);
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    vertices.set(shape.subarray(3 * i, 3 * i + 3), 3 * i);
    frontal[2 * i] = scale * shape[3 * i]! + centreX;
    frontal[2 * i + 1] = scale * shape[3 * i + 1]! + centreY;
  }
  border.forEach(([x, y], k) => {
    const i = LANDMARK_COUNT + k;
    frontal[2 * i] = x;
    frontal[2 * i + 1] = y;
    vertices[3 * i] = (x - centreX) / scale;
    vertices[3 * i + 1] = (y - centreY) / scale;
    vertices[3 * i + 2] = jawZ;
  });
  const mirror = new Uint32Array(v);
  for (let i = 0; i < LANDMARK_COUNT; i++) mirror[i] = MIRROR_68[i]!;
  border.forEach(([x, y], k) => {
    const mx = size - 1 - x;
    const j = border.findIndex(([bx, by]) => Math.abs(bx - mx) < 1e-9 && Math.abs(by - y) < 1e-9);
    mirror[LANDMARK_COUNT + k] = LANDMARK_COUNT + (j < 0 ? k : j);
  });

  const delaunay = new Delaunator(frontal);
  const triangles = Uint32Array.from(delaunay.triangles);
  const t = triangles.length / 3;
  const normals = new Float64Array(t * 3);
  for (let k = 0; k < t; k++) {
    const n = triangleNormal(vertices, triangles[3 * k]!, triangles[3 * k + 1]!, triangles[3 * k + 2]!);
    normals.set(n, 3 * k);
  }
  const pixelTriangle = new Int32Array(size * size).fill(-1);
  rasterizeTriangles(frontal, triangles, size, pixelTriangle);
  for (let p = 0; p < pixelTriangle.length; p++) {
    if (pixelTriangle[p]! < 0) throw new LandmarkError(`createTemplate: pixel (${p % size}, ${Math.floor(p / size)}) is not covered by the mesh`);
  }

  const landmarks = frontal.slice(0, 2 * LANDMARK_COUNT);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    minX = Math.min(minX, landmarks[2 * i]!);
    maxX = Math.max(maxX, landmarks[2 * i]!);
    minY = Math.min(minY, landmarks[2 * i + 1]!);
    maxY = Math.max(maxY, landmarks[2 * i + 1]!);
  }
  // The box a face detector would draw around these landmarks, so that a landmark net
  // sees the crop framed as in training: @deepface-ts/detect's SSD boxes on LFW/CFP span
  // 1.03× the landmarks' width and 1.33× their height, reaching 0.27× above the brows
  // (medians over 52 detections on LFW and CFP images, measured once for this template).
  const w = maxX - minX;
  const h = maxY - minY;
  const faceBox = { x: minX + 0.007 * w, y: minY - 0.27 * h, width: 1.025 * w, height: 1.33 * h };
  return {
    size, shape, scale, centreX, centreY, vertices, frontal, landmarks,
    anchors: sixFiducials(landmarks, 'template landmarks'),
    interOcularPixels: interOcular * size,
    faceBox, triangles, mirror, normals, pixelTriangle,
  };
}

/**
 * Unit normal of triangle (a, b, c) of a V×3 vertex array, oriented toward +z as seen in the
 * frontal view, whatever the vertex order (Delaunator and mirroring both change it).
 */
export function triangleNormal(vertices: ArrayLike<number>, a: number, b: number, c: number): [number, number, number] {
  const ux = vertices[3 * b]! - vertices[3 * a]!;
  const uy = vertices[3 * b + 1]! - vertices[3 * a + 1]!;
  const uz = vertices[3 * b + 2]! - vertices[3 * a + 2]!;
  const vx = vertices[3 * c]! - vertices[3 * a]!;
  const vy = vertices[3 * c + 1]! - vertices[3 * a + 1]!;
  const vz = vertices[3 * c + 2]! - vertices[3 * a + 2]!;
  let nx = uy * vz - uz * vy;
  let ny = uz * vx - ux * vz;
  let nz = ux * vy - uy * vx;
  const len = Math.hypot(nx, ny, nz) || 1;
  const s = nz < 0 ? -1 / len : 1 / len;
  nx *= s;
  ny *= s;
  nz *= s;
  return [nx, ny, nz];
}

/**
 * Writes into `owner` (size×size, pre-filled with −1) the index of a triangle containing
 * each pixel centre; pixels on shared edges go to the first triangle. Returns the number of
 * pixels left uncovered.
 */
export function rasterizeTriangles(points: ArrayLike<number>, triangles: ArrayLike<number>, size: number, owner: Int32Array): number {
  const t = triangles.length / 3;
  for (let k = 0; k < t; k++) {
    const a = triangles[3 * k]!;
    const b = triangles[3 * k + 1]!;
    const c = triangles[3 * k + 2]!;
    const ax = points[2 * a]!, ay = points[2 * a + 1]!;
    const bx = points[2 * b]!, by = points[2 * b + 1]!;
    const cx = points[2 * c]!, cy = points[2 * c + 1]!;
    const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (!(Math.abs(area) > 1e-12)) continue;
    const sign = area > 0 ? 1 : -1;
    const eps = -1e-7 * Math.abs(area);
    const x0 = Math.max(0, Math.ceil(Math.min(ax, bx, cx)));
    const x1 = Math.min(size - 1, Math.floor(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.ceil(Math.min(ay, by, cy)));
    const y1 = Math.min(size - 1, Math.floor(Math.max(ay, by, cy)));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Edge functions (twice the signed sub-areas), all ≥ 0 inside.
        const w0 = sign * ((cx - bx) * (y - by) - (cy - by) * (x - bx));
        const w1 = sign * ((ax - cx) * (y - cy) - (ay - cy) * (x - cx));
        const w2 = sign * ((bx - ax) * (y - ay) - (by - ay) * (x - ax));
        if (w0 >= eps && w1 >= eps && w2 >= eps) {
          const p = y * size + x;
          if (owner[p]! < 0) owner[p] = k;
        }
      }
    }
  }
  let uncovered = 0;
  for (let p = 0; p < size * size; p++) if (owner[p]! < 0) uncovered++;
  return uncovered;
}
