import { initBackend, tf } from '@deepface-ts/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepFaceConfig } from './config';
import { DeepFaceModel } from './model';

// Finite-difference check of the whole network's gradient (every layer type, LC included),
// so the composition — not only each kernel — is proved.
const config = deepFaceConfig({ inputSize: 14, f7: 6, numClasses: 3, c1Filters: 2, c3Filters: 2, localFilters: 2, dropout: 0, kernels: { c1: 3, c3: 2, l4: 2, l5: 2, l6: 1 } });

describe('whole-network gradient', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  it('matches central finite differences for parameters of every layer', () => {
    const model = DeepFaceModel.create(config, { seed: 11 });
    // Random biases: with constant ones a dead unit sits exactly on the ReLU kink, where a
    // finite difference measures half the slope and the check would be meaningless.
    for (const [name, v] of model.params) if (name.endsWith('.bias')) v.assign(tf.randomUniform(v.shape, 0.05, 0.5, 'float32', name.length));
    const x = tf.randomUniform([2, 14, 14, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const loss = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(y, model.forward(x).logits) as tf.Scalar);
    const names = ['C1.weight', 'C3.bias', 'L4.weight', 'L5.weight', 'L6.bias', 'F7.weight', 'F8.weight'];
    const vars = names.map((n) => model.param(n));
    const { grads } = tf.variableGrads(loss, vars);
    const h = 2e-3;
    for (const [k, v] of vars.entries()) {
      const g = grads[v.name]!.dataSync();
      const values = v.dataSync().slice();
      // check the 3 largest-gradient entries (well above float32 FD noise)
      const idx = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 3);
      for (const i of idx) {
        const at = (delta: number) => {
          const w = values.slice();
          w[i]! += delta;
          v.assign(tf.tensor(w, v.shape));
          return loss().dataSync()[0]!;
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(values, v.shape));
        expect(Math.abs(fd - g[i]!), `${names[k]}[${i}] fd=${fd} grad=${g[i]}`).toBeLessThan(2e-3 + 0.02 * Math.abs(g[i]!));
      }
    }
    model.dispose();
  });
});
