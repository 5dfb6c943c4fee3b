import type { OneShotResult, RecognitionResult, RetrievalResult } from '@deepface-ts/piper';

const pct = (x: number | undefined) => (x === undefined ? '   —   ' : `${(100 * x).toFixed(2).padStart(6)} %`);

/** PIPER's Table 2 and Table 4 layouts, then one-shot and retrieval, as plain text. */
export function formatReport(
  dataset: string,
  sizes: Record<string, number>,
  r: RecognitionResult,
  shots: OneShotResult[],
  ret: RetrievalResult,
  weights: Record<string, { w: number[]; C: number; T?: number }>,
): string {
  const parts = Object.keys(r.partsAlone);
  const [global, ...others] = parts;
  const lines: string[] = [];
  lines.push(`${dataset}: ${Object.entries(sizes).map(([k, v]) => `${k} ${v}`).join(', ')}; test identities ${r.K}`);
  lines.push('');
  lines.push(`Table 2 layout: person recognition on the test set (${r.testInstances} instances, ${r.K} identities; halves, averaged)`);
  lines.push(`  ${'Method'.padEnd(44)} Accuracy`);
  lines.push(`  ${'Chance'.padEnd(44)} ${pct(1 / r.K)}`);
  for (const p of others) lines.push(`  ${`${p} alone (fires on ${(100 * r.fireRate[p]).toFixed(0)} %, chance elsewhere)`.padEnd(44)} ${pct(r.partsAlone[p])}`);
  lines.push(`  ${`Global model (${global})`.padEnd(44)} ${pct(r.partsAlone[global])}`);
  lines.push(`  ${'PIPER w/out sparsity filling'.padEnd(44)} ${pct(r.fused.fusion_no_filling)}`);
  lines.push(`  ${'PIPER'.padEnd(44)} ${pct(r.fused.piper)}`);
  lines.push('');
  lines.push('Table 4 layout: components (✓ used; without the global model P0 is uniform)');
  lines.push(`  ${[global, ...others].map((p) => p.padEnd(9)).join('')}Accuracy`);
  const mark = (on: boolean) => (on ? '✓' : '–').padEnd(9);
  const row = (used: string[], acc: number | undefined) => lines.push(`  ${parts.map((p) => mark(used.includes(p))).join('')}${pct(acc)}`);
  for (const p of parts) row([p], r.partsAlone[p]);
  for (const p of others) row([global, p], others.length >= 2 ? r.fused[`global+${p}`] : r.fused.piper);
  if (others.length >= 2) row(others, r.fused[`${others.join('+')} (uniform P0)`]);
  if (others.length >= 2) row(parts, r.fused.piper);
  lines.push('');
  lines.push('One-shot (k training instances per test identity; mean ± std over repeats)');
  lines.push(`  k   PIPER               global model`);
  for (const s of shots) lines.push(`  ${s.k}   ${pct(s.piper.mean)} ± ${(100 * s.piper.std).toFixed(2)}   ${pct(s.global.mean)} ± ${(100 * s.global.std).toFixed(2)}`);
  lines.push('');
  lines.push(`Unsupervised retrieval (${ret.dims}-D vectors of validation-identity scores, Euclidean kNN, ${ret.queries} queries)`);
  lines.push(`  top-k   ${Array.from({ length: ret.piper.length }, (_, k) => String(k + 1).padStart(8)).join('')}`);
  lines.push(`  PIPER   ${ret.piper.map((x) => `${(100 * x).toFixed(1)}%`.padStart(8)).join('')}`);
  lines.push(`  global  ${ret.global.map((x) => `${(100 * x).toFixed(1)}%`.padStart(8)).join('')}`);
  if (Object.keys(weights).length) {
    lines.push('');
    lines.push('Learned part weights w (global first), C and softmax temperature T, chosen on validation:');
    for (const [name, w] of Object.entries(weights)) lines.push(`  ${name.padEnd(30)} w = [${w.w.join(', ')}], C = ${w.C}${w.T === undefined ? '' : `, T = ${w.T}`}`);
  }
  return lines.join('\n');
}
