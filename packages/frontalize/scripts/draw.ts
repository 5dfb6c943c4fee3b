/** Minimal drawing into RGB uint8 buffers for the contact sheet: lines, dots, filled triangles, blits. */
import type { RgbImage } from '@deepface-ts/image';

export type Rgb = readonly [number, number, number];

export function blankRgb(width: number, height: number, fill: Rgb = [0, 0, 0]): RgbImage<Uint8Array> {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(fill, 3 * i);
  return { width, height, channels: 3, data };
}

function blend(img: RgbImage<Uint8Array>, x: number, y: number, c: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  for (let k = 0; k < 3; k++) img.data[o + k] = Math.round(img.data[o + k]! * (1 - alpha) + c[k]! * alpha);
}

/** Anti-aliasing is not worth it at these sizes: a DDA line with per-pixel alpha. */
export function drawLine(img: RgbImage<Uint8Array>, x0: number, y0: number, x1: number, y1: number, c: Rgb, alpha = 1): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    blend(img, Math.round(x0 + (x1 - x0) * t), Math.round(y0 + (y1 - y0) * t), c, alpha);
  }
}

export function drawDot(img: RgbImage<Uint8Array>, x: number, y: number, c: Rgb, radius = 1): void {
  const cx = Math.round(x);
  const cy = Math.round(y);
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius + radius) blend(img, cx + dx, cy + dy, c, 1);
}

export function fillTriangle(img: RgbImage<Uint8Array>, p: ArrayLike<number>, a: number, b: number, c: number, color: Rgb, alpha: number): void {
  const [ax, ay, bx, by, cx, cy] = [p[2 * a]!, p[2 * a + 1]!, p[2 * b]!, p[2 * b + 1]!, p[2 * c]!, p[2 * c + 1]!];
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  if (Math.abs(area) < 1e-9) return;
  const s = area > 0 ? 1 : -1;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
  const x1 = Math.min(img.width - 1, Math.ceil(Math.max(ax, bx, cx)));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
  const y1 = Math.min(img.height - 1, Math.ceil(Math.max(ay, by, cy)));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const w0 = s * ((cx - bx) * (y - by) - (cy - by) * (x - bx));
    const w1 = s * ((ax - cx) * (y - cy) - (ay - cy) * (x - cx));
    const w2 = s * ((bx - ax) * (y - ay) - (by - ay) * (x - ax));
    if (w0 >= 0 && w1 >= 0 && w2 >= 0) blend(img, x, y, color, alpha);
  }
}

/** Copies `src` into `dst` with its top-left corner at (x, y). */
export function blit(dst: RgbImage<Uint8Array>, src: RgbImage<Uint8Array>, x: number, y: number): void {
  for (let r = 0; r < src.height; r++) {
    const ty = y + r;
    if (ty < 0 || ty >= dst.height) continue;
    for (let c = 0; c < src.width; c++) {
      const tx = x + c;
      if (tx < 0 || tx >= dst.width) continue;
      const so = (r * src.width + c) * 3;
      const o = (ty * dst.width + tx) * 3;
      dst.data[o] = src.data[so]!;
      dst.data[o + 1] = src.data[so + 1]!;
      dst.data[o + 2] = src.data[so + 2]!;
    }
  }
}
