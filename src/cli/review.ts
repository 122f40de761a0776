// `kaizen review --week W`: the weekly Kaizen review as Markdown, HTML or JSON.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { loadSlos } from '../query/slo-files.js';
import { buildReview } from '../report/build.js';
import { checkTemplate, type ReviewFormat, renderReview } from '../report/render.js';
import { type CliDeps, type GlobalOptions, openStore } from './context.js';
import { outputPathOf, writeAtomically } from './output-path.js';

export { writeAtomically } from './output-path.js';

const FORMATS: readonly ReviewFormat[] = ['md', 'html', 'json'];

/** Runs the command (its options are defined in commands.ts). */
export async function runReview(
  deps: CliDeps,
  opts: { week: string; format: string; out?: string; template?: string; slos?: string; tz?: string },
  cmd: Command,
): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new KaizenError('KZN_USAGE', `--format: expected md, html or json, got ${quoteInput(opts.format)}`);
  }
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const out = opts.out === undefined ? undefined : outputPathOf(deps, global, opts.out, '--out');
  const template = opts.template === undefined ? undefined : resolve(deps.cwd, opts.template);
  if (template !== undefined) checkTemplate(template);
  const slos = loadSlos(opts.slos === undefined ? undefined : resolve(deps.cwd, opts.slos));
  const store = await openStore(deps, global, 'read');
  try {
    const model = await buildReview(store, opts.week, { nowMs: deps.now(), slos, ...(opts.tz !== undefined && { timeZone: opts.tz }) });
    const text = renderReview(model, opts.format as ReviewFormat, template);
    if (out === undefined) deps.stdout(text);
    else {
      writeAtomically(out, text);
      deps.stderr(`wrote the review of ${model.week} to ${opts.out}\n`);
    }
  } finally {
    await store.close();
  }
}
