// `kaizen trend METRIC`: slope, significance and verdict of a metric's hourly series.

import type { Command } from 'commander';
import { METRICS, metricByName, seriesOf, trendOf } from '../analysis/trends.js';
import { KaizenError, quoteInput } from '../errors.js';
import { loadWindowFacts } from '../query/window-facts.js';
import { analysisWindow, type CliDeps, type GlobalOptions, openStore } from './context.js';

const WINDOWS = ['1h', '24h', '7d', '30d'];

/** Runs the command (its options are defined in commands.ts). */
export async function runTrend(
  deps: CliDeps,
  metricName: string | undefined,
  opts: { window?: string; week?: string; format: string; list?: boolean },
  cmd: Command,
): Promise<void> {
  if (opts.list === true || metricName === undefined) {
    for (const m of METRICS) deps.stdout(`${m.name.padEnd(22)} ${m.description} (${m.unit || 'ratio'}; ${m.higherIsBetter ? 'higher is better' : 'lower is better'})\n`);
    return;
  }
  const metric = metricByName(metricName);
  if (metric === undefined) {
    throw new KaizenError('KZN_USAGE', `unknown metric ${quoteInput(metricName)}`, { hint: `Known metrics: ${METRICS.map((m) => m.name).join(', ')}.` });
  }
  if (opts.window !== undefined && !WINDOWS.includes(opts.window)) {
    throw new KaizenError('KZN_USAGE', `--window: expected one of ${WINDOWS.join(', ')}, got ${quoteInput(opts.window)}`);
  }
  const window = analysisWindow(deps, opts, '7d');
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const { facts, queries } = await loadWindowFacts(store, window);
    const points = seriesOf(facts.hours, metric);
    const t = trendOf(points, metric.higherIsBetter);
    if (opts.format === 'json') {
      deps.stdout(`${JSON.stringify({ metric: metric.name, unit: metric.unit, window: window.label, ...t, queries })}\n`);
      return;
    }
    const f = (x: number | null, d = 3): string => (x === null ? 'n/a' : x.toFixed(d));
    deps.stdout(
      [
        `${metric.name} over ${window.label}: ${t.verdict}`,
        `  ${t.reason}`,
        `  hourly points ${t.points}, mean ${f(t.mean)} ${metric.unit}`,
        `  Theil–Sen slope ${f(t.theilSenSlopePerDay)} ${metric.unit}/day (${f(t.slopePerDayPct, 2)} % of the mean per day)`,
        `  OLS slope ${f(t.olsSlopePerDay)} ${metric.unit}/day`,
        `  Mann–Kendall S ${t.mannKendallS}, Z ${t.mannKendallZ.toFixed(3)}, p ${t.pValue === null ? 'n/a' : t.pValue.toPrecision(3)}`,
      ].join('\n') + '\n',
    );
  } finally {
    await store.close();
  }
}
