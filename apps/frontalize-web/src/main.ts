/**
 * The page: photo → detect → 2D alignment → 3D frontalization, drawn on four canvases.
 * `document.body.dataset.status` goes loading → working → done (or error), which the
 * end-to-end test waits on.
 */
import { createFaceDetector, type DetectedFace, type FaceDetector } from '@deepface-ts/detect';
import { align2d, createFrontalizer, type FrontalizeResult } from '@deepface-ts/frontalize';
import type { RgbImage } from '@deepface-ts/image';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const statusLine = $('status');
const frontalizer = createFrontalizer();
const { template } = frontalizer;
/** Photos are scaled down to this longest side first: detection cost grows with pixels. */
const MAX_SIDE = 1024;

function setStatus(text: string, state: 'loading' | 'working' | 'done' | 'error'): void {
  statusLine.textContent = text;
  document.body.dataset.status = state;
}

let detectorPromise: Promise<FaceDetector> | undefined;
function detector(): Promise<FaceDetector> {
  const modelDir = new URL('./model/', location.href).toString();
  detectorPromise ??= createFaceDetector({ modelDir }).catch((err: unknown) => {
    console.warn('WASM backend unavailable, using the cpu backend', err);
    return createFaceDetector({ modelDir, backend: 'cpu' });
  });
  return detectorPromise;
}

async function decode(blob: Blob): Promise<{ canvas: HTMLCanvasElement; rgb: RgbImage<Uint8Array> }> {
  const bitmap = await createImageBitmap(blob);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Uint8Array(canvas.width * canvas.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i]!;
    data[j + 1] = rgba[i + 1]!;
    data[j + 2] = rgba[i + 2]!;
  }
  return { canvas, rgb: { width: canvas.width, height: canvas.height, channels: 3, data } };
}

function showRgb(canvas: HTMLCanvasElement, img: RgbImage<Uint8Array>): void {
  canvas.width = img.width;
  canvas.height = img.height;
  const out = new ImageData(img.width, img.height);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    out.data[i] = img.data[j]!;
    out.data[i + 1] = img.data[j + 1]!;
    out.data[i + 2] = img.data[j + 2]!;
    out.data[i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(out, 0, 0);
}

/** Triangles of the mesh whose three corners are landmarks (the border ones only frame the crop). */
const faceTriangles: number[][] = [];
for (let k = 0; k < template.triangles.length / 3; k++) {
  const t = [template.triangles[3 * k]!, template.triangles[3 * k + 1]!, template.triangles[3 * k + 2]!];
  if (t.every((v) => v < 68)) faceTriangles.push([k, ...t]);
}

/** Side of the two photo panels; they zoom on a square twice the face box's size. */
const PANEL = 360;

function drawOverlays(photo: HTMLCanvasElement, face: DetectedFace, front: FrontalizeResult): void {
  const side = 2 * Math.max(face.box.width, face.box.height);
  const scale = PANEL / side;
  const left = face.box.x + face.box.width / 2 - side / 2;
  const top = face.box.y + face.box.height / 2 - side / 2;
  const lineWidth = 1.2 / scale;
  const original = $<HTMLCanvasElement>('original');
  const visibility = $<HTMLCanvasElement>('visibility');
  for (const c of [original, visibility]) {
    c.width = PANEL;
    c.height = PANEL;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PANEL, PANEL);
    // Draw in photo coordinates from here on.
    ctx.setTransform(scale, 0, 0, scale, -left * scale, -top * scale);
    ctx.drawImage(photo, 0, 0);
  }
  const v = front.sourceVertices;
  const ctx = original.getContext('2d')!;
  ctx.lineWidth = lineWidth;
  ctx.strokeStyle = 'rgba(80, 200, 255, 0.7)';
  for (const [, a, b, c] of faceTriangles) {
    ctx.beginPath();
    ctx.moveTo(v[2 * a!]!, v[2 * a! + 1]!);
    ctx.lineTo(v[2 * b!]!, v[2 * b! + 1]!);
    ctx.lineTo(v[2 * c!]!, v[2 * c! + 1]!);
    ctx.closePath();
    ctx.stroke();
  }
  ctx.fillStyle = '#ffdc00';
  for (let i = 0; i < 68; i++) {
    ctx.beginPath();
    ctx.arc(face.landmarks[2 * i]!, face.landmarks[2 * i + 1]!, 1.5 * lineWidth, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = '#ff5050';
  ctx.lineWidth = 2 * lineWidth;
  ctx.strokeRect(face.box.x, face.box.y, face.box.width, face.box.height);

  const vctx = visibility.getContext('2d')!;
  for (const [k, a, b, c] of faceTriangles) {
    const f = front.facing[k!]!;
    vctx.fillStyle = front.mirrored[k!] ? 'rgba(50, 100, 255, 0.5)' : front.visible[k!] ? `rgba(30, ${Math.round(90 + 160 * f)}, 30, 0.45)` : 'rgba(230, 40, 40, 0.55)';
    vctx.beginPath();
    vctx.moveTo(v[2 * a!]!, v[2 * a! + 1]!);
    vctx.lineTo(v[2 * b!]!, v[2 * b! + 1]!);
    vctx.lineTo(v[2 * c!]!, v[2 * c! + 1]!);
    vctx.closePath();
    vctx.fill();
  }
}

async function run(blob: Blob, name: string): Promise<void> {
  try {
    setStatus(`loading the models…`, 'working');
    const det = await detector();
    setStatus(`detecting in ${name}…`, 'working');
    const { canvas, rgb } = await decode(blob);
    const t0 = performance.now();
    const faces = await det.detect(rgb);
    if (faces.length === 0) {
      showRgb($('original'), rgb);
      setStatus(`${name}: no face found`, 'done');
      return;
    }
    // The largest face is the subject.
    const face = faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    const t1 = performance.now();
    const aligned = await align2d(rgb, face.landmarks, { template, detector: det, dtype: 'uint8', source: name });
    const t2 = performance.now();
    const front = frontalizer.frontalize(rgb, aligned.landmarks, { dtype: 'uint8', mirrorFill: $<HTMLInputElement>('mirror').checked, source: name });
    const t3 = performance.now();
    drawOverlays(canvas, face, front);
    showRgb($('crop2d'), aligned.image);
    showRgb($('crop3d'), front.image);
    setStatus(
      `${name}: ${faces.length} face(s); yaw ${front.pose.yaw.toFixed(0)}°, pitch ${front.pose.pitch.toFixed(0)}°; ` +
        `detect ${(t1 - t0).toFixed(0)} ms, 2D alignment ${(t2 - t1).toFixed(0)} ms (${aligned.iterations} re-detections), frontalize ${(t3 - t2).toFixed(1)} ms`,
      'done',
    );
  } catch (err) {
    console.error(err);
    setStatus(`${name}: ${(err as Error).message}`, 'error');
  }
}

async function runSample(): Promise<void> {
  const res = await fetch('./sample.jpg');
  await run(await res.blob(), 'sample.jpg');
}

$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void run(file, file.name);
});
$('sample').addEventListener('click', () => void runSample());
$<HTMLInputElement>('mirror').addEventListener('change', () => {
  const file = $<HTMLInputElement>('file').files?.[0];
  void (file ? run(file, file.name) : runSample());
});
setStatus('ready', 'loading');
void runSample();
