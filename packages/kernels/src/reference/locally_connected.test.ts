import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { locallyConnectedGeometry } from '../geometry';
import { seededValues } from '../test_util';
import {
  referenceLocallyConnected2d,
  referenceLocallyConnected2dBackpropBias,
  referenceLocallyConnected2dBackpropFilter,
  referenceLocallyConnected2dBackpropInput,
} from './locally_connected';
import { referenceConv2dBackpropFilter } from './conv2d_backprop_filter';

describe('reference LocallyConnected2D', () => {
  it('matches a hand-computed case (2x2 input, 1x2 kernel, 2 channels out)', () => {
    // x = [[1, 2], [3, 4]] (one channel); kernel 1x2 -> outputs at (0,0) and (1,0)
    const g = locallyConnectedGeometry('t', [1, 2, 2, 1], [2, 1, 2, 2], [1, 2], [1, 1]);
    const x = [1, 2, 3, 4];
    // filter[oy, 0, k, oc]: position 0 -> [[1, 0], [0, 1]] (identity), position 1 -> [[1, 1], [-1, 2]]
    const filter = [1, 0, 0, 1, 1, 1, -1, 2];
    const bias = [10, 20, 30, 40];
    // pos 0: [1, 2]·I + [10, 20] = [11, 22]; pos 1: [3, 4]·[[1,1],[-1,2]] = [3-4, 3+8] = [-1, 11] + [30, 40]
    expect(Array.from(referenceLocallyConnected2d(g, x, filter, bias))).toEqual([11, 22, 29, 51]);
    const dy = [1, 2, 3, 4];
    // dx pos 0 = I·[1,2] = [1,2]; pos 1 = [[1,1],[-1,2]]·[3,4] = [7, 5]
    expect(Array.from(referenceLocallyConnected2dBackpropInput(g, dy, filter))).toEqual([1, 2, 7, 5]);
    // dW pos 0 = [1,2]ᵀ[1,2] = [[1,2],[2,4]]; pos 1 = [3,4]ᵀ[3,4] = [[9,12],[12,16]]
    expect(Array.from(referenceLocallyConnected2dBackpropFilter(g, x, dy))).toEqual([1, 2, 2, 4, 9, 12, 12, 16]);
    expect(Array.from(referenceLocallyConnected2dBackpropBias(g, dy))).toEqual([1, 2, 3, 4]);
  });

  it('its gradients match central finite differences of its forward (float64)', () => {
    const g = locallyConnectedGeometry('t', [2, 5, 4, 2], [2, 1, 18, 3], [3, 3], [2, 2], [2, 1, 3]);
    const x = Float64Array.from(seededValues(2 * 5 * 4 * 2, 1));
    const w = Float64Array.from(seededValues(2 * 1 * 18 * 3, 2));
    const b = Float64Array.from(seededValues(2 * 1 * 3, 3));
    const r = Float64Array.from(seededValues(2 * 2 * 1 * 3, 4)); // loss = Σ r·y, so dy = r
    const loss = () => referenceLocallyConnected2d(g, x, w, b).reduce((s, y, i) => s + y * r[i]!, 0);
    const h = 1e-5;
    const check = (values: Float64Array, analytic: Float64Array) => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        values[i] = v + h;
        const up = loss();
        values[i] = v - h;
        const down = loss();
        values[i] = v;
        // the loss is linear in each argument, so central differences are exact up to rounding
        expect(Math.abs((up - down) / (2 * h) - analytic[i]!)).toBeLessThan(1e-8);
      }
    };
    check(x, referenceLocallyConnected2dBackpropInput(g, r, w));
    check(w, referenceLocallyConnected2dBackpropFilter(g, x, r));
    check(b, referenceLocallyConnected2dBackpropBias(g, r));
  });

  it('reproduces the golden file', () => {
    const golden = JSON.parse(readFileSync(new URL('../../testdata/locally_connected2d.golden.json', import.meta.url), 'utf8'));
    for (const c of golden.cases) {
      const g = locallyConnectedGeometry('golden', c.xShape, c.filterShape, c.kernelSize, c.strides, c.biasShape);
      expect(Array.from(referenceLocallyConnected2d(g, c.x, c.filter, c.bias)), c.name).toEqual(c.y);
      expect(Array.from(referenceLocallyConnected2dBackpropInput(g, c.dy, c.filter)), c.name).toEqual(c.dx);
      expect(Array.from(referenceLocallyConnected2dBackpropFilter(g, c.x, c.dy)), c.name).toEqual(c.dFilter);
    }
  });
});

describe('reference Conv2DBackpropFilter', () => {
  it('matches a hand-computed case with SAME padding', () => {
    // 1x3x1 input [1, 2, 3], 1x3 filter, pad 1 left/right, stride 1 -> 3 outputs; dy = [1, 1, 1]
    // dW[kx] = Σ_ox x[ox + kx − 1]: kx=0 -> 0+1+2 = 3, kx=1 -> 6, kx=2 -> 2+3+0 = 5
    const dw = referenceConv2dBackpropFilter(
      { batch: 1, inHeight: 1, inWidth: 3, inChannels: 1, filterHeight: 1, filterWidth: 3, outChannels: 1, strideHeight: 1, strideWidth: 1, padTop: 0, padLeft: 1, outHeight: 1, outWidth: 3 },
      [1, 2, 3],
      [1, 1, 1],
    );
    expect(Array.from(dw)).toEqual([3, 6, 5]);
  });
});
