/**
 * Reductions of the 68-point iBUG layout (0-based indices) to the fiducial sets the
 * DeepFace alignment uses. In the iBUG layout the subject's right eye is points 36–41
 * (image left for a frontal face), the left eye 42–47, the nose tip 30, the mouth corners
 * 48 (image left) and 54 (image right).
 */

export interface Point2 {
  x: number;
  y: number;
}

function check(landmarks: ArrayLike<number>): void {
  if (landmarks.length !== 136) {
    throw new RangeError(`landmarks: expected 136 values (68 points x,y), got ${landmarks.length}`);
  }
}

function mean(landmarks: ArrayLike<number>, from: number, to: number): Point2 {
  let x = 0;
  let y = 0;
  for (let i = from; i <= to; i++) {
    x += landmarks[2 * i]!;
    y += landmarks[2 * i + 1]!;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
}

/** Eye centres: mean of points 36–41 (image-left eye) and 42–47 (image-right eye). */
export function eyeCenters(landmarks: ArrayLike<number>): { left: Point2; right: Point2 } {
  check(landmarks);
  return { left: mean(landmarks, 36, 41), right: mean(landmarks, 42, 47) };
}

/**
 * The 6 fiducials of DeepFace's 2D alignment, as 12 values x0,y0,…,x5,y5 in this order:
 * 0 image-left eye centre (mean 36–41), 1 image-right eye centre (mean 42–47),
 * 2 nose tip (30), 3 image-left mouth corner (48), 4 image-right mouth corner (54),
 * 5 mouth centre (mean of 48 and 54).
 */
export function sixFiducials(landmarks: ArrayLike<number>): Float32Array {
  check(landmarks);
  const { left, right } = eyeCenters(landmarks);
  const p = (i: number): Point2 => ({ x: landmarks[2 * i]!, y: landmarks[2 * i + 1]! });
  const nose = p(30);
  const ml = p(48);
  const mr = p(54);
  return Float32Array.from([left.x, left.y, right.x, right.y, nose.x, nose.y, ml.x, ml.y, mr.x, mr.y, (ml.x + mr.x) / 2, (ml.y + mr.y) / 2]);
}
