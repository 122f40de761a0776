// `kaizen stats`: what a data directory holds, read from the journal without loading it.

import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { type CliDeps, dataDirOf, type GlobalOptions, openStore } from './context.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runStats(deps: CliDeps, opts: { format: string }, cmd: Command): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') {
    throw new KaizenError('KZN_USAGE', `--format: expected text or json, got ${quoteInput(opts.format)}`);
  }
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const store = await openStore(deps, global, 'read');
  try {
    const s = await store.stats();
    if (opts.format === 'json') {
      deps.stdout(`${JSON.stringify({ dataDir: dataDirOf(deps, global), ...s })}\n`);
      return;
    }
    const days = s.days.length === 0 ? 'none' : `${s.days.length} (${s.days[0]} to ${s.days[s.days.length - 1]})`;
    deps.stdout(
      [
        `data directory  ${dataDirOf(deps, global)}`,
        `receipts        ${s.receipts} (${s.rawReceipts} raw, ${s.rollupReceipts} rollups)`,
        `quads           ${s.quads}`,
        `days            ${days}`,
        `journal size    ${(s.journalBytes / 1048576).toFixed(2)} MiB`,
        `last receipt    seq ${s.lastSeq}, digest ${s.lastDigest}`,
      ].join('\n') + '\n',
    );
  } finally {
    await store.close();
  }
}
