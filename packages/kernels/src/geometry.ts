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

const show = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value));

function checkPositiveInt(op: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ShapeError(`${op}: ${what} must be a positive integer, received ${show(value)}`);
  }
}

/** Normalizes `n` or `[h, w]` to `[h, w]`, checking both are positive integers. */
export function pair(op: string, what: string, value: number | readonly [number, number]): [number, number] {
  // Checked before indexing: kernels called directly (runKernel) may get a missing attribute.
  if (typeof value !== 'number' && (!Array.isArray(value) || value.length !== 2)) {
    throw new ShapeError(`${op}: ${what} must be a number or [height, width], received ${JSON.stringify(value)}`);
  }
  const result: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  checkPositiveInt(op, `${what} height`, result[0]);
  checkPositiveInt(op, `${what} width`, result[1]);
  return result;
}

function checkShape(op: string, name: string, shape: readonly number[], rank: number, meaning: string): void {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: ${name} must be a shape of rank ${rank} ${meaning}, received ${show(shape)}`);
  }
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
  const g = validGeometry(
    op,
    xShape,
    'x',
    kernelSize ? pair(op, 'kernelSize', kernelSize) : inferKernelSize(op, xShape[3]!, filterShape[2]!),
    pair(op, 'strides', strides),
    filterShape[3]!,
  );
  checkFilterShape(op, g, xShape, 'x', filterShape);
  if (biasShape) {
    const expectedBias = [g.outHeight, g.outWidth, g.outChannels];
    if (!Array.isArray(biasShape) || biasShape.length !== 3 || expectedBias.some((d, i) => d !== biasShape[i])) {
      throw new ShapeError(`${op}: bias must have shape ${fmt(expectedBias)} = [outH, outW, outC]; received ${fmt(biasShape)}`);
    }
  }
  return g;
}

/** Geometry of a VALID call on an already-checked rank-4 input shape, refusing a kernel larger than the input. */
function validGeometry(
  op: string,
  xShape: readonly number[],
  xName: string,
  [kernelHeight, kernelWidth]: readonly [number, number],
  [strideHeight, strideWidth]: readonly [number, number],
  outChannels: number,
): LocallyConnectedGeometry {
  const [batch, inHeight, inWidth, inChannels] = xShape as [number, number, number, number];
  if (kernelHeight > inHeight || kernelWidth > inWidth) {
    throw new ShapeError(
      `${op}: kernel ${kernelHeight}×${kernelWidth} is larger than the input ${inHeight}×${inWidth} (${xName} shape ${fmt(xShape)}); padding is VALID`,
    );
  }
  return {
    batch, inHeight, inWidth, inChannels, kernelHeight, kernelWidth, strideHeight, strideWidth,
    outHeight: Math.floor((inHeight - kernelHeight) / strideHeight) + 1,
    outWidth: Math.floor((inWidth - kernelWidth) / strideWidth) + 1,
    outChannels,
    patchSize: kernelHeight * kernelWidth * inChannels,
  };
}

function checkFilterShape(op: string, g: LocallyConnectedGeometry, xShape: readonly number[], xName: string, received: readonly number[]): void {
  const expected = filterShape(g);
  if (expected.some((d, i) => d !== received[i])) {
    throw new ShapeError(
      `${op}: filter must have shape ${fmt(expected)} = [outH, outW, kH·kW·inC, outC] for ${xName} ${fmt(xShape)} with kernel ` +
        `${g.kernelHeight}×${g.kernelWidth} and stride ${g.strideHeight}×${g.strideWidth}; received ${fmt(received)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Checks run by every kernel function (cpu and wasm), not only by the op: a kernel can be
// reached through engine().runKernel with any inputs and attributes, and the kernels index
// their buffers (the wasm ones raw heap memory) with sizes computed from the attributes.
// Each check is O(1) (a few shape comparisons per call); none reads tensor data.
// ---------------------------------------------------------------------------------------

/** What the checks need of a kernel input (a TensorInfo). */
export interface KernelTensorInfo {
  shape: readonly number[];
  dtype: string;
}

/** The float32 input `name` of `kernel`, present and of the given rank with positive dimensions. */
function kernelInput(kernel: string, name: string, t: KernelTensorInfo | undefined, rank: number, meaning: string): readonly number[] {
  if (t == null || typeof t !== 'object') throw new ShapeError(`${kernel}: input ${name} ${meaning} is missing`);
  if (t.dtype !== 'float32') {
    throw new TypeError(`${kernel}: ${name} must be float32, received ${t.dtype} with shape ${Array.isArray(t.shape) ? fmt(t.shape) : show(t.shape)}`);
  }
  checkShape(kernel, name, t.shape, rank, meaning);
  return t.shape;
}

/** The kernel attributes strides and kernelSize, both pairs (or numbers) of positive integers. */
function kernelWindow(kernel: string, attrs: unknown): { kernelSize: [number, number]; strides: [number, number] } {
  if (attrs == null || typeof attrs !== 'object') throw new ShapeError(`${kernel}: attributes { strides, kernelSize } are missing`);
  const a = attrs as { strides?: number | [number, number]; kernelSize?: number | [number, number] };
  return { kernelSize: pair(kernel, 'attribute kernelSize', a.kernelSize!), strides: pair(kernel, 'attribute strides', a.strides!) };
}

function checkDy(kernel: string, g: LocallyConnectedGeometry, dyShape: readonly number[], xName: string): void {
  const expected = outputShape(g);
  if (expected.some((d, i) => d !== dyShape[i])) {
    throw new ShapeError(
      `${kernel}: dy must have shape ${fmt(expected)} = [batch, outH, outW, outC] (the forward output for ${xName} ` +
        `${fmt(inputShape(g))} with kernel ${g.kernelHeight}×${g.kernelWidth} and stride ${g.strideHeight}×${g.strideWidth}); ` +
        `received ${fmt(dyShape)}`,
    );
  }
}

const X_MEANING = '[batch, height, width, channels]';
const FILTER_MEANING = '[outH, outW, kH·kW·inC, outC]';
const DY_MEANING = '[batch, outH, outW, outC]';

/**
 * Validates a LocallyConnected2D kernel call: x, filter and bias float32 and of the shapes
 * the attributes imply (filter [outH, outW, kH·kW·inC, outC], bias [outH, outW, outC]).
 * `kernel` names the kernel in errors, e.g. 'LocallyConnected2D (wasm)'.
 */
export function locallyConnected2dKernelGeometry(
  kernel: string,
  inputs: { x?: KernelTensorInfo; filter?: KernelTensorInfo; bias?: KernelTensorInfo | null },
  attrs: unknown,
): LocallyConnectedGeometry {
  const xShape = kernelInput(kernel, 'x', inputs.x, 4, X_MEANING);
  const fShape = kernelInput(kernel, 'filter', inputs.filter, 4, FILTER_MEANING);
  const biasShape = inputs.bias == null ? undefined : kernelInput(kernel, 'bias', inputs.bias, 3, '[outH, outW, outC]');
  const { kernelSize, strides } = kernelWindow(kernel, attrs);
  return locallyConnectedGeometry(kernel, xShape, fShape, kernelSize, strides, biasShape);
}

/**
 * Validates a LocallyConnected2DBackpropInput kernel call: the attribute inputShape (rank 4,
 * positive), filter of the shape it implies, dy of the forward output's shape, both float32.
 */
export function locallyConnected2dBackpropInputKernelGeometry(
  kernel: string,
  inputs: { dy?: KernelTensorInfo; filter?: KernelTensorInfo },
  attrs: unknown,
): LocallyConnectedGeometry {
  const dyShape = kernelInput(kernel, 'dy', inputs.dy, 4, DY_MEANING);
  const fShape = kernelInput(kernel, 'filter', inputs.filter, 4, FILTER_MEANING);
  const { kernelSize, strides } = kernelWindow(kernel, attrs);
  const xShape = (attrs as { inputShape?: readonly number[] }).inputShape!;
  checkShape(kernel, 'attribute inputShape', xShape, 4, X_MEANING);
  const g = validGeometry(kernel, xShape, 'inputShape', kernelSize, strides, fShape[3]!);
  checkFilterShape(kernel, g, xShape, 'inputShape', fShape);
  checkDy(kernel, g, dyShape, 'inputShape');
  return g;
}

/**
 * Validates a LocallyConnected2DBackpropFilter kernel call: x (rank 4, positive), the
 * attribute outChannels (a positive integer), dy of the forward output's shape, both float32.
 */
export function locallyConnected2dBackpropFilterKernelGeometry(
  kernel: string,
  inputs: { x?: KernelTensorInfo; dy?: KernelTensorInfo },
  attrs: unknown,
): LocallyConnectedGeometry {
  const xShape = kernelInput(kernel, 'x', inputs.x, 4, X_MEANING);
  const dyShape = kernelInput(kernel, 'dy', inputs.dy, 4, DY_MEANING);
  const { kernelSize, strides } = kernelWindow(kernel, attrs);
  const outChannels = (attrs as { outChannels?: number }).outChannels!;
  checkPositiveInt(kernel, 'attribute outChannels', outChannels);
  const g = validGeometry(kernel, xShape, 'x', kernelSize, strides, outChannels);
  checkDy(kernel, g, dyShape, 'x');
  return g;
}

/** Geometry from sizes the caller has already validated (no checks; the benchmark's cases). */
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
