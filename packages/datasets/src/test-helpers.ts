// Shared by the tests: where the real data is, and temp folders for synthetic files.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetsRoot } from './paths';

export const DATASETS = datasetsRoot(dirname(fileURLToPath(import.meta.url)));

/** True (and a console note saying what is skipped) when `sub` of the shared datasets is absent. */
export function missingDataset(sub: string): boolean {
  const present = existsSync(join(DATASETS, sub));
  if (!present) console.warn(`[datasets] ${join(DATASETS, sub)} not found: skipping the real-data tests for ${sub} (set DEEPFACE_DATASETS)`);
  return !present;
}

/** A fresh temp folder; call the returned cleanup in afterAll/afterEach. */
export function tempDir(prefix = 'deepface-datasets-'): { dir: string; cleanup: () => void; write: (rel: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (rel, content) => {
      const file = join(dir, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
  };
}
