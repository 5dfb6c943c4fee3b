/**
 * Writes testdata/locally_connected2d.golden.json: small LocallyConnected2D cases with the
 * float64 reference's forward output and gradients, shared by the tests of every
 * implementation (reference, cpu, wasm). Inputs are multiples of 2^-12, exact in float32.
 *
 *   pnpm --filter @deepface-ts/kernels golden
 */
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { locallyConnectedGeometry } from '../src/geometry';
import {
  referenceLocallyConnected2d,
  referenceLocallyConnected2dBackpropBias,
  referenceLocallyConnected2dBackpropFilter,
  referenceLocallyConnected2dBackpropInput,
} from '../src/reference/locally_connected';
import { seededValues } from '../src/test_util';

interface CaseSpec {
  name: string;
  xShape: [number, number, number, number];
  kernelSize: [number, number];
  strides: [number, number];
  outChannels: number;
}

const cases: CaseSpec[] = [
  { name: '1x1 kernel, batch 2', xShape: [2, 3, 3, 2], kernelSize: [1, 1], strides: [1, 1], outChannels: 3 },
  { name: '3x3 stride 2 on odd 7x5, batch 3', xShape: [3, 7, 5, 2], kernelSize: [3, 3], strides: [2, 2], outChannels: 5 },
  { name: 'one output position', xShape: [2, 4, 4, 3], kernelSize: [4, 4], strides: [1, 1], outChannels: 8 },
  { name: 'non-square 2x3 kernel, strides 1x2, 9 channels out', xShape: [2, 5, 6, 3], kernelSize: [2, 3], strides: [1, 2], outChannels: 9 },
];

const round = (a: ArrayLike<number>) => Array.from(a);
const out = cases.map((c, i) => {
  const [B, H, W, C] = c.xShape;
  const outH = Math.floor((H - c.kernelSize[0]) / c.strides[0]) + 1;
  const outW = Math.floor((W - c.kernelSize[1]) / c.strides[1]) + 1;
  const filterShape = [outH, outW, c.kernelSize[0] * c.kernelSize[1] * C, c.outChannels];
  const g = locallyConnectedGeometry('golden', c.xShape, filterShape, c.kernelSize, c.strides, [outH, outW, c.outChannels]);
  const x = seededValues(B * H * W * C, 100 + i);
  const filter = seededValues(filterShape.reduce((a, b) => a * b), 200 + i);
  const bias = seededValues(outH * outW * c.outChannels, 300 + i);
  const dy = seededValues(B * outH * outW * c.outChannels, 400 + i);
  return {
    ...c,
    filterShape,
    biasShape: [outH, outW, c.outChannels],
    yShape: [B, outH, outW, c.outChannels],
    x: round(x), filter: round(filter), bias: round(bias), dy: round(dy),
    y: round(referenceLocallyConnected2d(g, x, filter, bias)),
    dx: round(referenceLocallyConnected2dBackpropInput(g, dy, filter)),
    dFilter: round(referenceLocallyConnected2dBackpropFilter(g, x, dy)),
    dBias: round(referenceLocallyConnected2dBackpropBias(g, dy)),
  };
});

const target = fileURLToPath(new URL('../testdata/locally_connected2d.golden.json', import.meta.url));
const tmp = `${target}.tmp`;
writeFileSync(tmp, JSON.stringify({ generatedBy: 'scripts/generate-golden.ts (float64 reference)', cases: out }) + '\n');
renameSync(tmp, target);
console.log(`wrote ${out.length} cases to ${target}`);
