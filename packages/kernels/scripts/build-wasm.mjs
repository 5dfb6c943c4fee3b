#!/usr/bin/env node
// Compiles csrc/*.c into dist/deepface-kernels.wasm with Debian's clang + wasm-ld.
// Run by `pnpm build` after tsup (tsup cleans dist/), and by the vitest global setup.
//
// The module shares the tfjs wasm backend's memory (--import-memory), so it must not
// place anything in that memory on its own: the build fails if the module has a data
// section (static data) or if it grows memory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(packageRoot, 'csrc');
const outFile = join(packageRoot, 'dist', 'deepface-kernels.wasm');
const clang = process.env.CLANG ?? 'clang';

const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.c')).map((f) => join(sourceDir, f));

if (process.argv.includes('--if-stale') && existsSync(outFile)) {
  const built = statSync(outFile).mtimeMs;
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (built >= newest) process.exit(0);
}

const flags = [
  '--target=wasm32',
  '-msimd128',
  '-mbulk-memory', // zero-fill loops become memory.fill instead of a call to a libc memset
  '-mmutable-globals', // lets us export __stack_pointer so JS can move it into a malloc'd block
  '-O3',
  '-Wall',
  '-Werror',
  '-nostdlib',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--export=__stack_pointer',
  '-Wl,--strip-debug',
];

function fail(message) {
  console.error(`[build-wasm] ${message}`);
  process.exit(1);
}

try {
  execFileSync(clang, ['--version'], { stdio: 'ignore' });
} catch {
  fail(
    `cannot run '${clang}'. Building @deepface-ts/kernels needs clang and wasm-ld with the wasm32 target ` +
      `(Debian/Ubuntu: apt-get install clang lld). Set CLANG=/path/to/clang to use another one.`,
  );
}

mkdirSync(dirname(outFile), { recursive: true });
const tmpFile = `${outFile}.${process.pid}.tmp`;
try {
  execFileSync(clang, [...flags, '-o', tmpFile, ...sources], { stdio: ['ignore', 'inherit', 'pipe'] });
} catch (error) {
  const stderr = error.stderr?.toString() ?? '';
  if (/wasm-ld|unable to execute command|linker.*not found/i.test(stderr) && !/error:.*\.c:/.test(stderr)) {
    fail(`linking failed; is wasm-ld installed (Debian: apt-get install lld)?\n${stderr}`);
  }
  fail(`compiling ${sources.join(', ')} failed:\n${stderr}`);
}

// Walk the module's sections: id 11 is data, id 5 is memory (a module of its own).
const bytes = readFileSync(tmpFile);
let offset = 8;
function readU32() {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result >>> 0;
    shift += 7;
  }
}
while (offset < bytes.length) {
  const id = bytes[offset++];
  const size = readU32();
  if (id === 11 || id === 12) fail('the module has static data; it would overwrite the tfjs wasm heap. Keep csrc/ free of initialized globals and string constants.');
  if (id === 5) fail('the module defines its own memory; it must import the tfjs backend memory (--import-memory).');
  offset += size;
}
renameSync(tmpFile, outFile);
console.log(`[build-wasm] ${outFile} (${bytes.length} bytes)`);
