import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend';
import { locallyConnectedGeometry } from '../../geometry';
import { locallyConnected2d } from '../../ops/locally_connected2d';
import { referenceLocallyConnected2d } from '../../reference/locally_connected';
import { abs, dotBound, expectWithinBound, seededValues } from '../../test_util';
import { tf } from '../../tf';
import { backendMemory } from './module';

describe('our WASM module shares the tfjs wasm backend memory', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('reads and writes the backend heap in place', () => {
    const backend = tf.backend() as BackendWasm;
    const memory = backendMemory(backend);
    expect(memory.buffer).toBe((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer);
    const x = tf.tensor4d(seededValues(2 * 4 * 4 * 2, 1), [2, 4, 4, 2]);
    const w = tf.tensor4d(seededValues(2 * 2 * 18 * 4, 2), [2, 2, 18, 4]);
    const y = locallyConnected2d(x, w);
    // The output lives in the backend heap: a view on the shared memory sees the result.
    const offset = backend.dataIdMap.get(y.dataId)!.memoryOffset;
    const view = new Float32Array(memory.buffer, offset, y.size);
    expect(Array.from(view)).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, w, y]);
  });

  it('keeps the backend own ops correct when interleaved with ours, across heap growth', () => {
    const g = locallyConnectedGeometry('t', [3, 8, 8, 3], [6, 6, 27, 16], [3, 3], [1, 1]);
    const xv = seededValues(3 * 8 * 8 * 3, 7);
    const wv = seededValues(6 * 6 * 27 * 16, 8);
    const expected = referenceLocallyConnected2d(g, xv, wv);
    const bound = dotBound(27, referenceLocallyConnected2d(g, abs(xv), abs(wv)));
    const a = tf.tensor2d(seededValues(64 * 64, 9), [64, 64]);
    const expectedMatMul = tf.matMul(a, a).dataSync().slice();
    const memoryBefore = backendMemory(tf.backend() as BackendWasm).buffer.byteLength;
    const big: tf.Tensor[] = [];
    for (let round = 0; round < 12; round++) {
      // backend ops before ours, ours, backend ops after, and a large allocation to grow the heap
      const m = tf.matMul(a, a);
      const y = locallyConnected2d(tf.tensor4d(xv, [3, 8, 8, 3]), tf.tensor4d(wv, [6, 6, 27, 16]));
      const m2 = tf.relu(tf.matMul(a, a));
      expectWithinBound(y.dataSync(), expected, bound, `round ${round}: ours`);
      expect(Array.from(m.dataSync())).toEqual(Array.from(expectedMatMul));
      expect(Array.from(m2.dataSync())).toEqual(Array.from(expectedMatMul, (v) => Math.max(v, 0)));
      big.push(tf.fill([4 << 20], round));
      tf.dispose([m, y, m2]);
    }
    expect(backendMemory(tf.backend() as BackendWasm).buffer.byteLength).toBeGreaterThan(memoryBefore);
    big.forEach((t, round) => expect(t.dataSync()[12345]).toBe(round));
    tf.dispose([a, ...big]);
  });
});
