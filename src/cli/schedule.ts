// `kaizen schedule`: writes the weekly review at cron times, until stopped.

import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { loadSlos } from '../query/slo-files.js';
import { buildReview } from '../report/build.js';
import { type ReviewFormat, renderReview } from '../report/render.js';
import { ReviewSchedule } from '../report/schedule.js';
import { type CliDeps, type GlobalOptions, openStore } from './context.js';
import { outputPathOf, writeAtomically } from './output-path.js';

/** A schedule that writes reviews from the data directory with real timers. */
export function reviewSchedule(
  deps: CliDeps,
  global: GlobalOptions,
  o: { cron: string; outDir: string; formats: ReviewFormat[]; force?: boolean; timezone?: string },
): ReviewSchedule {
  const slos = loadSlos();
  return new ReviewSchedule({
    ...o,
    log: (line) => deps.stderr(`${line}\n`),
    clock: { now: deps.now, setTimer: (run, ms) => setTimeout(run, ms), clearTimer: (h) => clearTimeout(h as NodeJS.Timeout) },
    write: async (week, format, path) => {
      const store = await openStore(deps, global, 'read');
      try {
        const model = await buildReview(store, week, { nowMs: deps.now(), slos });
        writeAtomically(path, renderReview(model, format as ReviewFormat));
      } finally {
        await store.close();
      }
    },
  });
}

export function parseFormats(text: string): ReviewFormat[] {
  const formats = text.split(',').map((f) => f.trim());
  for (const f of formats) {
    if (f !== 'md' && f !== 'html' && f !== 'json') throw new KaizenError('KZN_USAGE', `--format: expected md, html or json (comma-separated), got ${quoteInput(f)}`);
  }
  return formats as ReviewFormat[];
}

/** Runs the command (its options are defined in commands.ts). */
export async function runSchedule(
  deps: CliDeps,
  opts: { cron: string; out: string; format: string; force?: boolean; now?: boolean; tz?: string },
  cmd: Command,
): Promise<void> {
  const global = cmd.optsWithGlobals<GlobalOptions>();
  const schedule = reviewSchedule(deps, global, {
    cron: opts.cron,
    outDir: outputPathOf(deps, global, opts.out, '--out', 'folder'),
    formats: parseFormats(opts.format),
    ...(opts.force === true && { force: true }),
    ...(opts.tz !== undefined && { timezone: opts.tz }),
  });
  const next = schedule.nextRunMs(deps.now());
  deps.stderr(`schedule: "${opts.cron}" writes the last complete week's review to ${opts.out}; next run ${next === undefined ? 'never' : new Date(next).toISOString()}. Stop with Ctrl-C.\n`);
  if (opts.now === true) await schedule.runOnce();
  schedule.start();
  await new Promise<void>((done) => {
    const stop = (): void => {
      schedule.stop();
      deps.stderr('schedule: stopped\n');
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
