// `kaizen slo [NAME]`: attainment, error budget, burn rate and alert state of each SLO.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { evaluateSlo, type SloResult } from '../analysis/slo.js';
import { KaizenError, quoteInput } from '../errors.js';
import { loadSlos } from '../query/slo-files.js';
import { loadWindowFacts } from '../query/window-facts.js';
import { analysisWindow, type CliDeps, type GlobalOptions, openStore } from './context.js';

function line(r: SloResult): string {
  if (r.status === 'no-data') return `${r.name.padEnd(16)} no data: ${r.reason}`;
  const pct = (x: number, d = 3): string => `${(x * 100).toFixed(d)} %`;
  return [
    `${r.name.padEnd(16)} ${r.status.toUpperCase()}  attainment ${pct(r.attainment)} (target ${pct(r.target, 2)}) over ${r.total} ${r.unit}`,
    `${''.padEnd(16)} error budget ${pct(r.errorBudget.remainingRatio, 1)} left (${r.errorBudget.remaining.toFixed(1)} of ${r.errorBudget.total.toFixed(1)} ${r.unit}; ${r.errorBudget.remainingMinutes.toFixed(1)} of ${r.errorBudget.totalMinutes.toFixed(1)} min) — ${r.budgetStatus}`,
    `${''.padEnd(16)} burn rate ${r.burnRate.toFixed(2)}, alert ${r.alert.state}; query ${r.query}`,
  ].join('\n');
}

/** Runs the command (its options are defined in commands.ts). */
export async function runSlo(
  deps: CliDeps,
  name: string | undefined,
  opts: { week?: string; window?: string; format: string; dir?: string },
  cmd: Command,
): Promise<void> {
  // Relative to the command's working folder, as every other path option is.
  const specs = loadSlos(opts.dir === undefined ? undefined : resolve(deps.cwd, opts.dir));
  const chosen = name === undefined ? specs : specs.filter((s) => s.name === name);
  if (chosen.length === 0) {
    throw new KaizenError('KZN_USAGE', `no SLO named ${quoteInput(name ?? '')}`, { hint: `Known SLOs: ${specs.map((s) => s.name).join(', ')}.` });
  }
  const window = analysisWindow(deps, opts, '7d');
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const { facts } = await loadWindowFacts(store, window);
    const results = chosen.map((s) => evaluateSlo(s, facts));
    if (opts.format === 'json') deps.stdout(`${JSON.stringify({ window: window.label, slos: results })}\n`);
    else deps.stdout(`SLOs over ${window.label}\n${results.map(line).join('\n')}\n`);
  } finally {
    await store.close();
  }
}
