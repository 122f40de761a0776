// `kaizen why`: the 5-Whys chain of a receipt, of an alert's firing, or of a metric at a time.

import type { Command } from 'commander';
import { metricByName } from '../analysis/trends.js';
import type { WhyChain } from '../analysis/whys.js';
import { KaizenError, quoteInput } from '../errors.js';
import { parseTimeBound } from '../evidence/time.js';
import { findAlertReceipt, whyOfMetric, whyOfReceipt } from '../query/why.js';
import { type CliDeps, type GlobalOptions, openStore } from './context.js';

function print(deps: CliDeps, chain: WhyChain): void {
  const lines = [`Problem: ${chain.problem.iri === '' ? '' : `${chain.problem.iri} — `}${chain.problem.className} on ${chain.problem.component} at ${new Date(chain.problem.timeMs).toISOString()}`, ''];
  for (const s of chain.steps) {
    lines.push(`${s.step}. ${s.statement}`);
    lines.push(`   receipts: ${s.receipts.join(' ')}`);
  }
  lines.push('', chain.conclusion);
  deps.stdout(`${lines.join('\n')}\n`);
}

/** Runs the command (its options are defined in commands.ts). */
export async function runWhy(
  deps: CliDeps,
  receipt: string | undefined,
  opts: { alert?: string; metric?: string; at?: string; format: string },
  cmd: Command,
): Promise<void> {
  const given = [receipt !== undefined, opts.alert !== undefined, opts.metric !== undefined].filter(Boolean).length;
  if (given !== 1) throw new KaizenError('KZN_USAGE', 'expected one of: a receipt IRI, --alert NAME --at TIME, or --metric NAME --at TIME');
  if ((opts.alert !== undefined || opts.metric !== undefined) && opts.at === undefined) throw new KaizenError('KZN_USAGE', '--at TIME is needed with --alert and --metric');
  const atMs = opts.at === undefined ? 0 : parseTimeBound(opts.at, '--at');
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'read');
  try {
    let chain: WhyChain;
    if (opts.metric !== undefined) {
      if (metricByName(opts.metric) === undefined) throw new KaizenError('KZN_USAGE', `unknown metric ${quoteInput(opts.metric)} (kaizen trend --list)`);
      chain = await whyOfMetric(store, opts.metric, atMs);
    } else {
      let iri = receipt;
      if (opts.alert !== undefined) {
        iri = await findAlertReceipt(store, opts.alert, atMs);
        if (iri === undefined) throw new KaizenError('KZN_USAGE', `no firing of alert ${quoteInput(opts.alert)} in the 24 hours up to ${opts.at}`);
      }
      chain = (await whyOfReceipt(store, iri!)).chain;
    }
    if (opts.format === 'json') deps.stdout(`${JSON.stringify(chain)}\n`);
    else print(deps, chain);
  } finally {
    await store.close();
  }
}
