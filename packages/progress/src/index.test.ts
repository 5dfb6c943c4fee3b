import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatRate, renderLine } from './index';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (c: string) => chunks.push(c) } };
}

describe('formatDuration / formatRate', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
  it('keeps rates readable', () => {
    expect(formatRate(1234.4)).toBe('1234');
    expect(formatRate(12.34)).toBe('12.3');
    expect(formatRate(0.05)).toBe('0.050');
  });
});

describe('createProgress', () => {
  it('computes rate and ETA from an injected clock', () => {
    let t = 0;
    const { stream } = fakeStream(false);
    const p = createProgress({ label: 'decode', total: 100, stream, now: () => t });
    t = 2000;
    p.tick(40);
    const s = p.state();
    expect(s.rate).toBeCloseTo(20, 10); // 40 in 2 s
    expect(s.etaMs).toBeCloseTo(3000, 6); // 60 left at 20/s
  });

  it('prints plain lines at most once per log interval when not a TTY, plus a final line', () => {
    let t = 0;
    const { chunks, stream } = fakeStream(false);
    const p = createProgress({ label: 'x', total: 10, stream, now: () => t, logIntervalMs: 1000 });
    for (let i = 0; i < 9; i++) {
      t += 100;
      p.tick();
    }
    // first tick draws (no previous draw), the rest fall inside the 1 s interval
    expect(chunks.length).toBe(1);
    t += 100;
    p.tick(); // reaching the total forces a draw
    expect(chunks.length).toBe(2);
    expect(chunks[1]).toContain('10/10');
    p.done('ok');
    expect(chunks[2]).toMatch(/^x done: 10 it in 1\.0s \(10\.0 it\/s\)  ok\n$/);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
  });

  it('redraws in place on a TTY', () => {
    let t = 0;
    const { chunks, stream } = fakeStream(true);
    const p = createProgress({ label: 'train', total: 4, unit: 'img', stream, now: () => t });
    t = 500;
    p.tick(2, 'loss 0.5');
    expect(chunks[0]!.startsWith('\r')).toBe(true);
    expect(chunks[0]).toContain('50.0%');
    expect(chunks[0]).toContain('4.0 img/s');
    expect(chunks[0]).toContain('loss 0.5');
  });

  it('is silent when asked and rejects negative ticks', () => {
    const { chunks, stream } = fakeStream(true);
    const p = createProgress({ label: 'q', stream, silent: true });
    p.tick(3);
    p.done();
    expect(chunks).toEqual([]);
    expect(() => p.tick(-1)).toThrow(/n ≥ 0, got -1/);
  });
});

describe('renderLine', () => {
  it('shows count and rate without a total', () => {
    const line = renderLine({ label: 'scan', count: 7, elapsedMs: 1000, rate: 7 }, 'rows', 80);
    expect(line).toBe('scan 7 rows  7.0 rows/s  1.0s');
  });
  it('fills the bar in proportion', () => {
    const line = renderLine({ label: 'b', count: 5, total: 10, elapsedMs: 1000, rate: 5, etaMs: 1000 }, 'it', 80);
    const bar = /\[(.*)\]/.exec(line)![1]!;
    const filled = [...bar].filter((c) => c === '█').length;
    expect(filled / [...bar].length).toBeCloseTo(0.5, 1);
  });
});
