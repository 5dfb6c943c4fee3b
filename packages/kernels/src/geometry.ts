/**
 * Shape arithmetic and validation for LocallyConnected2D, shared by the op, every kernel
 * and the reference, so they all agree on what a valid call is and say so the same way.
 */

/** Everything a LocallyConnected2D implementation needs to know about one call. */
export interface LocallyConnectedGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  /** kernelHeight · kernelWidth · inChannels: rows of each position's filter matrix. */
  patchSize: number;
}

export class ShapeError extends Error {
  override name = 'ShapeError';
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function checkPositiveInt(op: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ShapeError(`${op}: ${what} must be a positive integer, received ${value}`);
  }
}

/** Normalizes `n` or `[h, w]` to `[h, w]`, checking both are positive integers. */
export function pair(op: string, what: string, value: number | readonly [number, number]): [number, number] {
  const result: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (typeof value !== 'number' && (!Array.isArray(value) || value.length !== 2)) {
    throw new ShapeError(`${op}: ${what} must be a number or [height, width], received ${JSON.stringify(value)}`);
  }
  checkPositiveInt(op, `${what} height`, result[0]);
  checkPositiveInt(op, `${what} width`, result[1]);
  return result;
}

function checkShape(op: string, name: string, shape: readonly number[], rank: number, meaning: string): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} must have rank ${rank} ${meaning}, received shape ${fmt(shape)} (rank ${shape.length})`);
  }
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d <= 0) {
      throw new ShapeError(`${op}: ${name} dimensions must be positive, received shape ${fmt(shape)} (dimension ${i} is ${d})`);
    }
  });
}

/**
 * Infers a square kernel from the filter's patch dimension when no kernel size is given:
 * K = k·k·inC. Non-square kernels cannot be told apart from K alone, so they must be passed.
 */
export function inferKernelSize(op: string, inChannels: number, patchSize: number): [number, number] {
  const k = Math.round(Math.sqrt(patchSize / inChannels));
  if (k <= 0 || k * k * inChannels !== patchSize) {
    throw new ShapeError(
      `${op}: cannot infer a square kernel from filter dimension 2 = ${patchSize} with ${inChannels} input channels ` +
        `(expected k·k·${inChannels}); pass kernelSize explicitly`,
    );
  }
  return [k, k];
}

/**
 * Validates the shapes of a LocallyConnected2D call (VALID padding) and returns its geometry.
 * Errors name the expected and the received shape.
 */
export function locallyConnectedGeometry(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  kernelSize: readonly [number, number] | undefined,
  strides: readonly [number, number],
  biasShape?: readonly number[],
): LocallyConnectedGeometry {
  checkShape(op, 'x', xShape, 4, '[batch, height, width, channels]');
  checkShape(op, 'filter', filterShape, 4, '[outHeight, outWidth, kernelHeight·kernelWidth·inChannels, outChannels]');
  const [batch, inHeight, inWidth, inChannels] = xShape as [number, number, number, number];
  const [kernelHeight, kernelWidth] = kernelSize
    ? pair(op, 'kernelSize', kernelSize)
    : inferKernelSize(op, inChannels, filterShape[2]!);
  const [strideHeight, strideWidth] = pair(op, 'strides', strides);
  if (kernelHeight > inHeight || kernelWidth > inWidth) {
    throw new ShapeError(
      `${op}: kernel ${kernelHeight}×${kernelWidth} is larger than the input ${inHeight}×${inWidth} (x shape ${fmt(xShape)}); padding is VALID`,
    );
  }
  const outHeight = Math.floor((inHeight - kernelHeight) / strideHeight) + 1;
  const outWidth = Math.floor((inWidth - kernelWidth) / strideWidth) + 1;
  const patchSize = kernelHeight * kernelWidth * inChannels;
  const outChannels = filterShape[3]!;
  const expected = [outHeight, outWidth, patchSize, outChannels];
  if (expected.some((d, i) => d !== filterShape[i])) {
    throw new ShapeError(
      `${op}: filter must have shape ${fmt(expected)} = [outH, outW, kH·kW·inC, outC] for x ${fmt(xShape)} with kernel ` +
        `${kernelHeight}×${kernelWidth} and stride ${strideHeight}×${strideWidth}; received ${fmt(filterShape)}`,
    );
  }
  if (biasShape) {
    const expectedBias = [outHeight, outWidth, outChannels];
    if (biasShape.length !== 3 || expectedBias.some((d, i) => d !== biasShape[i])) {
      throw new ShapeError(`${op}: bias must have shape ${fmt(expectedBias)} = [outH, outW, outC]; received ${fmt(biasShape)}`);
    }
  }
  return {
    batch, inHeight, inWidth, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
    outHeight, outWidth, outChannels, patchSize,
  };
}

/** Geometry from attrs whose shapes were already validated by the op (kernels, gradients). */
export function geometryFromShapes(
  xShape: readonly number[],
  kernelSize: readonly [number, number],
  strides: readonly [number, number],
  outChannels: number,
): LocallyConnectedGeometry {
  const [batch, inHeight, inWidth, inChannels] = xShape as [number, number, number, number];
  const [kernelHeight, kernelWidth] = kernelSize;
  const [strideHeight, strideWidth] = strides;
  return {
    batch, inHeight, inWidth, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
    outHeight: Math.floor((inHeight - kernelHeight) / strideHeight) + 1,
    outWidth: Math.floor((inWidth - kernelWidth) / strideWidth) + 1,
    outChannels,
    patchSize: kernelHeight * kernelWidth * inChannels,
  };
}

export const outputShape = (g: LocallyConnectedGeometry): [number, number, number, number] =>
  [g.batch, g.outHeight, g.outWidth, g.outChannels];
export const filterShape = (g: LocallyConnectedGeometry): [number, number, number, number] =>
  [g.outHeight, g.outWidth, g.patchSize, g.outChannels];
export const inputShape = (g: LocallyConnectedGeometry): [number, number, number, number] =>
  [g.batch, g.inHeight, g.inWidth, g.inChannels];

/** Multiply-adds of one forward pass (also of the weight gradient and of the input gradient). */
export const multiplyAdds = (g: LocallyConnectedGeometry): number =>
  g.batch * g.outHeight * g.outWidth * g.patchSize * g.outChannels;
