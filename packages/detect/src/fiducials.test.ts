import { describe, expect, it } from 'vitest';
import { eyeCenters, sixFiducials } from './fiducials';

describe('fiducials', () => {
  // Point i at (i, 100 + 2i): means over index ranges are easy to compute by hand.
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    lm[2 * i] = i;
    lm[2 * i + 1] = 100 + 2 * i;
  }
  it('eye centres are the means of 36–41 and 42–47', () => {
    expect(eyeCenters(lm)).toEqual({ left: { x: 38.5, y: 177 }, right: { x: 44.5, y: 189 } });
  });
  it('six fiducials: eyes, nose tip 30, mouth corners 48 and 54, mouth centre', () => {
    expect(Array.from(sixFiducials(lm))).toEqual([38.5, 177, 44.5, 189, 30, 160, 48, 196, 54, 208, 51, 202]);
  });
  it('rejects a wrong length', () => {
    expect(() => sixFiducials(new Float32Array(10))).toThrow(/136 values.*got 10/);
  });
});
