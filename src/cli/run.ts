// `kaizen run`: the pipeline in simulated time against a scenario, every event journaled as a
// receipt, each hour rolled up as it closes.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { HourFolds } from '../evidence/hour-folds.js';
import type { EvidenceStore } from '../evidence/store.js';
import { isoWeekOf, parseDuration, parseTimeBound, WEEK_MS } from '../evidence/time.js';
import { resolveConfig } from '../pipeline/config.js';
import { parseScenario, type Scenario } from '../pipeline/scenario.js';
import { type SimulationSummary, simulatedRange } from '../pipeline/simulate.js';
import { otlpTracerFromEnv } from '../telemetry/spans.js';
import { type CliDeps, type GlobalOptions, openStore, when } from './context.js';
import { journalSlices } from './journal-slices.js';
import { canFeedFromWorker, type FeedOptions, feedFromWorker, feedHere, SliceQueue } from './simulation-feed.js';

/** The shipped scenarios/ folder. */
export function defaultScenarioDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../scenarios', '../../../scenarios']) if (existsSync(join(here, up))) return join(here, up);
  return join(here, '../../scenarios');
}

/** A scenario by name (scenarios/NAME.yaml) or by file path. */
export function loadScenario(nameOrFile: string, cwd: string): Scenario {
  const candidates = /[/\\]|\.(ya?ml|json)$/.test(nameOrFile)
    ? [resolve(cwd, nameOrFile)]
    : ['yaml', 'yml', 'json'].map((ext) => join(defaultScenarioDir(), `${nameOrFile}.${ext}`));
  const file = candidates.find((c) => existsSync(c));
  if (file === undefined) {
    throw new KaizenError('KZN_INPUT_FILE', `no scenario ${quoteInput(nameOrFile)}: looked for ${candidates.join(', ')}`, {
      hint: 'Give a scenario name from scenarios/ (like default-week) or the path of a .yaml or .json file.',
    });
  }
  return parseScenario(readFileSync(file, 'utf8'), file);
}

export interface RunOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly startMs: number;
  readonly durationMs?: number;
  readonly rate?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Rolls up each closed hour as the run goes, from the rows folded as it was appended (default true). */
  readonly rollup?: boolean;
  readonly onHour?: (done: number, total: number, summary: SimulationSummary) => void;
  /** Simulates on a worker thread when the built worker script is there (default true). */
  readonly worker?: boolean;
}

/**
 * Simulates the run a slice at a time and journals each slice while the next ones are simulated,
 * on a worker thread when the built worker script is there and no tracer wants the events here
 * (simulation-feed.ts); journal-slices.ts appends the slices and rolls each hour up once it is
 * durable.
 */
export async function simulateInto(store: EvidenceStore, o: RunOptions): Promise<{ summary: SimulationSummary; receipts: number; rollups: number }> {
  const tracer = await otlpTracerFromEnv(o.env);
  const feed: FeedOptions = {
    scenario: o.scenario,
    seed: o.seed,
    startMs: o.startMs,
    ...(o.durationMs !== undefined && { durationMs: o.durationMs }),
    ...(o.rate !== undefined && { rate: o.rate }),
    config: resolveConfig({ env: o.env }),
  };
  const range = simulatedRange(feed);
  const queue = new SliceQueue();
  const journaled = journalSlices({
    store,
    queue,
    range,
    folds: o.rollup === false ? undefined : new HourFolds(),
    ...(o.onHour !== undefined && { onHour: o.onHour }),
  });
  journaled.catch(() => queue.close());
  const onWorker = o.worker !== false && tracer === undefined && canFeedFromWorker();
  const simulated = onWorker ? feedFromWorker(feed, queue) : feedHere(feed, queue, tracer === undefined ? undefined : (e) => tracer.record(e));
  // Whichever fails first is the error; the other one's failure follows from it.
  simulated.catch(() => undefined);
  const { receipts, rollups } = await journaled;
  const summary = await simulated;
  await tracer?.shutdown();
  return { summary, receipts, rollups };
}

/** The default start: Monday 00:00 UTC of the last complete ISO week. */
export function lastCompleteWeekStart(nowMs: number): number {
  return isoWeekOf(nowMs - WEEK_MS).range.fromMs;
}

/** Runs the command (its options are defined in commands.ts). */
export async function runRun(
  deps: CliDeps,
  opts: { scenario: string; duration?: string; seed: string; start?: string; rate?: string; rollup?: boolean; progressEvery?: string },
  cmd: Command,
): Promise<void> {
  const scenario = loadScenario(opts.scenario, deps.cwd);
  const seed = Number(opts.seed);
  if (!Number.isSafeInteger(seed)) throw new KaizenError('KZN_USAGE', `--seed: expected an integer, got ${quoteInput(opts.seed)}`);
  const rate = opts.rate === undefined ? undefined : Number(opts.rate);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new KaizenError('KZN_USAGE', `--rate: expected signals per second (> 0), got ${quoteInput(String(opts.rate))}`);
  const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration, '--duration');
  const every = Number(opts.progressEvery ?? '6');
  if (!(Number.isInteger(every) && every > 0)) throw new KaizenError('KZN_USAGE', `--progress-every: expected a whole number of hours (> 0), got ${quoteInput(String(opts.progressEvery))}`);
  const startMs = opts.start === undefined ? lastCompleteWeekStart(deps.now()) : parseTimeBound(opts.start, '--start');
  const store = await openStore(deps, cmd.optsWithGlobals<GlobalOptions>(), 'write');
  const t0 = Date.now();
  try {
    deps.stderr(`simulating ${scenario.name} from ${when(startMs)} (seed ${seed})\n`);
    const { summary, receipts, rollups } = await simulateInto(store, {
      scenario,
      seed,
      startMs,
      ...(durationMs !== undefined && { durationMs }),
      ...(rate !== undefined && { rate }),
      env: deps.env,
      ...(opts.rollup === false && { rollup: false }),
      onHour: (done, total, s) => {
        if (done % every === 0 || done === total) deps.stderr(`  ${done}/${total} h simulated and journaled, ${s.signals} signals, ${s.events} events\n`);
      },
    });
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    deps.stdout(
      [
        `simulated ${scenario.name}: ${when(summary.startMs)} to ${when(summary.endMs)} in ${seconds} s`,
        `  signals ${summary.signals}: ${summary.completed} completed, ${summary.failed} failed, ${summary.rejected} rejected`,
        `  ${receipts} receipts journaled, ${rollups} hours rolled up`,
        `  incidents: ${summary.incidents.map((i) => `${i.kind} at ${when(i.startMs)}`).join('; ') || 'none'}`,
      ].join('\n') + '\n',
    );
  } finally {
    await store.close();
  }
}
