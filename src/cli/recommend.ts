// `kaizen recommend`: what to improve next, with the evidence behind each recommendation.

import type { Command } from 'commander';
import { analyzeWindow } from '../query/analyze.js';
import { loadSlos } from '../query/slo-files.js';
import { analysisWindow, type CliDeps, type GlobalOptions, openStore } from './context.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runRecommend(deps: CliDeps, opts: { week?: string; window?: string; format: string }, cmd: Command): Promise<void> {
  const window = analysisWindow(deps, opts, '7d');
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const { recommendations } = await analyzeWindow(store, window, loadSlos());
    if (opts.format === 'json') {
      deps.stdout(`${JSON.stringify({ window: window.label, recommendations })}\n`);
      return;
    }
    if (recommendations.length === 0) deps.stdout(`Nothing to recommend for ${window.label}: no rule found a problem in the evidence.\n`);
    for (const r of recommendations) {
      deps.stdout(`[P${r.priority}] ${r.title}\n      ${r.action}\n      expected: ${r.expectedEffect}\n      evidence: ${r.evidence.join('; ')}\n`);
    }
  } finally {
    await store.close();
  }
}
