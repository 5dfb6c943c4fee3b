/**
 * The DeepFace architecture as data: a config lists the layers, and everything else (shapes,
 * parameter counts, the weights file's tensor names, the tfjs model) is derived from it.
 *
 * Layer table (DeepFace §3, input 152×152×3):
 *   C1 conv 32×11×11 → 142×142×32, M2 max-pool 3×3/2 → 71×71×32, C3 conv 16×9×9 → 63×63×16,
 *   L4 local 16×9×9 → 55×55×16, L5 local 16×7×7/2 → 25×25×16, L6 local 16×5×5 → 21×21×16,
 *   F7 dense 4096 (+ dropout), F8 dense K → softmax.
 */

export type InputMode =
  /** 3 channels: R, G, B. */
  | 'rgb'
  /** 3 channels: grey level, gradient magnitude, gradient orientation (DeepFace-gradient). */
  | 'grey-gradient';

/** Which crops the network is trained on (DeepFace-align2D uses 2D-aligned crops). */
export type Alignment = '3d' | '2d';

export type LayerSpec =
  | { readonly name: string; readonly kind: 'conv'; readonly filters: number; readonly kernel: number; readonly stride: number }
  | { readonly name: string; readonly kind: 'maxpool'; readonly size: number; readonly stride: number }
  | { readonly name: string; readonly kind: 'local'; readonly filters: number; readonly kernel: number; readonly stride: number }
  | { readonly name: string; readonly kind: 'dense'; readonly units: number; readonly dropout: number }
  | { readonly name: string; readonly kind: 'logits'; readonly units: number };

export interface NetworkConfig {
  /** A short name for reports, e.g. "deepface-152-f4096-k4030". */
  readonly name: string;
  /** Square input side in pixels (152 in the paper). */
  readonly inputSize: number;
  readonly inputChannels: 3;
  readonly inputMode: InputMode;
  readonly alignment: Alignment;
  readonly layers: readonly LayerSpec[];
}

export interface DeepFaceOptions {
  /** Input side (default 152). A reduced size keeps the layer types and order. */
  inputSize?: number;
  /** F7 width: 4096 in DeepFace, 1024 / 256 for the web-scale bottlenecks. */
  f7?: number;
  /** Number of identities K of the F8 softmax (4030 in the paper). */
  numClasses?: number;
  /** "+" variants: 32 instead of 16 filters in L4–L6. */
  plus?: boolean;
  /** Filters in C1 / C3 (defaults 32 / 16). */
  c1Filters?: number;
  c3Filters?: number;
  /** Filters in L4–L6 (default 16, or 32 with `plus`). */
  localFilters?: number;
  /** DF-sub variants: sub1 removes C3, sub2 removes L4 and L5, sub3 removes C3, L4 and L5. */
  sub?: 0 | 1 | 2 | 3;
  /** Dropout rate on F7 during training (default 0.5). */
  dropout?: number;
  inputMode?: InputMode;
  alignment?: Alignment;
  /** Kernel sizes, for reduced inputs (defaults: the paper's 11, 9, 9, 7, 5). */
  kernels?: Partial<Record<'c1' | 'c3' | 'l4' | 'l5' | 'l6', number>>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Builds a DeepFace config; the defaults are the paper's network. */
export function deepFaceConfig(options: DeepFaceOptions = {}): NetworkConfig {
  const {
    inputSize = 152,
    f7 = 4096,
    numClasses = 4030,
    plus = false,
    c1Filters = 32,
    c3Filters = 16,
    sub = 0,
    dropout = 0.5,
    inputMode = 'rgb',
    alignment = '3d',
    kernels = {},
  } = options;
  const localFilters = options.localFilters ?? (plus ? 32 : 16);
  const k = { c1: 11, c3: 9, l4: 9, l5: 7, l6: 5, ...kernels };
  const positive = { inputSize, f7, numClasses, c1Filters, c3Filters, localFilters, ...k };
  for (const [key, v] of Object.entries(positive)) {
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`deepFaceConfig: ${key} must be a positive integer, got ${v}`);
  }
  if (!(dropout >= 0 && dropout < 1)) throw new ConfigError(`deepFaceConfig: dropout must be in [0, 1), got ${dropout}`);
  if (![0, 1, 2, 3].includes(sub)) throw new ConfigError(`deepFaceConfig: sub must be 0, 1, 2 or 3, got ${sub}`);

  const dropC3 = sub === 1 || sub === 3;
  const dropL4L5 = sub === 2 || sub === 3;
  const layers: LayerSpec[] = [
    { name: 'C1', kind: 'conv', filters: c1Filters, kernel: k.c1, stride: 1 },
    { name: 'M2', kind: 'maxpool', size: 3, stride: 2 },
  ];
  if (!dropC3) layers.push({ name: 'C3', kind: 'conv', filters: c3Filters, kernel: k.c3, stride: 1 });
  if (!dropL4L5) {
    layers.push({ name: 'L4', kind: 'local', filters: localFilters, kernel: k.l4, stride: 1 });
    layers.push({ name: 'L5', kind: 'local', filters: localFilters, kernel: k.l5, stride: 2 });
  }
  layers.push({ name: 'L6', kind: 'local', filters: localFilters, kernel: k.l6, stride: 1 });
  layers.push({ name: 'F7', kind: 'dense', units: f7, dropout });
  layers.push({ name: 'F8', kind: 'logits', units: numClasses });

  const variant = [
    `deepface${sub ? `-sub${sub}` : ''}`,
    `${inputSize}`,
    `f${f7}${plus ? '+' : ''}`,
    `k${numClasses}`,
    inputMode === 'rgb' ? '' : inputMode,
    alignment === '3d' ? '' : 'align2d',
  ].filter(Boolean);
  const config: NetworkConfig = { name: variant.join('-'), inputSize, inputChannels: 3, inputMode, alignment, layers };
  layerShapes(config); // throws if the input is too small for the layers
  return config;
}

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface LayerShape {
  readonly layer: LayerSpec;
  /** [H, W, C] for spatial layers, [units] after flattening. */
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** The layer's trainable tensors, in weights-file order. */
  readonly params: readonly TensorSpec[];
  readonly paramCount: number;
  /** Multiply–adds per image in this layer (0 for pooling). */
  readonly macs: number;
}

/** VALID convolution output size. */
function validOut(input: number, kernel: number, stride: number): number {
  return Math.floor((input - kernel) / stride) + 1;
}

/**
 * Shapes of every layer. Pooling uses SAME padding (ceil(in / stride)), which is what gives
 * the paper's 71×71 after a 3×3/2 pool of 142×142; convolutions and locally connected layers
 * use VALID padding.
 */
export function layerShapes(config: NetworkConfig): LayerShape[] {
  let shape: number[] = [config.inputSize, config.inputSize, config.inputChannels];
  const out: LayerShape[] = [];
  const names = new Set<string>();
  for (const layer of config.layers) {
    if (names.has(layer.name)) throw new ConfigError(`${config.name}: duplicate layer name ${layer.name}`);
    names.add(layer.name);
    const inputShape = shape;
    let params: TensorSpec[] = [];
    let macs = 0;
    switch (layer.kind) {
      case 'conv':
      case 'local': {
        if (shape.length !== 3) throw new ConfigError(`${config.name}: ${layer.name} needs a spatial input, got [${shape.join(', ')}]`);
        const [h, w, c] = shape as [number, number, number];
        const oh = validOut(h, layer.kernel, layer.stride);
        const ow = validOut(w, layer.kernel, layer.stride);
        if (oh < 1 || ow < 1) {
          throw new ConfigError(`${config.name}: ${layer.name} (${layer.kernel}×${layer.kernel}, stride ${layer.stride}) does not fit its ${h}×${w} input; use a larger inputSize or smaller kernels`);
        }
        const patch = layer.kernel * layer.kernel * c;
        if (layer.kind === 'conv') {
          params = [
            { name: `${layer.name}.weight`, shape: [layer.kernel, layer.kernel, c, layer.filters] },
            { name: `${layer.name}.bias`, shape: [layer.filters] },
          ];
        } else {
          // One filter bank per output position: [outH, outW, kH·kW·inC, outC] (the kernels
          // package's LocallyConnected2D layout), one bias per position and channel.
          params = [
            { name: `${layer.name}.weight`, shape: [oh, ow, patch, layer.filters] },
            { name: `${layer.name}.bias`, shape: [oh, ow, layer.filters] },
          ];
        }
        macs = oh * ow * patch * layer.filters;
        shape = [oh, ow, layer.filters];
        break;
      }
      case 'maxpool': {
        if (shape.length !== 3) throw new ConfigError(`${config.name}: ${layer.name} needs a spatial input, got [${shape.join(', ')}]`);
        const [h, w, c] = shape as [number, number, number];
        shape = [Math.ceil(h / layer.stride), Math.ceil(w / layer.stride), c];
        break;
      }
      case 'dense':
      case 'logits': {
        const inUnits = shape.reduce((a, b) => a * b, 1);
        params = [
          { name: `${layer.name}.weight`, shape: [inUnits, layer.units] },
          { name: `${layer.name}.bias`, shape: [layer.units] },
        ];
        macs = inUnits * layer.units;
        shape = [layer.units];
        break;
      }
    }
    const paramCount = params.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
    out.push({ layer, inputShape, outputShape: shape, params, paramCount, macs });
  }
  return out;
}

export interface ParameterSummary {
  total: number;
  byLayer: Record<string, number>;
  /** Share of parameters in the locally connected and fully connected layers (L4–L6, F7, F8). */
  localAndDenseFraction: number;
  /** Multiply–adds per image. */
  macs: number;
}

export function countParameters(config: NetworkConfig): ParameterSummary {
  const shapes = layerShapes(config);
  const byLayer: Record<string, number> = {};
  let total = 0;
  let localDense = 0;
  let macs = 0;
  for (const s of shapes) {
    byLayer[s.layer.name] = s.paramCount;
    total += s.paramCount;
    macs += s.macs;
    if (s.layer.kind === 'local' || s.layer.kind === 'dense' || s.layer.kind === 'logits') localDense += s.paramCount;
  }
  return { total, byLayer, localAndDenseFraction: total > 0 ? localDense / total : 0, macs };
}

/** Every trainable tensor of the network, in order (the weights file stores them so). */
export function parameterSpecs(config: NetworkConfig): TensorSpec[] {
  return layerShapes(config).flatMap((s) => s.params);
}

/** The representation layer: the last dense layer before the logits (F7). */
export function representationSize(config: NetworkConfig): number {
  const dense = config.layers.filter((l) => l.kind === 'dense');
  const last = dense[dense.length - 1];
  if (!last || last.kind !== 'dense') throw new ConfigError(`${config.name}: no dense representation layer`);
  return last.units;
}

/** Checks that an object read from a file is a well-formed config (names the fault). */
export function validateConfig(value: unknown, source = 'config'): NetworkConfig {
  const fail = (what: string): never => {
    throw new ConfigError(`${source}: ${what}`);
  };
  if (!value || typeof value !== 'object') fail('expected an object');
  const c = value as Record<string, unknown>;
  if (typeof c.name !== 'string') fail('"name" must be a string');
  if (!Number.isInteger(c.inputSize) || (c.inputSize as number) <= 0) fail(`"inputSize" must be a positive integer, got ${String(c.inputSize)}`);
  if (c.inputChannels !== 3) fail(`"inputChannels" must be 3, got ${String(c.inputChannels)}`);
  if (c.inputMode !== 'rgb' && c.inputMode !== 'grey-gradient') fail(`"inputMode" must be "rgb" or "grey-gradient", got ${String(c.inputMode)}`);
  if (c.alignment !== '3d' && c.alignment !== '2d') fail(`"alignment" must be "3d" or "2d", got ${String(c.alignment)}`);
  if (!Array.isArray(c.layers) || c.layers.length === 0) fail('"layers" must be a non-empty array');
  (c.layers as unknown[]).forEach((l, i) => {
    const layer = l as Record<string, unknown>;
    const where = `layers[${i}]`;
    if (!layer || typeof layer.name !== 'string') fail(`${where}: "name" must be a string`);
    const int = (key: string) => {
      if (!Number.isInteger(layer[key]) || (layer[key] as number) <= 0) fail(`${where} (${String(layer.name)}): "${key}" must be a positive integer, got ${String(layer[key])}`);
    };
    switch (layer.kind) {
      case 'conv':
      case 'local':
        int('filters');
        int('kernel');
        int('stride');
        break;
      case 'maxpool':
        int('size');
        int('stride');
        break;
      case 'dense':
        int('units');
        if (typeof layer.dropout !== 'number' || !(layer.dropout >= 0 && layer.dropout < 1)) fail(`${where} (${String(layer.name)}): "dropout" must be in [0, 1)`);
        break;
      case 'logits':
        int('units');
        break;
      default:
        fail(`${where}: unknown layer kind ${String(layer.kind)}`);
    }
  });
  const last = (c.layers as LayerSpec[])[(c.layers as LayerSpec[]).length - 1]!;
  if (last.kind !== 'logits') fail(`the last layer must be the logits layer, got ${last.kind}`);
  const config = value as NetworkConfig;
  layerShapes(config);
  return config;
}
