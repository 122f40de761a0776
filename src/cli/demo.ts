// `kaizen demo` (what `npm start` runs): simulates the default week into the data directory
// unless it is there already, rolls it up, and writes that week's review as Markdown and HTML.

import { join } from 'node:path';
import type { Command } from 'commander';
import { isoWeekOf, WEEK_MS } from '../evidence/time.js';
import { ensureRollups } from '../query/rollups.js';
import { loadSlos } from '../query/slo-files.js';
import { buildReview } from '../report/build.js';
import { renderReview } from '../report/render.js';
import { type CliDeps, dataDirOf, type GlobalOptions, openStore } from './context.js';
import { outputPathOf, writeAtomically } from './output-path.js';
import { loadScenario, simulateInto } from './run.js';

/** Runs the command (its options are defined in commands.ts). */
export async function runDemo(deps: CliDeps, opts: { out: string; scenario: string; seed: string; rate?: string }, cmd: Command): Promise<void> {
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const week = isoWeekOf(deps.now() - WEEK_MS);
  const outDir = outputPathOf(deps, global, opts.out, '--out', 'folder');
  const started = Date.now();
  const store = await openStore(deps, global, 'write');
  try {
    const have = await store.hourSummaries(week.range);
    if (have.size === 0) {
      const scenario = loadScenario(opts.scenario, deps.cwd);
      deps.stderr(`demo: simulating the ${scenario.name} scenario for ${week.label} into ${dataDirOf(deps, global)} (seed ${opts.seed})…\n`);
      const { summary, receipts } = await simulateInto(store, {
        scenario,
        seed: Number(opts.seed),
        startMs: week.range.fromMs,
        durationMs: WEEK_MS,
        ...(opts.rate !== undefined && { rate: Number(opts.rate) }),
        env: deps.env,
        onHour: (done, total, s) => {
          if (done % 12 === 0 || done === total) {
            const eta = ((Date.now() - started) / done) * (total - done) / 1000;
            deps.stderr(`demo: ${week.label} ${Math.round((done / total) * 100)} % (${done}/${total} h, ${s.signals} signals), about ${Math.ceil(eta)} s left\n`);
          }
        },
      });
      deps.stderr(`demo: ${summary.signals} signals, ${receipts} receipts journaled and rolled up\n`);
    } else {
      deps.stderr(`demo: ${week.label} is already in the store (${[...have.values()].reduce((n, h) => n + h.count, 0)} receipts); rolling up what is missing\n`);
      await ensureRollups(store, week.range, { nowMs: deps.now() });
    }
    const model = await buildReview(store, week.label, { nowMs: deps.now(), slos: loadSlos() });
    const paths = ['md', 'html'].map((format) => {
      const path = join(outDir, `${week.label}.${format}`);
      writeAtomically(path, renderReview(model, format as 'md' | 'html'));
      return path;
    });
    const h = model.health.overall;
    deps.stdout(
      [
        `Kaizen review of ${week.label}: ${model.verdict}`,
        `  overall health ${h.score === null ? 'n/a' : `${h.score.toFixed(1)} ${h.band}`}; SLO decision: ${model.slo_decision.decision} (budget ${model.slo_decision.budget})`,
        `  ${model.incidents.filter((i) => i.kind !== 'slo-breach').length} incidents, ${model.recommendations.length} recommendations`,
        `  wrote ${paths.join(' and ')}`,
        `  in ${((Date.now() - started) / 1000).toFixed(1)} s. Next: kaizen review --week ${week.label} --format html, kaizen why --help`,
      ].join('\n') + '\n',
    );
  } finally {
    await store.close();
  }
}
