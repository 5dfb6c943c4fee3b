import type { RgbImage } from '@deepface-ts/image';
import type { FaceBox } from '../src/index';

/** The pixels of `box` (rounded outward, clipped to the image), copied row by row: the recognition scripts' face crop. */
export function cropBox(image: RgbImage<Uint8Array>, box: FaceBox): RgbImage<Uint8Array> {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  const data = new Uint8Array((x1 - x0) * (y1 - y0) * 3);
  for (let y = y0; y < y1; y++) data.set(image.data.subarray((y * image.width + x0) * 3, (y * image.width + x1) * 3), (y - y0) * (x1 - x0) * 3);
  return { width: x1 - x0, height: y1 - y0, channels: 3, data };
}
