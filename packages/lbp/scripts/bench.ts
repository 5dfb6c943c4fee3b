// Speed of the uniform-LBP descriptor against a plain per-pixel implementation (trig per
// neighbour, bit strings, uniform-code search) on the same random crops, same run.
// Times are CPU time per descriptor.
//   pnpm --filter @deepface-ts/lbp bench
// Last stdout line: one JSON object.
import { createImage } from '@deepface-ts/image';
import { lbpDescriptor, toGrey } from '../src/index';

function plainLbp(grey: Float64Array, w: number, h: number, radius: number, gx: number, gy: number): Float64Array {
  const uniform: number[] = [];
  for (let c = 0; c < 256; c++) {
    let t = 0;
    for (let k = 0; k < 8; k++) if (((c >> k) & 1) !== ((c >> ((k + 1) % 8)) & 1)) t++;
    if (t <= 2) uniform.push(c);
  }
  const m = Math.ceil(radius);
  const cw = w - 2 * m;
  const ch = h - 2 * m;
  const hist = new Float64Array(gx * gy * 59);
  for (let y = m; y < h - m; y++) {
    for (let x = m; x < w - m; x++) {
      const centre = grey[y * w + x]!;
      let code = 0;
      for (let k = 0; k < 8; k++) {
        const t = (2 * Math.PI * k) / 8;
        const sx = x + Math.round(radius * Math.cos(t) * 1e6) / 1e6;
        const sy = y + Math.round(-radius * Math.sin(t) * 1e6) / 1e6;
        const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
        const at = (xx: number, yy: number) => grey[Math.min(yy, h - 1) * w + Math.min(xx, w - 1)]!;
        const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
        const bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
        if (top + (bottom - top) * fy >= centre - 1e-6) code += 2 ** k;
      }
      const i = uniform.indexOf(code);
      const cell = Math.floor(((y - m) * gy) / ch) * gx + Math.floor(((x - m) * gx) / cw);
      hist[cell * 59 + (i >= 0 ? i : 58)]++;
    }
  }
  return hist;
}

/** Mean CPU milliseconds per call (user + system of this process: less sensitive than wall time to other processes on a shared machine). */
function time(fn: () => void, minMs = 1500): number {
  fn(); // warm up
  let n = 0;
  const wall = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - wall < minMs || n < 3) {
    fn();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / n;
}

const results: Record<string, { fastMs: number; plainMs: number; speedup: number }> = {};
for (const size of [100, 152]) {
  const img = createImage(size, size, 3, 'uint8');
  let s = size;
  for (let i = 0; i < img.data.length; i++) img.data[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  for (const radius of [1, 2]) {
    const fastMs = time(() => lbpDescriptor(img, { radius, grid: [7, 7] }));
    const plainMs = time(() => {
      const { grey } = toGrey(img);
      plainLbp(grey, size, size, radius, 7, 7);
    });
    const key = `${size}x${size} r${radius}`;
    results[key] = { fastMs: Number(fastMs.toFixed(3)), plainMs: Number(plainMs.toFixed(3)), speedup: Number((plainMs / fastMs).toFixed(1)) };
    console.log(`${key}: fast ${fastMs.toFixed(3)} ms, plain ${plainMs.toFixed(3)} ms (${(plainMs / fastMs).toFixed(1)}×)`);
  }
}
console.log(JSON.stringify({ bench: 'lbp-descriptor', grid: '7x7', node: process.version, results }));
