/**
 * Plain reference implementations, written for obviousness rather than speed, in float64.
 * Every backend is tested against these, and testdata/ golden files are generated from them.
 */
import type { LocallyConnectedGeometry } from '../geometry';

type Values = ArrayLike<number>;

/** Index of x[b, iy, ix, c] in an NHWC buffer. */
const xIndex = (g: LocallyConnectedGeometry, b: number, iy: number, ix: number, c: number) =>
  ((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c;
/** Index of filter[oy, ox, k, oc] with k = (ky·kW + kx)·inC + c. */
const wIndex = (g: LocallyConnectedGeometry, oy: number, ox: number, k: number, oc: number) =>
  ((oy * g.outWidth + ox) * g.patchSize + k) * g.outChannels + oc;
const yIndex = (g: LocallyConnectedGeometry, b: number, oy: number, ox: number, oc: number) =>
  ((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + oc;

const sizes = (g: LocallyConnectedGeometry) => ({
  x: [[g.batch, g.inHeight, g.inWidth, g.inChannels], '[batch, inH, inW, inC]'],
  filter: [[g.outHeight, g.outWidth, g.patchSize, g.outChannels], '[outH, outW, kH·kW·inC, outC]'],
  bias: [[g.outHeight, g.outWidth, g.outChannels], '[outH, outW, outC]'],
  dy: [[g.batch, g.outHeight, g.outWidth, g.outChannels], '[batch, outH, outW, outC]'],
}) as const;

/**
 * The references index flat arrays by the geometry: refuse one of the wrong length (a
 * short one would read undefined, i.e. NaN, silently). O(1) per call.
 */
function checkLengths(fn: string, g: LocallyConnectedGeometry, arrays: { [K in 'x' | 'filter' | 'bias' | 'dy']?: Values }): void {
  const expected = sizes(g);
  for (const [name, values] of Object.entries(arrays) as ['x' | 'filter' | 'bias' | 'dy', Values | undefined][]) {
    if (values == null && name === 'bias') continue; // optional
    const [shape, meaning] = expected[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (values == null || values.length !== n) {
      throw new RangeError(`${fn}: ${name} must have ${n} values = [${shape.join(', ')}] = ${meaning}; received ${values?.length}`);
    }
  }
}

/** Calls fn(k, iy, ix, c) for every element of the patch feeding output (oy, ox). */
function forEachPatchElement(
  g: LocallyConnectedGeometry,
  oy: number,
  ox: number,
  fn: (k: number, iy: number, ix: number, c: number) => void,
): void {
  for (let ky = 0; ky < g.kernelHeight; ky++) {
    for (let kx = 0; kx < g.kernelWidth; kx++) {
      for (let c = 0; c < g.inChannels; c++) {
        fn((ky * g.kernelWidth + kx) * g.inChannels + c, oy * g.strideHeight + ky, ox * g.strideWidth + kx, c);
      }
    }
  }
}

export function referenceLocallyConnected2d(g: LocallyConnectedGeometry, x: Values, filter: Values, bias?: Values): Float64Array {
  checkLengths('referenceLocallyConnected2d', g, { x, filter, bias });
  const y = new Float64Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let oc = 0; oc < g.outChannels; oc++) {
          let sum = bias ? bias[(oy * g.outWidth + ox) * g.outChannels + oc]! : 0;
          forEachPatchElement(g, oy, ox, (k, iy, ix, c) => {
            sum += x[xIndex(g, b, iy, ix, c)]! * filter[wIndex(g, oy, ox, k, oc)]!;
          });
          y[yIndex(g, b, oy, ox, oc)] = sum;
        }
      }
    }
  }
  return y;
}

export function referenceLocallyConnected2dBackpropInput(g: LocallyConnectedGeometry, dy: Values, filter: Values): Float64Array {
  checkLengths('referenceLocallyConnected2dBackpropInput', g, { dy, filter });
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        forEachPatchElement(g, oy, ox, (k, iy, ix, c) => {
          let sum = 0;
          for (let oc = 0; oc < g.outChannels; oc++) sum += dy[yIndex(g, b, oy, ox, oc)]! * filter[wIndex(g, oy, ox, k, oc)]!;
          dx[xIndex(g, b, iy, ix, c)] += sum;
        });
      }
    }
  }
  return dx;
}

export function referenceLocallyConnected2dBackpropFilter(g: LocallyConnectedGeometry, x: Values, dy: Values): Float64Array {
  checkLengths('referenceLocallyConnected2dBackpropFilter', g, { x, dy });
  const dw = new Float64Array(g.outHeight * g.outWidth * g.patchSize * g.outChannels);
  for (let oy = 0; oy < g.outHeight; oy++) {
    for (let ox = 0; ox < g.outWidth; ox++) {
      forEachPatchElement(g, oy, ox, (k, iy, ix, c) => {
        for (let oc = 0; oc < g.outChannels; oc++) {
          let sum = 0;
          for (let b = 0; b < g.batch; b++) sum += x[xIndex(g, b, iy, ix, c)]! * dy[yIndex(g, b, oy, ox, oc)]!;
          dw[wIndex(g, oy, ox, k, oc)] = sum;
        }
      });
    }
  }
  return dw;
}

/** Bias gradient: dy summed over the batch, shape [outH, outW, outC]. */
export function referenceLocallyConnected2dBackpropBias(g: LocallyConnectedGeometry, dy: Values): Float64Array {
  checkLengths('referenceLocallyConnected2dBackpropBias', g, { dy });
  const per = g.outHeight * g.outWidth * g.outChannels;
  const db = new Float64Array(per);
  for (let b = 0; b < g.batch; b++) for (let i = 0; i < per; i++) db[i] += dy[b * per + i]!;
  return db;
}
