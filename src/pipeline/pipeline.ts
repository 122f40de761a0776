// The pipeline's public face: submit signals, advance time, switch chaos, read the Andon status.

import { type ActiveAlert, type FaultRecord, type Lights, lightsFor } from './andon.js';
import type { ChaosResult, ChaosSpec } from './chaos.js';
import { clearChaos, injectChaos } from './chaos-control.js';
import type { CircuitState, DeadLetter } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import { DEFAULT_CONFIG, type PipelineConfig } from './config.js';
import { type Downstream, simulatedDownstream } from './downstream.js';
import type { EventSink } from './events.js';
import { type IdGenerator, seededIds } from './ids.js';
import { type RecoveryAction, recoverSignal, type SubmitOptions, type SubmitResult, submitSignal, type UnfinishedSignal } from './intake.js';
import { type Counters, Line } from './line.js';
import { deriveSeed, Random } from './random.js';
import { Supervisor } from './supervisor.js';
import type { Percentiles } from './timing.js';
import { loadOf } from './worker-pool.js';

/** What a pipeline is built from. */
export interface PipelineOptions {
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly config?: PipelineConfig;
  /**
   * Seeds the default id generator and random source. A live pipeline must draw it at random
   * (e.g. crypto.randomInt(2 ** 32)): the same seed gives the same signal, trace and event ids.
   */
  readonly seed: number;
  readonly ids?: IdGenerator;
  /** The random source of the downstream's work. */
  readonly random?: Random;
  readonly downstream?: Downstream;
}

/** One worker as the board shows it. */
export interface WorkerStatus {
  readonly name: string;
  readonly lane: 'fast' | 'slow';
  readonly alive: boolean;
  readonly busy: boolean;
  readonly load: number;
  readonly tasksStarted: number;
}

/** A snapshot of the pipeline for /health, /status and the Andon board. */
export interface PipelineStatus {
  readonly timeMs: number;
  readonly circuit: CircuitState;
  readonly queue: { readonly depth: number; readonly capacity: number; readonly saturation: number };
  readonly workers: readonly WorkerStatus[];
  readonly lights: Lights;
  readonly activeAlerts: readonly ActiveAlert[];
  /** Latency percentiles over the timing window (config.timing.windowMs), ms. */
  readonly latency: Percentiles;
  readonly errorRate: number;
  readonly counters: Readonly<Counters>;
  readonly deadLetters: number;
  /** Mean time to detection of the chaos faults detected so far, ms. */
  readonly mttdMs: number | undefined;
  readonly faults: readonly FaultRecord[];
  readonly chaos: readonly { readonly id: string; readonly kind: string; readonly startMs: number }[];
}

/**
 * The signal pipeline. Nothing in it waits or reads the wall clock: time moves only when the
 * owner calls `submit` (at `clock.now()`) or `advance`. In simulation the owner moves a ManualClock;
 * in real time it calls `advance(clock.now())` whenever `nextDueMs()` comes round.
 */
export class Pipeline {
  readonly config: PipelineConfig;
  readonly #clock: Clock;
  readonly #line: Line;
  readonly #supervisor: Supervisor;
  #started = false;

  constructor(options: PipelineOptions) {
    const seed = options.seed;
    this.config = options.config ?? DEFAULT_CONFIG;
    this.#clock = options.clock;
    this.#line = new Line(
      {
        config: this.config,
        clock: options.clock,
        sink: options.sink,
        ids: options.ids ?? seededIds(deriveSeed(seed, 101)),
        rng: options.random ?? new Random(deriveSeed(seed, 102)),
        downstream: options.downstream ?? simulatedDownstream(),
      },
      options.clock.now(),
    );
    this.#supervisor = new Supervisor(this.#line);
  }

  /** Emits the workers' activation and starts the periodic work; done by the first submit if not before. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#supervisor.start();
  }

  /** Takes a signal now: the answer says whether it was queued or why it was refused. */
  submit(input: unknown, options?: SubmitOptions): SubmitResult {
    this.advance();
    return submitSignal(this.#line, input, options);
  }

  /**
   * Takes back, now, the accepted signals a stopped server left without an outcome: each is queued
   * again or abandoned (intake.ts recoverSignal); `deadlineOf` says when each one's time is up.
   */
  recover(unfinished: readonly UnfinishedSignal[], deadlineOf: (u: UnfinishedSignal) => number): RecoveryAction[] {
    this.advance();
    const actions = unfinished.map((u) => recoverSignal(this.#line, u, deadlineOf(u)));
    this.#line.pump();
    return actions;
  }

  /** Runs everything due up to and at `toMs` (default: the clock's now), in time order. */
  advance(toMs: number = this.#clock.now()): void {
    this.#run(toMs, true);
    this.#line.nowMs = Math.max(this.#line.nowMs, toMs);
  }

  /**
   * Runs everything due strictly before `toMs`, so that every event timed before it has been
   * emitted and none at or after it: the cut a caller makes at an hour boundary.
   */
  advanceBefore(toMs: number): void {
    this.#run(toMs, false);
  }

  #run(toMs: number, inclusive: boolean): void {
    this.start();
    const line = this.#line;
    for (let due = line.scheduler.takeDue(toMs, inclusive); due !== undefined; due = line.scheduler.takeDue(toMs, inclusive)) {
      line.nowMs = Math.max(line.nowMs, due.atMs);
      due.action();
    }
  }

  /** When something is next due (a task ending, a timer); a real-time driver wakes up then. */
  nextDueMs(): number | undefined {
    return this.#line.scheduler.nextMs();
  }

  /** Switches a fault on now. */
  injectChaos(spec: ChaosSpec): ChaosResult {
    this.advance();
    return injectChaos(this.#line, spec, () => this.#supervisor.evaluateAndon());
  }

  /** Switches a fault off now; false when no fault with that id is on. */
  clearChaos(id: string): boolean {
    this.advance();
    return clearChaos(this.#line, id, () => this.#supervisor.evaluateAndon());
  }

  /** The refused signals kept (the most recent config.signals.deadLetterMax) and their reasons. */
  deadLetters(): DeadLetter[] {
    return this.#line.deadLetters.list();
  }

  /** Running totals. */
  get counters(): Readonly<Counters> {
    return this.#line.counters;
  }

  /** A snapshot at the pipeline's current time. */
  status(): PipelineStatus {
    const line = this.#line;
    const metrics = this.#supervisor.metrics();
    const activeAlerts = line.andon.active();
    return {
      timeMs: line.nowMs,
      circuit: line.breaker.state,
      queue: { depth: line.queue.size, capacity: line.queue.capacity, saturation: line.queue.size / line.queue.capacity },
      workers: line.pool.workers.map((w) => ({
        name: w.name,
        lane: w.lane,
        alive: w.alive,
        busy: w.current !== undefined,
        load: loadOf(w),
        tasksStarted: w.startedTotal,
      })),
      lights: lightsFor(metrics, activeAlerts, this.config.andon),
      activeAlerts,
      latency: line.timing.percentiles(line.nowMs),
      errorRate: metrics.errorRate,
      counters: { ...line.counters },
      deadLetters: line.deadLetters.total,
      mttdMs: line.andon.mttdMs(),
      faults: line.andon.faults().map((f) => ({ ...f })),
      chaos: line.chaos.list().map((c) => ({ id: c.id, kind: c.spec.kind, startMs: c.startMs })),
    };
  }
}

/** Builds a pipeline; see PipelineOptions. */
export function createPipeline(options: PipelineOptions): Pipeline {
  return new Pipeline(options);
}
