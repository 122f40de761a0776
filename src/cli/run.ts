// `kaizen run`: the pipeline in simulated time against a scenario, every event journaled as a
// receipt, each hour rolled up as it closes.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { HourFolds } from '../evidence/hour-folds.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, isoWeekOf, parseDuration, parseTimeBound, type TimeRange, WEEK_MS } from '../evidence/time.js';
import { resolveConfig } from '../pipeline/config.js';
import { parseScenario, type Scenario } from '../pipeline/scenario.js';
import { createSimulation, type SimulationSummary } from '../pipeline/simulate.js';
import { ensureRollups } from '../query/rollups.js';
import { otlpTracerFromEnv } from '../telemetry/spans.js';
import { type CliDeps, type GlobalOptions, openStore, when } from './context.js';

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
  /** Rolls up each closed hour through SPARQL as the run goes (default true). */
  readonly rollup?: boolean;
  readonly onHour?: (done: number, total: number, summary: SimulationSummary) => void;
}

/** Simulated time per slice: the simulation hands the journal its events a slice at a time. */
const SLICE_MS = 5 * 60_000;

/** How many slices the simulation may run ahead of the journal (two hours). */
const MAX_SLICES_AHEAD = 24;

/** How many appends may wait for their commit at once. */
const MAX_APPENDS_UNDER_WAY = 3;

/** A slice of simulated time: its events in time order and, when it ends an hour, that hour. */
interface Slice {
  readonly events: KaizenEvent[];
  readonly ends?: { readonly range: TimeRange; readonly summary: SimulationSummary };
}

/** Slices handed from the simulation to the journal, in order; each side waits for the other. */
class SliceQueue {
  readonly #slices: Slice[] = [];
  #taker: ((slice: Slice) => void) | undefined;
  #room: (() => void) | undefined;
  #closed = false;

  put(slice: Slice): void {
    const taker = this.#taker;
    this.#taker = undefined;
    if (taker !== undefined) taker(slice);
    else this.#slices.push(slice);
  }

  take(): Promise<Slice> {
    const slice = this.#slices.shift();
    if (this.#room !== undefined && this.#slices.length < MAX_SLICES_AHEAD) {
      this.#room();
      this.#room = undefined;
    }
    return slice !== undefined ? Promise.resolve(slice) : new Promise((resolve) => (this.#taker = resolve));
  }

  /** Resolves once the journal is less than MAX_SLICES_AHEAD slices behind, or has stopped. */
  room(): Promise<void> {
    if (this.#closed || this.#slices.length < MAX_SLICES_AHEAD) return Promise.resolve();
    return new Promise((resolve) => (this.#room = resolve));
  }

  /** The journal stopped: the simulation waits for it no more. */
  close(): void {
    this.#closed = true;
    this.#room?.();
    this.#room = undefined;
  }
}

/** Lets I/O callbacks run (a commit's write finishing, its fsync starting) before going on. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Simulates the run a slice at a time and journals each slice while the next ones are simulated:
 * a slice's receipts are sealed as soon as the journal takes it and committed with whatever else
 * is waiting (group commit), in turns of the event loop between slices. Each hour is rolled up
 * once its receipts are durable, before any of the next hour's are sealed, so the chain holds each
 * hour's receipts, then its rollup, then the next hour's, as it did hour by hour.
 */
export async function simulateInto(store: EvidenceStore, o: RunOptions): Promise<{ summary: SimulationSummary; receipts: number; rollups: number }> {
  let buffer: KaizenEvent[] = [];
  const config = resolveConfig({ env: o.env });
  const tracer = await otlpTracerFromEnv(o.env);
  const sim = createSimulation({
    scenario: o.scenario,
    seed: o.seed,
    startMs: o.startMs,
    ...(o.durationMs !== undefined && { durationMs: o.durationMs }),
    ...(o.rate !== undefined && { rate: o.rate }),
    config,
    sink: (e) => {
      buffer.push(e);
      tracer?.record(e);
    },
  });
  const hours = Math.ceil((sim.endMs - sim.startMs) / HOUR_MS);
  let receipts = 0;
  let rollups = 0;
  const folds = o.rollup === false ? undefined : new HourFolds();
  const queue = new SliceQueue();

  /** Takes the slices of each hour, appends them, and rolls the hour up once they are durable. */
  const journal = async (): Promise<void> => {
    for (let h = 0; h < hours; h++) {
      // Folded in chain order as each append is durable; nothing of an append is kept after that.
      let folded: Promise<void> = Promise.resolve();
      const unfolded: Promise<void>[] = [];
      let slice: Slice;
      do {
        slice = await queue.take();
        for (let i = 0; i < slice.events.length; i += 5000) {
          // Receipts waiting for a slow disk are kept in memory, and the collector copies them
          // over and over: past a few appends under way, the next waits for the oldest.
          while (unfolded.length >= MAX_APPENDS_UNDER_WAY) await unfolded.shift();
          const appended = store.appendEvents(slice.events.slice(i, i + 5000));
          appended.catch(() => undefined); // the first failure is thrown below; later ones are its echo
          folded = folded.then(async () => folds?.add((await appended).receipts));
          folded.catch(() => undefined); // awaited below or by the next append; a failure stops the loop at the first
          unfolded.push(folded);
        }
        receipts += slice.events.length;
      } while (slice.ends === undefined);
      await folded;
      const { range, summary } = slice.ends;
      if (folds !== undefined) {
        // The hour's rows were folded as it was appended: no need to load it back to roll it up.
        const report = await ensureRollups(store, range, { nowMs: range.toMs, folds });
        rollups += report.built.length;
      }
      o.onHour?.(h + 1, hours, summary);
    }
  };
  const journaled = journal();
  let failed = false;
  journaled.catch(() => {
    failed = true;
    queue.close();
  });
  for (let cut = sim.startMs + SLICE_MS; !failed; cut += SLICE_MS) {
    const to = Math.min(cut, sim.endMs);
    sim.runUntil(to);
    const events = buffer.sort((a, b) => a.timeMs - b.timeMs);
    buffer = [];
    const endsHour = (to - sim.startMs) % HOUR_MS === 0 || to === sim.endMs;
    const hourFrom = sim.startMs + Math.floor((to - 1 - sim.startMs) / HOUR_MS) * HOUR_MS;
    queue.put({ events, ...(endsHour && { ends: { range: { fromMs: hourFrom, toMs: hourFrom + HOUR_MS }, summary: sim.summary() } }) });
    if (to === sim.endMs) break;
    await queue.room();
    await yieldToIo();
  }
  await journaled;
  await tracer?.shutdown();
  return { summary: sim.summary(), receipts, rollups };
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
