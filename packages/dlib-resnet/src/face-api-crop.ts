/**
 * face-api's own recognition crop, kept as the baseline the dlib chip is measured against:
 * the landmarks' bounding box grown by 20 %, cut out upright (no rotation), then padded to a
 * square and resized to 150×150 by the recognizer.
 */
import type { FaceBox } from '@deepface-ts/detect';
import type { RgbImage } from '@deepface-ts/image';

/**
 * face-api's recognition box for a detected face: the bounding box of its 68 landmarks,
 * grown by `padding` (default 0.2, face-api's `minBoxPadding`) of its width and height,
 * split evenly between the sides. Clip it to the image before cropping (`cropBox` does).
 */
export function recognitionBox(landmarks: ArrayLike<number>, padding = 0.2): FaceBox {
  if (landmarks.length < 2 || landmarks.length % 2 !== 0) throw new RangeError(`recognitionBox: expected x, y pairs (136 values for 68 points), got ${landmarks.length} values`);
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < landmarks.length; i += 2) {
    const x = landmarks[i]!;
    const y = landmarks[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`recognitionBox: point ${i / 2} is not finite (${x}, ${y})`);
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  return { x: x0 - (w * padding) / 2, y: y0 - (h * padding) / 2, width: w * (1 + padding), height: h * (1 + padding) };
}

/** The pixels of `box` (rounded outward, clipped to the image), copied row by row. Throws when the box misses the image. */
export function cropBox(image: RgbImage<Uint8Array>, box: FaceBox, source = 'cropBox'): RgbImage<Uint8Array> {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height));
  if (!(x1 > x0 && y1 > y0)) throw new RangeError(`${source}: the box (${box.x}, ${box.y}, ${box.width}×${box.height}) lies outside the ${image.width}×${image.height} image`);
  const data = new Uint8Array((x1 - x0) * (y1 - y0) * 3);
  for (let y = y0; y < y1; y++) data.set(image.data.subarray((y * image.width + x0) * 3, (y * image.width + x1) * 3), (y - y0) * (x1 - x0) * 3);
  return { width: x1 - x0, height: y1 - y0, channels: 3, data };
}

/** face-api's whole crop for a face: `cropBox(image, recognitionBox(landmarks))`. */
export function faceApiCrop(image: RgbImage<Uint8Array>, landmarks: ArrayLike<number>, source = 'faceApiCrop'): RgbImage<Uint8Array> {
  return cropBox(image, recognitionBox(landmarks), source);
}
