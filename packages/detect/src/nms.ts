/** Boxes as [ymin, xmin, ymax, xmax] in any common unit. */
export type Corners = [number, number, number, number];

/** Intersection over union; 0 for degenerate boxes. Corner order is normalised first. */
export function iou(a: Corners, b: Corners): number {
  const ay0 = Math.min(a[0], a[2]), ax0 = Math.min(a[1], a[3]), ay1 = Math.max(a[0], a[2]), ax1 = Math.max(a[1], a[3]);
  const by0 = Math.min(b[0], b[2]), bx0 = Math.min(b[1], b[3]), by1 = Math.max(b[0], b[2]), bx1 = Math.max(b[1], b[3]);
  const areaA = (ay1 - ay0) * (ax1 - ax0);
  const areaB = (by1 - by0) * (bx1 - bx0);
  if (areaA <= 0 || areaB <= 0) return 0;
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
  const inter = ih * iw;
  return inter / (areaA + areaB - inter);
}

/**
 * Greedy non-maximum suppression: visit candidates by decreasing score, keep one unless it
 * overlaps an already kept box by IoU > `iouThreshold`. Returns kept indices, best first.
 * (Both face-api detectors use this rule: SSD with 0.5, the tiny detector with 0.4.)
 */
export function nonMaxSuppression(boxes: Corners[], scores: ArrayLike<number>, iouThreshold: number, maxOutput = Infinity): number[] {
  const order = Array.from(boxes.keys()).sort((i, j) => scores[j]! - scores[i]! || i - j);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    if (kept.every((k) => iou(boxes[i]!, boxes[k]!) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
