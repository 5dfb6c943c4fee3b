import { describe, expect, it } from 'vitest';
import { ConfigError, countParameters, deepFaceConfig, layerShapes, parameterSpecs, representationSize, validateConfig } from './config';

describe('deepFaceConfig (the paper network)', () => {
  const config = deepFaceConfig();
  const shapes = Object.fromEntries(layerShapes(config).map((s) => [s.layer.name, s.outputShape]));

  it('reproduces the layer table of DeepFace §3', () => {
    expect(shapes).toEqual({
      C1: [142, 142, 32],
      M2: [71, 71, 32],
      C3: [63, 63, 16],
      L4: [55, 55, 16],
      L5: [25, 25, 16],
      L6: [21, 21, 16],
      F7: [4096],
      F8: [4030],
    });
    expect(config.name).toBe('deepface-152-f4096-k4030');
  });

  it('counts parameters by hand', () => {
    const p = countParameters(config);
    expect(p.byLayer.C1).toBe(11 * 11 * 3 * 32 + 32);
    expect(p.byLayer.C3).toBe(9 * 9 * 32 * 16 + 16);
    expect(p.byLayer.L4).toBe(55 * 55 * (9 * 9 * 16 * 16 + 16)); // ≈ 62.7 M weights
    expect(p.byLayer.L5).toBe(25 * 25 * (7 * 7 * 16 * 16 + 16));
    expect(p.byLayer.L6).toBe(21 * 21 * (5 * 5 * 16 * 16 + 16));
    expect(p.byLayer.F7).toBe(21 * 21 * 16 * 4096 + 4096);
    expect(p.byLayer.F8).toBe(4096 * 4030 + 4030);
    expect(p.total).toBe(Object.values(p.byLayer).reduce((a, b) => a + b, 0));
    expect(p.localAndDenseFraction).toBeGreaterThan(0.95);
    expect(p.byLayer.M2).toBe(0);
  });

  it('has the layout of the kernels package for locally connected weights', () => {
    const l5 = parameterSpecs(config).filter((s) => s.name.startsWith('L5'));
    expect(l5).toEqual([
      { name: 'L5.weight', shape: [25, 25, 7 * 7 * 16, 16] },
      { name: 'L5.bias', shape: [25, 25, 16] },
    ]);
    expect(representationSize(config)).toBe(4096);
  });
});

describe('variants', () => {
  it('bottlenecks and "+" double L4–L6', () => {
    const c = deepFaceConfig({ f7: 256, plus: true, numClasses: 100 });
    const s = layerShapes(c);
    expect(s.find((x) => x.layer.name === 'L6')!.outputShape).toEqual([21, 21, 32]);
    expect(representationSize(c)).toBe(256);
    expect(c.name).toBe('deepface-152-f256+-k100');
  });

  it('DF-sub1..3 remove C3, L4+L5, C3+L4+L5', () => {
    const names = (sub: 1 | 2 | 3) => deepFaceConfig({ sub }).layers.map((l) => l.name);
    expect(names(1)).toEqual(['C1', 'M2', 'L4', 'L5', 'L6', 'F7', 'F8']);
    expect(names(2)).toEqual(['C1', 'M2', 'C3', 'L6', 'F7', 'F8']);
    expect(names(3)).toEqual(['C1', 'M2', 'L6', 'F7', 'F8']);
  });

  it('reduced inputs keep the layer types and order, and too-small inputs fail clearly', () => {
    const c = deepFaceConfig({ inputSize: 76, kernels: { c1: 5, c3: 5, l4: 5, l5: 3, l6: 3 } });
    expect(c.layers.map((l) => l.kind)).toEqual(['conv', 'maxpool', 'conv', 'local', 'local', 'local', 'dense', 'logits']);
    expect(layerShapes(c).map((s) => s.outputShape[0])).toEqual([72, 36, 32, 28, 13, 11, 4096, 4030]);
    expect(() => deepFaceConfig({ inputSize: 40 })).toThrow('deepface-40-f4096-k4030: L4 (9×9, stride 1) does not fit its 7×7 input');
    expect(() => deepFaceConfig({ f7: 0 })).toThrow('f7 must be a positive integer, got 0');
    expect(() => deepFaceConfig({ dropout: 1 })).toThrow(ConfigError);
  });
});

describe('validateConfig', () => {
  it('round-trips through JSON', () => {
    const c = deepFaceConfig({ numClasses: 10 });
    expect(validateConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });
  it('names the fault in a hand-broken config', () => {
    const c = JSON.parse(JSON.stringify(deepFaceConfig({ numClasses: 10 })));
    c.layers[3].kernel = -1;
    expect(() => validateConfig(c, 'model.safetensors: config')).toThrow('model.safetensors: config: layers[3] (L4): "kernel" must be a positive integer, got -1');
    const d = JSON.parse(JSON.stringify(deepFaceConfig({ numClasses: 10 })));
    d.layers.pop();
    expect(() => validateConfig(d)).toThrow('the last layer must be the logits layer, got dense');
    expect(() => validateConfig({ ...d, inputMode: 'hsv' })).toThrow('"inputMode" must be "rgb" or "grey-gradient", got hsv');
  });
});
