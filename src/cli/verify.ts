// `kaizen verify`: walks the whole receipt chain and names the first receipt that was changed,
// removed or reordered (exit 1), or confirms the chain (exit 0).

import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { type CliDeps, type GlobalOptions, openStore, progressPrinter } from './context.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runVerify(deps: CliDeps, opts: { format: string }, cmd: Command): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') {
    throw new KaizenError('KZN_USAGE', `--format: expected text or json, got ${quoteInput(opts.format)}`);
  }
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    const report = await store.verify(progressPrinter(deps, 'verifying'));
    if (opts.format === 'json') deps.stdout(`${JSON.stringify(report)}\n`);
    if (!report.ok) {
      throw new KaizenError('KZN_CHAIN_BROKEN', `${report.message} (${report.where})`, {
        hint: `${report.receipts} receipts before it verified. Nothing was changed; restore the journal from a backup to repair it.`,
      });
    }
    if (opts.format !== 'json') {
      deps.stdout(`ok: ${report.receipts} receipts verify, seq 1–${report.lastSeq}, last digest ${report.lastDigest}\n`);
    }
  } finally {
    await store.close();
  }
}
