/**
 * The single tfjs-core instance every @deepface-ts package uses, with gradients and
 * chained ops registered.
 *
 * Why this file exists: in Node, `@tensorflow/tfjs-core` resolves to its CommonJS bundle,
 * which registers no gradients (so `tf.grad` of `conv2d` throws) and no chained ops (so
 * `x.add(y)` is undefined). Those registrations ship only as ES modules inside
 * `dist/`, which CommonJS cannot `require`. tsup bundles these deep imports into our own
 * ESM and CJS builds (see `noExternal` in tsup.config.ts). They register into the
 * registries that tfjs-core keeps on the global object, so they reach the engine that
 * `@tensorflow/tfjs-core` itself uses; the check below makes sure of it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { ENGINE as registrationEngine } from '@tensorflow/tfjs-core/dist/engine.js';
import { version as registrationVersion } from '@tensorflow/tfjs-core/dist/version.js';

// Two different tfjs-core versions (e.g. an app that also depends on another release)
// would register our gradients against one engine and run ops on the other.
if (registrationVersion !== tf.version_core || registrationEngine !== tf.engine()) {
  throw new Error(
    `@deepface-ts/kernels: found two tfjs-core instances (bundled registrations ${registrationVersion}, ` +
      `@tensorflow/tfjs-core ${tf.version_core}${registrationEngine !== tf.engine() ? ', different engines' : ''}). ` +
      'Install exactly one @tensorflow/tfjs-core (the version @deepface-ts/kernels depends on) and import tf from @deepface-ts/kernels.',
  );
}

export { tf };
