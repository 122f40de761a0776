// `kaizen rollup`: builds the missing or stale rollups of closed hours (or rebuilds them all).

import type { Command } from 'commander';
import { ensureRollups } from '../query/rollups.js';
import { type CliDeps, everything, type GlobalOptions, openStore, progressPrinter, type WindowOptions, windowOf } from './context.js';

export function registerRollup(program: Command, deps: CliDeps): void {
  program
    .command('rollup')
    .description('build the rollups of closed hours that lack one or whose source changed')
    .option('--rebuild', 'rebuild every rollup of the window, fresh or not')
    .option('--week <week>', 'only the hours of an ISO week (2026-W48, last, this, or a date)')
    .option('--from <time>', 'only hours from this date or time')
    .option('--to <time>', 'only hours before this date or time')
    .action(async (opts: WindowOptions & { rebuild?: boolean }, cmd: Command) => {
      const store = openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'write');
      try {
        const range = windowOf(deps, opts) ?? everything((await store.stats()).days);
        const report = await ensureRollups(store, range, {
          nowMs: deps.now(),
          rebuild: opts.rebuild === true,
          onProgress: progressPrinter(deps, 'rolling up'),
        });
        deps.stdout(
          `rolled up ${report.built.length} hours; ${report.fresh} were up to date${report.open > 0 ? `; ${report.open} still open` : ''}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
