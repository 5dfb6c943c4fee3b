/**
 * End to end: builds nothing (run `pnpm --filter @deepface-ts/frontalize-web build` first),
 * serves dist/, drives the page in headless Chromium, checks that a frontalized crop
 * appears, and saves a screenshot under os.tmpdir()/deepface-ts/frontalize-web/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dist = join(__dirname, '../dist/index.html');
const ready = existsSync(chromium) && existsSync(dist);
if (!ready) console.log(`[frontalize-web] skipping the browser test: ${existsSync(chromium) ? `build first (${dist} missing)` : `${chromium} not installed (apt-get install chromium)`}`);

describe.skipIf(!ready)('frontalize-web in headless Chromium', () => {
  let server: Server;
  beforeAll(async () => {
    // @ts-expect-error serve.mjs is plain JS without types
    const { serve } = await import('../serve.mjs');
    server = await serve(0);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('detects the sample face and shows a frontalized crop', async () => {
    const { chromium: launcher } = await import('playwright-core');
    const browser = await launcher.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => document.body.dataset.status === 'done' || document.body.dataset.status === 'error', undefined, { timeout: 90_000 });
      const status = await page.textContent('#status');
      expect(await page.evaluate(() => document.body.dataset.status), `status line: ${status}`).toBe('done');
      expect(status).toMatch(/face\(s\)/);
      // The frontalized crop is a real picture: many distinct colours, not a blank canvas.
      const stats = await page.evaluate(() => {
        const c = document.getElementById('crop3d') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) {
          colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
          sum += d[i]! + d[i + 1]! + d[i + 2]!;
        }
        return { width: c.width, height: c.height, colours: colours.size, mean: sum / (3 * c.width * c.height) };
      });
      expect(stats.width).toBe(152);
      expect(stats.colours).toBeGreaterThan(1000);
      expect(stats.mean).toBeGreaterThan(20);
      const dir = join(tmpdir(), 'deepface-ts', 'frontalize-web');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, 'screenshot.png'), fullPage: true });
      console.log(`[frontalize-web] ${status}; screenshot ${join(dir, 'screenshot.png')}`);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
