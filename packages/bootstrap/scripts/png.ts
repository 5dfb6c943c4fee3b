/** A minimal RGB canvas and PNG writer (zlib from Node) for the scripts' plots. */
import { renameSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { crc32 } from '@deepface-ts/crc32';

export class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, [r, g, b]: readonly number[]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.data[o] = r;
    this.data[o + 1] = g;
    this.data[o + 2] = b;
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: readonly number[]): void {
    for (let y = Math.round(Math.min(y0, y1)); y <= Math.round(Math.max(y0, y1)); y++)
      for (let x = Math.round(Math.min(x0, x1)); x <= Math.round(Math.max(x0, x1)); x++) this.set(x, y, c);
  }
  line(x0: number, y0: number, x1: number, y1: number, c: readonly number[], width = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      this.rect(x - (width - 1) / 2, y - (width - 1) / 2, x + (width - 1) / 2, y + (width - 1) / 2, c);
    }
  }
  /** Writes a PNG (temp file + rename). */
  save(file: string): void {
    const raw = new Uint8Array((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) raw.set(this.data.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * (this.width * 3 + 1) + 1);
    const chunk = (type: string, body: Uint8Array) => {
      const out = Buffer.alloc(12 + body.length);
      out.writeUInt32BE(body.length, 0);
      out.write(type, 4, 'latin1');
      Buffer.from(body).copy(out, 8);
      out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
      return out;
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8;
    ihdr[9] = 2; // truecolour
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', new Uint8Array(0)),
    ]);
    writeFileSync(`${file}.tmp`, png);
    renameSync(`${file}.tmp`, file);
  }
}

/** Density curves of several score samples on one axis (no text: colours are listed by the caller). */
export function plotDensities(file: string, series: { scores: number[]; colour: readonly number[] }[], marker?: number): void {
  const W = 640;
  const H = 360;
  const pad = 30;
  const c = new Canvas(W, H);
  const all = series.flatMap((s) => s.scores);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const bins = 80;
  const hists = series.map((s) => {
    const h = new Float64Array(bins);
    for (const v of s.scores) h[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))] += 1 / s.scores.length;
    return h;
  });
  const top = Math.max(...hists.flatMap((h) => Array.from(h)));
  const X = (b: number) => pad + (b / bins) * (W - 2 * pad);
  const Y = (v: number) => H - pad - (v / top) * (H - 2 * pad);
  c.line(pad, H - pad, W - pad, H - pad, [0, 0, 0]);
  c.line(pad, pad, pad, H - pad, [0, 0, 0]);
  // Ticks every 0.1 of score; a longer one at 0.
  for (let t = Math.ceil(lo * 10) / 10; t <= hi; t += 0.1) {
    const x = pad + ((t - lo) / (hi - lo)) * (W - 2 * pad);
    c.line(x, H - pad, x, H - pad + (Math.abs(t) < 1e-9 ? 12 : 6), [0, 0, 0]);
  }
  if (marker !== undefined) {
    const x = pad + ((marker - lo) / (hi - lo)) * (W - 2 * pad);
    for (let y = pad; y < H - pad; y += 6) c.line(x, y, x, y + 3, [120, 120, 120]);
  }
  hists.forEach((h, i) => {
    for (let b = 0; b + 1 < bins; b++) c.line(X(b + 0.5), Y(h[b]), X(b + 1.5), Y(h[b + 1]), series[i].colour, 2);
  });
  c.save(file);
}
