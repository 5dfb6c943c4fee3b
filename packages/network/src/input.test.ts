import { describe, expect, it } from 'vitest';
import type { Image } from '@deepface-ts/image';
import { cropsToBatch, cropToInput } from './input';

const crop = (size: number, f: (x: number, y: number, c: number) => number): Image<Uint8Array> => {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = f(x, y, c);
  return { width: size, height: size, channels: 3, data };
};

describe('cropToInput', () => {
  it('scales RGB to [-1, 1]', () => {
    const out = new Float32Array(2 * 2 * 3);
    cropToInput(crop(2, (_x, _y, c) => [0, 255, 51][c]!), 2, 'rgb', out);
    expect(Array.from(out.subarray(0, 3)).map((v) => +v.toFixed(4))).toEqual([-1, 1, -0.6]);
  });
  it('grey + gradient: a horizontal ramp has a constant horizontal gradient (orientation 0)', () => {
    const size = 5;
    const out = new Float32Array(size * size * 3);
    cropToInput(crop(size, (x) => x * 50), size, 'grey-gradient', out);
    const at = (x: number, y: number, c: number) => out[(y * size + x) * 3 + c]!;
    expect(at(0, 0, 0)).toBeCloseTo(-1, 5); // grey 0
    expect(at(4, 2, 0)).toBeCloseTo((200 / 255) * 2 - 1, 5);
    // interior: (g(x+1) − g(x−1)) / 2 = 50/255 per pixel → magnitude term 2·50/255·2 − 1
    expect(at(2, 2, 1)).toBeCloseTo(Math.min(1, (50 / 255) * 2) * 2 - 1, 5);
    expect(at(2, 2, 2)).toBeCloseTo(0, 6);
    // a vertical ramp points down: orientation atan2(+, 0)/π = 0.5
    cropToInput(crop(size, (_x, y) => y * 50), size, 'grey-gradient', out);
    expect(at(2, 2, 2)).toBeCloseTo(0.5, 6);
  });
  it('rejects crops of the wrong size or channel count, naming them', () => {
    expect(() => cropsToBatch([crop(4, () => 0), crop(3, () => 0)], 4, 'rgb')).toThrow('crop 1: crop is 3×3, the network expects 4×4');
    const grey: Image = { width: 4, height: 4, channels: 1, data: new Uint8Array(16) };
    expect(() => cropToInput(grey, 4, 'rgb', new Float32Array(48))).toThrow('crop: crop has 1 channels, expected 3 (RGB)');
  });
});
