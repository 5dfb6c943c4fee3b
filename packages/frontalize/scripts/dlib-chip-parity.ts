/**
 * Checks src/chip.ts against dlib itself: compiles scripts/dlib-chip.cpp (dlib's own
 * get_face_chip_details + extract_image_chip) against a dlib checkout, runs both on random
 * faces — scales 0.3–12 (pyramids up to 3 levels), any rotation, faces half off the image,
 * several chip sizes and paddings — and compares the chip rectangle, angle, chip mapping and
 * every chip byte. `--golden` prints what chip.test.ts pins for GOLDEN_CHIP_CASES instead.
 * Needs a C++ compiler (`c++`, or $CXX). Last stdout line: one JSON object.
 *
 *   pnpm --filter @deepface-ts/frontalize dlib-parity --dlib <dir with dlib/> [--cases 40] [--seed 2024] [--golden]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DLIB_MEAN_FACE, extractFaceChip, faceChipDetails, faceChipTemplate } from '../src/chip.js';
import { chipCaseImage, chipCaseLandmarks, fnv1a, GOLDEN_CHIP_CASES, rng, type ChipCase } from '../src/test-utils.js';
import { intArg, packageRoot, parseArgs } from './lib.js';

const args = parseArgs();
const dlibDir = args.get('dlib') ?? process.env.DLIB_DIR;
if (!dlibDir) {
  console.error('dlib-chip-parity: give --dlib <dir> (a dlib checkout: the folder holding dlib/), or set DLIB_DIR');
  process.exit(2);
}
const work = join(tmpdir(), 'deepface-ts', 'dlib-chip');
mkdirSync(work, { recursive: true });
const binary = join(work, 'dlib-chip');
execFileSync(process.env.CXX ?? 'c++', ['-O2', '-std=c++14', '-DDLIB_NO_GUI_SUPPORT', '-I', dlibDir, join(packageRoot, 'scripts/dlib-chip.cpp'), '-o', binary], { stdio: 'inherit' });

interface DlibChip {
  rect: number[];
  angle: number;
  toChip: number[];
  rows: number;
  cols: number;
  chip: Uint8Array;
}

function runDlib(image: { width: number; height: number; data: Uint8Array }, landmarks: ArrayLike<number>, size: number, padding: number): DlibChip {
  const lines = [`${image.width} ${image.height} ${size} ${padding}`];
  for (let i = 0; i < 68; i++) lines.push(`${landmarks[2 * i]} ${landmarks[2 * i + 1]}`);
  writeFileSync(join(work, 'in.bin'), Buffer.concat([Buffer.from(lines.join('\n') + '\n'), image.data]));
  execFileSync(binary, [join(work, 'in.bin'), join(work, 'out.bin')]);
  const out = readFileSync(join(work, 'out.bin'));
  const nl1 = out.indexOf(10);
  const nl2 = out.indexOf(10, nl1 + 1);
  const head = out.subarray(0, nl1).toString().split(' ').map(Number);
  return {
    rect: head.slice(0, 4), angle: head[4]!, rows: head[5]!, cols: head[6]!,
    toChip: out.subarray(nl1 + 1, nl2).toString().split(' ').map(Number),
    chip: new Uint8Array(out.subarray(nl2 + 1)),
  };
}

function compare(c: ChipCase) {
  const image = chipCaseImage(c.width, c.height);
  const landmarks = chipCaseLandmarks(c, faceChipTemplate({ size: c.size, padding: c.padding }), DLIB_MEAN_FACE.indices);
  const dlib = runDlib(image, landmarks, c.size, c.padding);
  const details = faceChipDetails(landmarks, { size: c.size, padding: c.padding });
  const ours = extractFaceChip(image, details);
  const { left, top, right, bottom } = details.rect;
  const geometry = Math.max(
    ...[left, top, right, bottom].map((v, i) => Math.abs(v - dlib.rect[i]!) / Math.max(1, Math.abs(v))),
    ...Array.from(details.toChip, (v, i) => Math.abs(v - dlib.toChip[i]!) / Math.max(1, Math.abs(v))),
  );
  let differing = 0;
  let worst = 0;
  for (let i = 0; i < ours.data.length; i++) {
    const d = Math.abs(ours.data[i]! - dlib.chip[i]!);
    if (d) differing++;
    worst = Math.max(worst, d);
  }
  let zeros = 0;
  let sum = 0;
  for (let i = 0; i < dlib.chip.length; i += 3) {
    if (dlib.chip[i] === 0 && dlib.chip[i + 1] === 0 && dlib.chip[i + 2] === 0) zeros++;
    sum += dlib.chip[i]! + dlib.chip[i + 1]! + dlib.chip[i + 2]!;
  }
  return {
    name: c.name, scale: details.scale, sizeOk: dlib.rows === c.size && dlib.cols === c.size, geometry,
    angle: Math.abs(details.angle - dlib.angle), differing, worst,
    golden: { name: c.name, rect: dlib.rect, angle: dlib.angle, toChip: dlib.toChip, fnv1a: fnv1a(dlib.chip), sum, zeros },
  };
}

if (args.has('golden')) {
  const rows = GOLDEN_CHIP_CASES.map(compare);
  for (const r of rows) console.error(`${r.name}: scale ${r.scale.toFixed(2)}, ${r.differing} bytes differ from ours`);
  console.log(JSON.stringify(rows.map((r) => r.golden)));
} else {
  const r = rng(intArg(args, 'seed', 2024));
  const n = intArg(args, 'cases', 40);
  const rows = [];
  for (let k = 0; k < n; k++) {
    const width = 60 + Math.floor(r() * 900);
    const height = 60 + Math.floor(r() * 900);
    const size = [150, 200, 64, 151][k % 4]!;
    const padding = [0.25, 0.2, 0, 0.5, 0.1][k % 5]!;
    const scale = Math.exp(Math.log(0.3) + r() * Math.log(40));
    const turn = (r() - 0.5) * 2 * Math.PI * (k % 3 === 0 ? 1 : 0.15);
    const c: ChipCase = {
      name: `random ${k}`, width, height, size, padding, a: scale * Math.cos(turn), b: scale * Math.sin(turn),
      cx: r() * width, cy: r() * height, jitter: 2 * scale, seed: 1000 + k,
    };
    const row = compare(c);
    rows.push(row);
    console.error(`${row.name}: ${width}×${height}, chip ${size} pad ${padding}, scale ${row.scale.toFixed(2)}: geometry ${row.geometry.toExponential(1)}, angle ${row.angle.toExponential(1)}, ${row.differing} bytes differ (worst ${row.worst})`);
  }
  const summary = {
    cases: rows.length,
    worst_geometry_rel: Math.max(...rows.map((x) => x.geometry)),
    worst_angle: Math.max(...rows.map((x) => x.angle)),
    bytes_differing: rows.reduce((s, x) => s + x.differing, 0),
    worst_byte_diff: Math.max(...rows.map((x) => x.worst)),
    all_sizes_match: rows.every((x) => x.sizeOk),
  };
  console.log(JSON.stringify(summary));
  if (summary.bytes_differing > 0 || summary.worst_geometry_rel > 1e-9 || !summary.all_sizes_match) process.exitCode = 1;
}
