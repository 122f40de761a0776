// `kaizen rollup`: builds the missing or stale rollups of closed hours (or rebuilds them all).

import type { Command } from 'commander';
import { ensureRollups } from '../query/rollups.js';
import { type CliDeps, everything, type GlobalOptions, openStore, progressPrinter, type WindowOptions, windowOf } from './context.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runRollup(deps: CliDeps, opts: WindowOptions & { rebuild?: boolean }, cmd: Command): Promise<void> {
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'write');
  try {
    const range = windowOf(deps, opts) ?? everything((await store.stats()).days);
    const report = await ensureRollups(store, range, {
      nowMs: deps.now(),
      rebuild: opts.rebuild === true,
      onProgress: progressPrinter(deps, 'rolling up'),
    });
    deps.stdout(
      `rolled up ${report.built.length} hours; ${report.fresh} were up to date${report.open > 0 ? `; ${report.open} still open` : ''}${report.workers > 0 ? `; ${report.workers} worker threads queried the raw hours` : ''}\n`,
    );
  } finally {
    await store.close();
  }
}
