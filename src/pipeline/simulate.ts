// Simulation in simulated time: a scenario's traffic and incidents through the pipeline, seeded.

import { KaizenError } from '../errors.js';
import type { FaultRecord } from './andon.js';
import type { ChaosSpec } from './chaos.js';
import { ManualClock } from './clock.js';
import type { PipelineConfig } from './config.js';
import { simulatedDownstream } from './downstream.js';
import type { EventSink } from './events.js';
import { seededIds } from './ids.js';
import { Pipeline } from './pipeline.js';
import { deriveSeed, Random } from './random.js';
import { type ResolvedIncident, resolveIncidents, type Scenario } from './scenario.js';
import { Traffic } from './traffic.js';

const HOUR_MS = 3_600_000;

/** What to simulate. */
export interface SimulateOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly startMs: number;
  /** Default: the scenario's duration. */
  readonly durationMs?: number;
  /** Mean signals per second; default: the scenario's rate_per_second. */
  readonly rate?: number;
  readonly sink: EventSink;
  readonly config?: PipelineConfig;
  /** Called after each `progressEveryMs` of simulated time (default one hour) and at the end. */
  readonly onProgress?: (progress: SimulationProgress) => void;
  readonly progressEveryMs?: number;
}

/** How far a run has got. */
export interface SimulationProgress {
  readonly simulatedMs: number;
  readonly totalMs: number;
  readonly fraction: number;
  readonly signals: number;
  readonly events: number;
}

/** What a run did. */
export interface SimulationSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly signals: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly completed: number;
  readonly failed: number;
  readonly requeued: number;
  readonly events: number;
  readonly incidents: readonly ResolvedIncident[];
  /** Incidents whose chaos could not be applied (e.g. the worker to crash was already down). */
  readonly skipped: readonly { readonly incident: string; readonly reason: string }[];
  readonly faults: readonly FaultRecord[];
  readonly mttdMs: number | undefined;
}

interface Action {
  readonly atMs: number;
  readonly run: () => void;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new KaizenError('KZN_USAGE', message);
}

/** The simulated time a run covers, [start, start + duration); refuses options a run cannot take. */
export function simulatedRange(options: Omit<SimulateOptions, 'sink'>): { fromMs: number; toMs: number } {
  const { scenario, seed, startMs } = options;
  const durationMs = options.durationMs ?? scenario.durationMs;
  check(Number.isSafeInteger(seed), `seed: expected an integer, got ${seed}`);
  check(Number.isFinite(startMs), `start: expected a time, got ${startMs}`);
  check(Number.isFinite(durationMs) && durationMs > 0, `duration: expected a positive duration, got ${durationMs} ms`);
  check(options.rate === undefined || (Number.isFinite(options.rate) && options.rate > 0),
    `rate: expected a positive number of signals per second, got ${options.rate}`);
  return { fromMs: startMs, toMs: startMs + durationMs };
}

/**
 * A run in progress, driven in chunks: `runUntil(ms)` simulates up to a time, so a caller can flush
 * its journal between chunks. The pipeline never waits: between arrivals it jumps to the next due
 * action (discrete-event simulation), and arrivals are drawn one simulated second at a time.
 */
export class Simulation {
  readonly pipeline: Pipeline;
  readonly startMs: number;
  readonly endMs: number;
  readonly incidents: readonly ResolvedIncident[];
  readonly #options: SimulateOptions;
  readonly #clock: ManualClock;
  readonly #traffic: Traffic;
  readonly #actions: Action[];
  readonly #skipped: { incident: string; reason: string }[] = [];
  readonly #arrivals: number[] = [];
  #nextAction = 0;
  #secondMs: number;
  #nextProgressMs: number;

  constructor(options: SimulateOptions) {
    const { scenario, seed, startMs } = options;
    this.#options = options;
    this.startMs = startMs;
    this.endMs = simulatedRange(options).toMs;
    this.#secondMs = startMs;
    this.#nextProgressMs = startMs + (options.progressEveryMs ?? HOUR_MS);
    this.#clock = new ManualClock(startMs);
    this.incidents = resolveIncidents(scenario, startMs, this.endMs);
    const spikes = this.incidents
      .filter((i) => i.kind === 'traffic-spike')
      .map((i) => ({ startMs: i.startMs, endMs: i.endMs, multiplier: i.multiplier ?? 1 }));
    this.#traffic = new Traffic(scenario.traffic, { startMs, endMs: this.endMs }, new Random(deriveSeed(seed, 1)), {
      ...(options.rate !== undefined && { rate: options.rate }),
      spikes,
    });
    this.pipeline = new Pipeline({
      clock: this.#clock,
      sink: options.sink,
      ...(options.config !== undefined && { config: options.config }),
      seed,
      ids: seededIds(deriveSeed(seed, 2)),
      random: new Random(deriveSeed(seed, 3)),
      downstream: simulatedDownstream(scenario.downstream),
    });
    this.#actions = this.#incidentActions();
    this.pipeline.start();
  }

  /** True once the whole duration has been simulated. */
  get done(): boolean {
    return this.#secondMs >= this.endMs;
  }

  /**
   * Simulates up to `untilMs` (at most the end; arrivals are drawn a whole second at a time, so a
   * cut off a second boundary runs on to the next one). When it returns, every event timed before
   * the cut has gone to the sink and none timed at or after it: cutting at hour boundaries gives
   * each hour its own events. The run covers [startMs, endMs).
   */
  runUntil(untilMs: number): void {
    const stop = Math.min(untilMs, this.endMs);
    const arrivals = this.#arrivals;
    while (this.#secondMs < stop) {
      const from = this.#secondMs;
      const to = Math.min(from + 1000, this.endMs);
      const n = this.#traffic.arrivalsInSecond(from, arrivals);
      for (let i = 0; i < n; i++) {
        const t = arrivals[i] as number;
        if (t >= to) break;
        this.#runActionsBefore(t);
        this.#clock.set(t);
        this.pipeline.submit(this.#traffic.nextSignal());
      }
      this.#runActionsBefore(to);
      this.#secondMs = to;
      if (to >= this.#nextProgressMs || to >= this.endMs) this.#progress(to);
    }
    // Everything timed before the cut is out now; nothing at or after it (that is the next chunk's).
    this.pipeline.advanceBefore(Math.min(this.#secondMs, this.endMs));
  }

  /** What the run did so far. */
  summary(): SimulationSummary {
    const c = this.pipeline.counters;
    const status = this.pipeline.status();
    return {
      scenario: this.#options.scenario.name,
      seed: this.#options.seed,
      startMs: this.startMs,
      endMs: this.endMs,
      signals: c.submitted,
      accepted: c.accepted,
      rejected: c.rejected,
      completed: c.completed,
      failed: c.failed,
      requeued: c.requeued,
      events: c.events,
      incidents: this.incidents,
      skipped: [...this.#skipped],
      faults: status.faults,
      mttdMs: status.mttdMs,
    };
  }

  #progress(atMs: number): void {
    const every = this.#options.progressEveryMs ?? HOUR_MS;
    while (this.#nextProgressMs <= atMs) this.#nextProgressMs += every;
    const total = this.endMs - this.startMs;
    const c = this.pipeline.counters;
    this.#options.onProgress?.({
      simulatedMs: atMs - this.startMs,
      totalMs: total,
      fraction: (atMs - this.startMs) / total,
      signals: c.submitted,
      events: c.events,
    });
  }

  /** Runs the incident switches due before `tMs`, each at its own time. */
  #runActionsBefore(tMs: number): void {
    for (let a = this.#actions[this.#nextAction]; a !== undefined && a.atMs < tMs; a = this.#actions[this.#nextAction]) {
      this.#nextAction += 1;
      this.#clock.set(Math.max(this.#clock.now(), a.atMs));
      a.run();
    }
  }

  /** Each incident as a switch-on action and, unless it ends by itself, a switch-off action. */
  #incidentActions(): Action[] {
    const actions: Action[] = [];
    for (const incident of this.incidents) {
      const spec = chaosOf(incident);
      let id: string | undefined;
      actions.push({
        atMs: incident.startMs,
        run: () => {
          const r = this.pipeline.injectChaos(spec);
          if (r.ok) id = r.id;
          else this.#skipped.push({ incident: incident.label, reason: r.reason });
        },
      });
      if (spec.kind !== 'worker-crash') {
        actions.push({ atMs: incident.endMs, run: () => void (id !== undefined && this.pipeline.clearChaos(id)) });
      }
    }
    // Stable sort: at equal times a switch-off written earlier runs before a later switch-on.
    return actions.sort((a, b) => a.atMs - b.atMs);
  }
}

function chaosOf(i: ResolvedIncident): ChaosSpec {
  switch (i.kind) {
    case 'downstream-outage':
      return { kind: 'downstream-down' };
    case 'added-latency':
      return { kind: 'added-latency', latencyMs: i.latencyMs ?? 0 };
    case 'worker-crash':
      return { kind: 'worker-crash', restartAfterMs: i.durationMs, ...(i.worker !== undefined && { worker: i.worker }) };
    case 'traffic-spike':
      return { kind: 'traffic-spike', multiplier: i.multiplier ?? 1 };
    case 'queue-stall':
      return { kind: 'queue-stall' };
  }
}

/** Builds a run; drive it with `runUntil`. */
export function createSimulation(options: SimulateOptions): Simulation {
  return new Simulation(options);
}

/** Runs a whole scenario synchronously and returns what it did. Same seed, same events. */
export function simulate(options: SimulateOptions): SimulationSummary {
  const sim = new Simulation(options);
  sim.runUntil(sim.endMs);
  return sim.summary();
}
