import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { MetricsError } from './errors';
import type { DirPoint } from './identification';

/** One named ROC curve (e.g. ours, or a published one read by {@link readRocFile}). */
export interface RocSeries {
  name: string;
  fpr: ArrayLike<number>;
  tpr: ArrayLike<number>;
  /** Draw dashed (use for published reference curves). */
  dashed?: boolean;
  /** Lines of a published file skipped because a value was NaN (some files on the LFW page have them). */
  skippedLines?: number;
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

/**
 * Reads a published ROC file (LFW results page format): one point per line,
 * `true-positive-rate false-positive-rate`, whitespace-separated. Blank lines and `#`
 * comments are skipped, and so are lines holding a literal `NaN` (the published eigenfaces
 * file has 130 of them; they are counted in `skippedLines`). Anything else that is not two
 * numbers in [0, 1] is an error naming the file and line.
 */
export async function readRocFile(path: string, name = basename(path).replace(/\.[^.]+$/, '')): Promise<RocSeries> {
  const text = await readFile(path, 'utf8');
  return parseRocText(text, name, path);
}

export function parseRocText(text: string, name: string, source = name): RocSeries {
  const tpr: number[] = [];
  const fpr: number[] = [];
  let skippedLines = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/[\s,]+/);
    if (parts.length === 2 && parts.some((p) => p === 'NaN')) {
      skippedLines++;
      return;
    }
    const t = Number(parts[0]);
    const f = Number(parts[1]);
    if (parts.length !== 2 || !(t >= 0 && t <= 1) || !(f >= 0 && f <= 1)) {
      throw new MetricsError(`${source}:${i + 1}: expected "TPR FPR" with both in [0, 1], got "${line}"`);
    }
    tpr.push(t);
    fpr.push(f);
  });
  if (tpr.length === 0) throw new MetricsError(`${source}: no ROC points`);
  // Sort by FPR (then TPR) so lines draw left to right whatever order the file uses.
  const order = tpr.map((_, i) => i).sort((a, b) => fpr[a]! - fpr[b]! || tpr[a]! - tpr[b]!);
  return { name, fpr: order.map((i) => fpr[i]!), tpr: order.map((i) => tpr[i]!), dashed: true, skippedLines };
}

/**
 * The best accuracy on a ROC curve for balanced pairs (as many same as different):
 * max over points of (TPR + 1 − FPR) / 2 — how the LFW results page's curves are summarised.
 */
export function bestBalancedAccuracy(curve: { fpr: ArrayLike<number>; tpr: ArrayLike<number> }): number {
  let best = 0;
  for (let i = 0; i < curve.fpr.length; i++) best = Math.max(best, (curve.tpr[i]! + 1 - curve.fpr[i]!) / 2);
  return best;
}

/** Keeps at most `max` points of a long curve (evenly by index, always keeping the ends). */
function thin<T>(points: T[], max = 2000): T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return out;
}

/**
 * A vega-lite spec of ROC curves: FPR on x (linear or log), TPR on y. With `logFpr`, points at
 * FPR = 0 cannot be drawn and are left out; `minFpr` sets the left end of the axis.
 */
export function rocChartSpec(series: readonly RocSeries[], options: ChartOptions & { logFpr?: boolean; minFpr?: number } = {}): TopLevelSpec {
  const { logFpr = false, minFpr = 1e-3 } = options;
  const values: { series: string; fpr: number; tpr: number; order: number; dashed: boolean }[] = [];
  for (const s of series) {
    if (s.fpr.length !== s.tpr.length) throw new MetricsError(`rocChartSpec: series "${s.name}" has ${s.fpr.length} FPR and ${s.tpr.length} TPR values`);
    const pts: { fpr: number; tpr: number }[] = [];
    for (let i = 0; i < s.fpr.length; i++) {
      if (logFpr && !(s.fpr[i]! >= minFpr)) continue;
      pts.push({ fpr: s.fpr[i]!, tpr: s.tpr[i]! });
    }
    thin(pts).forEach((p, order) => values.push({ series: s.name, ...p, order, dashed: !!s.dashed }));
  }
  return lineChart(values, {
    x: { field: 'fpr', title: 'false positive rate', scale: logFpr ? { type: 'log', domain: [minFpr, 1] } : { domain: [0, 1] } },
    y: { field: 'tpr', title: 'true positive rate', scale: { domain: logFpr ? [0, 1] : [0, 1] } },
    options: { title: options.title ?? 'ROC', ...options },
    // On a log axis the curves fill the lower right, where a legend inside would cover them.
    legendOrient: logFpr ? 'right' : 'bottom-right',
  });
}

/** A vega-lite spec of CMC curves: identification rate against rank. */
export function cmcChartSpec(series: readonly { name: string; cmc: ArrayLike<number> }[], options: ChartOptions = {}): TopLevelSpec {
  const values = series.flatMap((s) => Array.from(s.cmc, (rate, i) => ({ series: s.name, rank: i + 1, rate, order: i, dashed: false })));
  return lineChart(values, {
    x: { field: 'rank', title: 'rank', scale: { type: 'log' } },
    y: { field: 'rate', title: 'identification rate', scale: { domain: [0, 1] } },
    options: { title: options.title ?? 'CMC', ...options },
  });
}

/** A vega-lite spec of open-set DIR against FAR (log x). */
export function dirChartSpec(series: readonly { name: string; points: readonly DirPoint[] }[], options: ChartOptions = {}): TopLevelSpec {
  const values = series.flatMap((s) =>
    s.points.filter((p) => p.far > 0).map((p, i) => ({ series: s.name, far: p.far, dir: p.dir, order: i, dashed: false })),
  );
  return lineChart(values, {
    x: { field: 'far', title: 'false alarm rate', scale: { type: 'log' } },
    y: { field: 'dir', title: 'detection and identification rate', scale: { domain: [0, 1] } },
    options: { title: options.title ?? 'DIR vs FAR', ...options },
  });
}

interface Axis {
  field: string;
  title: string;
  scale: Record<string, unknown>;
}

function lineChart(
  values: object[],
  { x, y, options, legendOrient = 'bottom-right' }: { x: Axis; y: Axis; options: ChartOptions; legendOrient?: string },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title,
    width: options.width ?? 480,
    height: options.height ?? 400,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: { field: x.field, type: 'quantitative', title: x.title, scale: x.scale },
      y: { field: y.field, type: 'quantitative', title: y.title, scale: y.scale },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: legendOrient, labelLimit: 320 } },
      strokeDash: { field: 'dashed', type: 'nominal', legend: null, scale: { domain: [false, true], range: [[1, 0], [6, 3]] } },
      order: { field: 'order', type: 'quantitative' },
    },
  } as TopLevelSpec;
}

/** Renders a vega-lite spec to an SVG string (headless: vega's 'none' renderer, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes with sharp (`scale` 2 gives a crisp image). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

/** Writes bytes to `path` atomically (temp file in the same folder, then rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Renders a spec and writes `<base>.svg` and `<base>.png`; returns both paths. */
export async function writeChart(spec: TopLevelSpec, base: string): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg);
  await writeFileAtomic(`${base}.svg`, svg);
  await writeFileAtomic(`${base}.png`, png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}
