/**
 * 3D frontalization (DeepFace §2): fit the affine camera from the generic 3D shape to the
 * detected landmarks, add the fit's residuals to the shape's x,y, and warp piecewise-affinely
 * from the image to the frontal view of that shape, triangle by triangle; triangles the
 * camera sees from behind can be filled from their mirror triangles.
 */
import { assertImage, type Image, type RgbImage } from '@deepface-ts/image';
import { cameraPose, fitAffineCamera, project, viewDirection, type AffineCamera, type LandmarkCovariance } from './camera.js';
import { LANDMARK_COUNT, type Points2D } from './landmarks.js';
import { createTemplate, rasterizeTriangles, triangleNormal, type FrontalTemplate, type TemplateOptions } from './template.js';
import { allocateRgb, sampleRgb, type BorderMode, type PixelType } from './warp.js';

export interface FrontalizeOptions {
  /** Landmark error covariance for the camera fit (see fitAffineCamera); identity by default. */
  covariance?: LandmarkCovariance;
  /**
   * How much of the camera-fit residual to add to the shape's x,y (1 = the paper: keep the
   * person's own 2D shape; 0 = warp every face onto the generic shape). Default 1.
   */
  residualScale?: number;
  /**
   * Largest residual displacement kept, in inter-ocular distances (default 0.15): past it
   * the landmark is more likely misdetected than the face unusual.
   */
  maxResidual?: number;
  /** Fill triangles the camera sees from behind from their mirror triangles (default true). */
  mirrorFill?: boolean;
  /** Cosine of the angle between a triangle's normal and the view direction below which it counts as hidden (default 0). */
  visibilityThreshold?: number;
  dtype?: PixelType;
  border?: BorderMode;
  /** Named in errors (e.g. the image's file name). */
  source?: string;
}

export interface FrontalizeResult<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  /** The frontalized size×size RGB crop. */
  image: RgbImage<T>;
  /** The fitted 2×4 camera, model → source image. */
  camera: AffineCamera;
  /** RMS landmark residual of the camera fit, in source pixels. */
  rms: number;
  /** Yaw and pitch (degrees) of the fitted camera. */
  pose: { yaw: number; pitch: number };
  /** Per triangle: cosine between its normal and the camera's view direction (> 0 faces the camera). */
  facing: Float32Array;
  /** Per triangle: 1 when visible (facing above the threshold; triangles touching the crop border always are). */
  visible: Uint8Array;
  /** Per triangle: 1 when its pixels were taken from the mirror triangle. */
  mirrored: Uint8Array;
  /** V×2 source-image positions of the mesh vertices (landmarks, then border points). */
  sourceVertices: Float64Array;
  /** V×2 crop positions of the mesh vertices (the frontal shape with residuals). */
  targetVertices: Float64Array;
}

/**
 * A frontalizer bound to one template: its scratch buffers are reused, so calls are
 * allocation-light. Not re-entrant (one warp at a time per instance).
 */
export interface Frontalizer {
  readonly template: FrontalTemplate;
  frontalize<D extends PixelType = 'float32'>(image: Image, landmarks: Points2D, options?: FrontalizeOptions & { dtype?: D }): FrontalizeResult<D extends 'uint8' ? Uint8Array : Float32Array>;
}

export function createFrontalizer(template: FrontalTemplate | TemplateOptions = {}): Frontalizer {
  const tpl = 'pixelTriangle' in template ? template : createTemplate(template);
  const { size, triangles, vertices, frontal, mirror, normals, pixelTriangle } = tpl;
  const triangleCount = triangles.length / 3;
  const vertexCount = frontal.length / 2;
  const owner = new Int32Array(size * size);
  const maps = new Float64Array(triangleCount * 6);
  const mirroredNormals = new Float64Array(triangleCount * 3);
  for (let k = 0; k < triangleCount; k++) {
    mirroredNormals.set(triangleNormal(vertices, mirror[triangles[3 * k]!]!, mirror[triangles[3 * k + 1]!]!, mirror[triangles[3 * k + 2]!]!), 3 * k);
  }
  const landmarkShape = vertices.subarray(0, 3 * LANDMARK_COUNT);
  const faceOnly = Uint8Array.from({ length: triangleCount }, (_, k) =>
    triangles[3 * k]! < LANDMARK_COUNT && triangles[3 * k + 1]! < LANDMARK_COUNT && triangles[3 * k + 2]! < LANDMARK_COUNT ? 1 : 0);

  function frontalize(image: Image, landmarks: Points2D, options: FrontalizeOptions = {}): FrontalizeResult {
    const {
      covariance, residualScale = 1, maxResidual = 0.15, mirrorFill = true, visibilityThreshold = 0,
      dtype = 'float32', border = 'clamp', source = 'landmarks',
    } = options;
    const img = assertImage(image, { source: `${source} image`, checkFinite: false });
    const fit = fitAffineCamera(landmarkShape, landmarks, covariance, source);
    const cam = fit.camera;

    const sourceVertices = new Float64Array(vertexCount * 2);
    const targetVertices = Float64Array.from(frontal);
    for (let i = 0; i < LANDMARK_COUNT; i++) {
      sourceVertices[2 * i] = landmarks[2 * i]!;
      sourceVertices[2 * i + 1] = landmarks[2 * i + 1]!;
    }
    for (let i = LANDMARK_COUNT; i < vertexCount; i++) {
      const [u, v] = project(cam, vertices[3 * i]!, vertices[3 * i + 1]!, vertices[3 * i + 2]!);
      sourceVertices[2 * i] = u;
      sourceVertices[2 * i + 1] = v;
    }

    // Residuals back into the model's x,y: solve A₂·d = r with A₂ the camera's x,y columns,
    // so that P·(X + d) lands exactly on the detected point.
    if (residualScale !== 0) {
      const [a, b, d, e] = [cam[0]!, cam[1]!, cam[4]!, cam[5]!];
      const det = a * e - b * d;
      const limit = maxResidual; // model units: the shape's inter-ocular distance is 1
      if (Math.abs(det) > 1e-12 * fit.scale * fit.scale) {
        for (let i = 0; i < LANDMARK_COUNT; i++) {
          const rx = fit.residuals[2 * i]!;
          const ry = fit.residuals[2 * i + 1]!;
          let dx = (e * rx - b * ry) / det;
          let dy = (-d * rx + a * ry) / det;
          const len = Math.hypot(dx, dy);
          if (len > limit) {
            dx *= limit / len;
            dy *= limit / len;
          }
          targetVertices[2 * i] += residualScale * tpl.scale * dx;
          targetVertices[2 * i + 1] += residualScale * tpl.scale * dy;
        }
      }
    }

    // Visibility: the sign of each triangle's normal along the camera's viewing direction.
    const [vx, vy, vz] = viewDirection(cam);
    const facing = new Float32Array(triangleCount);
    const visible = new Uint8Array(triangleCount);
    const mirrored = new Uint8Array(triangleCount);
    for (let k = 0; k < triangleCount; k++) {
      const f = normals[3 * k]! * vx + normals[3 * k + 1]! * vy + normals[3 * k + 2]! * vz;
      facing[k] = f;
      // Triangles reaching the crop border span background, whose depth the face model does
      // not know: they are never hidden (nor copied from the other side).
      visible[k] = f > visibilityThreshold || !faceOnly[k] ? 1 : 0;
      if (mirrorFill && !visible[k]) {
        const fm = mirroredNormals[3 * k]! * vx + mirroredNormals[3 * k + 1]! * vy + mirroredNormals[3 * k + 2]! * vz;
        if (fm > visibilityThreshold) mirrored[k] = 1;
      }
    }

    // One affine map per triangle from crop pixel to source pixel. A pixel's barycentric
    // coordinates in its crop triangle are reused on the mirror triangle's source vertices
    // when the triangle is filled by symmetry.
    for (let k = 0; k < triangleCount; k++) {
      const ia = triangles[3 * k]!;
      const ib = triangles[3 * k + 1]!;
      const ic = triangles[3 * k + 2]!;
      let target: ArrayLike<number> = targetVertices;
      if (!triangleArea(target, ia, ib, ic)) target = frontal;
      const sa = mirrored[k] ? mirror[ia]! : ia;
      const sb = mirrored[k] ? mirror[ib]! : ib;
      const sc = mirrored[k] ? mirror[ic]! : ic;
      affineFromTriangles(target, ia, ib, ic, sourceVertices, sa, sb, sc, maps, 6 * k);
    }

    let ownerMap: Int32Array = pixelTriangle;
    if (residualScale !== 0) {
      owner.fill(-1);
      const uncovered = rasterizeTriangles(targetVertices, triangles, size, owner);
      // Folded triangles (a badly misplaced landmark) can leave gaps: the generic layout fills them.
      if (uncovered > 0) for (let p = 0; p < owner.length; p++) if (owner[p]! < 0) owner[p] = pixelTriangle[p]!;
      ownerMap = owner;
    }

    const out = allocateRgb(size, size, dtype);
    const dst = out.data;
    const src = img.data;
    const w = img.width;
    const h = img.height;
    const zero = border === 'zero';
    const u8 = dst instanceof Uint8Array;
    for (let y = 0, p = 0; y < size; y++) {
      for (let x = 0; x < size; x++, p++) {
        const m = 6 * ownerMap[p]!;
        sampleRgb(src, w, h, maps[m]! * x + maps[m + 1]! * y + maps[m + 2]!, maps[m + 3]! * x + maps[m + 4]! * y + maps[m + 5]!, dst, 3 * p, zero, u8);
      }
    }
    return {
      image: out, camera: cam, rms: fit.rms, pose: cameraPose(cam),
      facing, visible, mirrored, sourceVertices, targetVertices,
    };
  }

  return { template: tpl, frontalize: frontalize as Frontalizer['frontalize'] };
}

let defaultFrontalizer: Frontalizer | undefined;

/** Frontalizes with the default 152×152 template (created on first use). */
export function frontalize<D extends PixelType = 'float32'>(image: Image, landmarks: Points2D, options?: FrontalizeOptions & { dtype?: D }): FrontalizeResult<D extends 'uint8' ? Uint8Array : Float32Array> {
  defaultFrontalizer ??= createFrontalizer();
  return defaultFrontalizer.frontalize(image, landmarks, options);
}

function triangleArea(p: ArrayLike<number>, a: number, b: number, c: number): number {
  const area = (p[2 * b]! - p[2 * a]!) * (p[2 * c + 1]! - p[2 * a + 1]!) - (p[2 * b + 1]! - p[2 * a + 1]!) * (p[2 * c]! - p[2 * a]!);
  return Math.abs(area) > 1e-9 ? area : 0;
}

/**
 * Writes at out[o..o+5] the affine map taking triangle (a, b, c) of `from` onto triangle
 * (sa, sb, sc) of `to` (2D points, x0,y0,…).
 */
export function affineFromTriangles(
  from: ArrayLike<number>, a: number, b: number, c: number,
  to: ArrayLike<number>, sa: number, sb: number, sc: number,
  out: Float64Array, o: number,
): void {
  const x0 = from[2 * a]!, y0 = from[2 * a + 1]!;
  const x1 = from[2 * b]! - x0, y1 = from[2 * b + 1]! - y0;
  const x2 = from[2 * c]! - x0, y2 = from[2 * c + 1]! - y0;
  const det = x1 * y2 - x2 * y1;
  const u0 = to[2 * sa]!, v0 = to[2 * sa + 1]!;
  const u1 = to[2 * sb]! - u0, v1 = to[2 * sb + 1]! - v0;
  const u2 = to[2 * sc]! - u0, v2 = to[2 * sc + 1]! - v0;
  // [u1 u2; v1 v2]·[x1 x2; y1 y2]⁻¹ is the linear part; the translation maps vertex a onto sa.
  const ia = y2 / det, ib = -x2 / det, ic = -y1 / det, id = x1 / det;
  const m00 = u1 * ia + u2 * ic;
  const m01 = u1 * ib + u2 * id;
  const m10 = v1 * ia + v2 * ic;
  const m11 = v1 * ib + v2 * id;
  out[o] = m00;
  out[o + 1] = m01;
  out[o + 2] = u0 - m00 * x0 - m01 * y0;
  out[o + 3] = m10;
  out[o + 4] = m11;
  out[o + 5] = v0 - m10 * x0 - m11 * y0;
}
