/**
 * Runs a package README's first ```ts example exactly as written: the code is copied to a temp
 * file in the package's folder (so its imports resolve as a consumer's would, through the
 * package's own dependencies) and run with tsx in a child process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReadmeRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

export function runReadmeExample(packageRoot: string): ReadmeRun {
  const readme = join(packageRoot, 'README.md');
  const code = /```ts\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'))?.[1];
  if (code === undefined) throw new Error(`${readme}: no \`\`\`ts example`);
  const file = join(packageRoot, `.readme-example-${process.pid}.mts`);
  writeFileSync(file, code);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: packageRoot, encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  } finally {
    rmSync(file, { force: true });
  }
}
