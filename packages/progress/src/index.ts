/**
 * Progress for long runs (decoding thousands of images, training epochs, building
 * indexes): a bar with count, percentage, rate and ETA.
 *
 * On a TTY the bar redraws in place on stderr (at most every `minIntervalMs`); elsewhere
 * (CI logs, files) it prints one plain line every `logIntervalMs`, so logs stay readable.
 * stdout is never touched: commands keep their last stdout line for machine-readable JSON.
 */
export interface ProgressOptions {
  label: string;
  /** Total units; unknown totals show count and rate only. */
  total?: number;
  /** Unit name shown with the rate (default "it"). */
  unit?: string;
  /** Where to write (default process.stderr). */
  stream?: ProgressStream;
  /** Redraw interval on a TTY (default 100 ms). */
  minIntervalMs?: number;
  /** Line interval when not a TTY (default 5000 ms). */
  logIntervalMs?: number;
  /** Clock, injectable for tests (ms). */
  now?: () => number;
  /** Silence all output (library callers that want no noise). */
  silent?: boolean;
}

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressState {
  label: string;
  count: number;
  total?: number;
  elapsedMs: number;
  /** Units per second over the whole run. */
  rate: number;
  /** Estimated ms to finish, when the total is known and the rate is positive. */
  etaMs?: number;
  info?: string;
}

export interface Progress {
  /** Adds `n` finished units; `info` is a short status shown after the bar (e.g. "loss 0.41"). */
  tick(n?: number, info?: string): void;
  /** Sets the info text without counting. */
  info(text: string): void;
  /** The current state (for callers that report it elsewhere). */
  state(): ProgressState;
  /** Final line with the total time and rate; returns the final state. */
  done(summary?: string): ProgressState;
}

/** Formats a duration as "1h02m", "3m05s" or "4.2s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Formats a rate with a sensible number of digits: 1234 → "1234", 12.3 → "12.3", 0.05 → "0.050". */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '?';
  if (rate >= 100) return rate.toFixed(0);
  if (rate >= 1) return rate.toFixed(1);
  return rate.toPrecision(2);
}

export function renderLine(state: ProgressState, unit: string, width: number): string {
  const { label, count, total, elapsedMs, rate, etaMs, info } = state;
  const rateText = `${formatRate(rate)} ${unit}/s`;
  const tail = info ? `  ${info}` : '';
  if (total === undefined || total <= 0) {
    return `${label} ${count} ${unit}  ${rateText}  ${formatDuration(elapsedMs)}${tail}`;
  }
  const frac = Math.min(1, count / total);
  const pct = `${(frac * 100).toFixed(1).padStart(5)}%`;
  const counts = `${count}/${total}`;
  const eta = etaMs === undefined ? 'ETA ?' : `ETA ${formatDuration(etaMs)}`;
  const fixed = `${label} [] ${pct} ${counts}  ${rateText}  ${eta}${tail}`;
  const barWidth = Math.max(10, Math.min(40, width - fixed.length));
  const filled = Math.round(frac * barWidth);
  const bar = '█'.repeat(filled) + '░'.repeat(barWidth - filled);
  return `${label} [${bar}] ${pct} ${counts}  ${rateText}  ${eta}${tail}`;
}

/** stderr in Node; the console (one line per draw) in the browser. */
function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stderr?: ProgressStream } }).process;
  if (proc?.stderr) return proc.stderr;
  return { isTTY: false, write: (chunk: string) => console.log(chunk.replace(/\n$/, '')) };
}

export function createProgress(options: ProgressOptions): Progress {
  const {
    label,
    total,
    unit = 'it',
    stream = defaultStream(),
    minIntervalMs = 100,
    logIntervalMs = 5000,
    now = () => performance.now(),
    silent = false,
  } = options;
  const tty = Boolean(stream.isTTY);
  const start = now();
  let count = 0;
  let infoText: string | undefined;
  let lastDraw = -Infinity;
  let finished = false;

  const state = (): ProgressState => {
    const elapsedMs = now() - start;
    const rate = elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
    const etaMs = total !== undefined && rate > 0 ? ((total - count) / rate) * 1000 : undefined;
    return { label, count, total, elapsedMs, rate, etaMs, info: infoText };
  };

  const draw = (force: boolean) => {
    if (silent || finished) return;
    const t = now();
    if (!force && t - lastDraw < (tty ? minIntervalMs : logIntervalMs)) return;
    lastDraw = t;
    const line = renderLine(state(), unit, stream.columns ?? 100);
    stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };

  return {
    tick(n = 1, info?: string) {
      if (!(n >= 0)) throw new RangeError(`progress "${label}": tick(n) needs n ≥ 0, got ${n}`);
      count += n;
      if (info !== undefined) infoText = info;
      draw(total !== undefined && count >= total);
    },
    info(text: string) {
      infoText = text;
      draw(false);
    },
    state,
    done(summary?: string) {
      const s = state();
      if (!silent && !finished) {
        const line = `${label} done: ${count} ${unit} in ${formatDuration(s.elapsedMs)} (${formatRate(s.rate)} ${unit}/s)${summary ? `  ${summary}` : ''}`;
        stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
      }
      finished = true;
      return s;
    },
  };
}
