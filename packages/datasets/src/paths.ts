import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the shared real datasets live: `$DEEPFACE_DATASETS`, else `<repo root>/../shared/datasets`,
 * where the repo root is the nearest folder above `from` (default: the working directory)
 * holding `pnpm-workspace.yaml`.
 */
export function datasetsRoot(from: string = process.cwd()): string {
  const env = process.env.DEEPFACE_DATASETS;
  if (env) return resolve(env);
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return resolve(dir, '..', 'shared', 'datasets');
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..', 'shared', 'datasets');
    dir = parent;
  }
}
