import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWeightsFile } from '@deepface-ts/network';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const app = join(__dirname, 'main.ts');

function run(args: string[]): { stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', app, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '' };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; status: number };
    throw new Error(`train exited ${err.status}: ${err.stderr}`);
  }
}

describe('pnpm train (end to end on a synthetic SFC manifest)', () => {
  it('makes crops once, trains, and writes a loadable model with normalisation maxima', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-app-'));
    const rows = ['identity,image,timestamp'];
    for (let id = 0; id < 3; id++) {
      for (let k = 0; k < 4; k++) {
        const px = Buffer.alloc(40 * 40 * 3);
        for (let i = 0; i < px.length; i++) px[i] = (i * (id + 3) * 7 + k * 13) % 256;
        const file = join(dir, `p${id}_${k}.png`);
        await sharp(px, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(file);
        rows.push(`person${id},${file},${1000 + k}`);
      }
    }
    writeFileSync(join(dir, 'broken.jpg'), 'not a jpeg');
    rows.push(`person0,${join(dir, 'broken.jpg')},999`);
    writeFileSync(join(dir, 'm.csv'), rows.join('\n') + '\n');
    const args = ['--manifest', join(dir, 'm.csv'), '--out', join(dir, 'out'), '--align', 'none', '--epochs', '1', '--batch', '4', '--cache', join(dir, 'cache')];
    const first = run(args);
    const result = JSON.parse(first.stdout.trim().split('\n').pop()!);
    expect(result.epochs).toBe(1);
    expect(result.config).toBe('deepface-76-f512-k3');
    expect(Number.isFinite(result.final_train_loss)).toBe(true);
    const model = await loadWeightsFile(result.model);
    expect(model.tensors.get('representation.max')!.length).toBe(512);
    expect(model.metadata.command).toContain('--align none');
    // the broken image was skipped, the rest trained: 12 good images, one held out per identity
    expect(model.metadata.data).toContain('9 train / 3 val crops');
  }, 120_000);
});
