// `kaizen health`: the four pillar scores and the overall score of a window, with their inputs.

import type { Command } from 'commander';
import { PILLAR_NAMES } from '../analysis/health.js';
import { analyzeWindow } from '../query/analyze.js';
import { analysisWindow, type CliDeps, type GlobalOptions, openStore, when } from './context.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runHealth(deps: CliDeps, opts: { window?: string; week?: string; format: string }, cmd: Command): Promise<void> {
  const window = analysisWindow(deps, opts);
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const { health, queries } = await analyzeWindow(store, window, []);
    if (opts.format === 'json') {
      const { window: _w, ...rest } = health;
      deps.stdout(`${JSON.stringify({ window: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), label: window.label }, ...rest, queries })}\n`);
      return;
    }
    const lines = [`Health of ${window.label} (${when(window.fromMs)} to ${when(window.toMs)})`, ''];
    lines.push(health.overall.status === 'ok' ? `overall   ${health.overall.score.toFixed(1)}  ${health.overall.band}` : 'overall   no data in this window');
    for (const name of PILLAR_NAMES) {
      const p = health.pillars[name];
      lines.push(p.status === 'ok' ? `${name.padEnd(9)} ${p.score.toFixed(1).padStart(5)}  ${p.band}` : `${name.padEnd(9)}    —   no data: ${p.reason}`);
      for (const [k, v] of Object.entries(p.inputs)) {
        lines.push(`            ${k.padEnd(26)} ${v.value === null ? 'n/a' : `${v.value}${v.unit === '' ? '' : ` ${v.unit}`}`}`);
      }
    }
    lines.push('', `from the rollups, queries: ${queries.join(', ')}`);
    deps.stdout(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}
