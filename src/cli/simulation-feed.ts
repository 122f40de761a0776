// Feeds kaizen run's journal the simulation's events a slice of simulated time at a time: from a
// worker thread beside the journal when the built worker script is there, else from this thread,
// between turns of the event loop.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, type ErrorCode, KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { HOUR_MS, type TimeRange } from '../evidence/time.js';
import type { PipelineConfig } from '../pipeline/config.js';
import type { Scenario } from '../pipeline/scenario.js';
import { createSimulation, type Simulation, type SimulationSummary } from '../pipeline/simulate.js';

/** Simulated time per slice. */
export const SLICE_MS = 5 * 60_000;

/** How many slices the simulation may run ahead of the journal: their events wait in memory. */
export const MAX_SLICES_AHEAD = 4;

/** What to simulate (all of it plain data, so that it can be handed to a worker). */
export interface FeedOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly startMs: number;
  readonly durationMs?: number;
  readonly rate?: number;
  readonly config: PipelineConfig;
}

/** A slice of simulated time: its events in time order and, when it ends an hour, that hour. */
export interface Slice {
  readonly events: KaizenEvent[];
  readonly ends?: { readonly range: TimeRange; readonly summary: SimulationSummary };
}

/** Cuts a simulation into slices, each with the events timed in it (Simulation.runUntil). */
export class Slicer {
  readonly #sim: Simulation;
  #buffer: KaizenEvent[] = [];
  #cut: number;

  constructor(o: FeedOptions, onEvent?: (e: KaizenEvent) => void) {
    this.#sim = createSimulation({
      ...o,
      sink: (e) => {
        this.#buffer.push(e);
        onEvent?.(e);
      },
    });
    this.#cut = this.#sim.startMs;
  }

  /** The next slice, or undefined once the run is over. */
  next(): Slice | undefined {
    const sim = this.#sim;
    if (this.#cut >= sim.endMs) return undefined;
    const to = Math.min(this.#cut + SLICE_MS, sim.endMs);
    this.#cut = to;
    sim.runUntil(to);
    const events = this.#buffer.sort((a, b) => a.timeMs - b.timeMs);
    this.#buffer = [];
    if ((to - sim.startMs) % HOUR_MS !== 0 && to !== sim.endMs) return { events };
    const fromMs = sim.startMs + Math.floor((to - 1 - sim.startMs) / HOUR_MS) * HOUR_MS;
    return { events, ends: { range: { fromMs, toMs: fromMs + HOUR_MS }, summary: sim.summary() } };
  }

  summary(): SimulationSummary {
    return this.#sim.summary();
  }
}

/** Slices handed from the simulation to the journal, in order; each side waits for the other. */
export class SliceQueue {
  readonly #slices: Slice[] = [];
  #taker: { resolve: (slice: Slice) => void; reject: (error: unknown) => void } | undefined;
  #room: (() => void) | undefined;
  #failure: { error: unknown } | undefined;
  #closed = false;
  /** Called each time the journal takes a slice, and once when it stops. */
  onTake: () => void = () => undefined;
  onClose: () => void = () => undefined;

  put(slice: Slice): void {
    const taker = this.#taker;
    this.#taker = undefined;
    if (taker !== undefined) {
      taker.resolve(slice);
      this.onTake();
    } else this.#slices.push(slice);
  }

  take(): Promise<Slice> {
    const slice = this.#slices.shift();
    if (this.#room !== undefined && this.#slices.length < MAX_SLICES_AHEAD) {
      this.#room();
      this.#room = undefined;
    }
    if (slice !== undefined) {
      this.onTake();
      return Promise.resolve(slice);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    return new Promise((resolve, reject) => (this.#taker = { resolve, reject }));
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
    this.onClose();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The simulation failed: the journal's next take (once the slices put before are taken) throws `error`. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.#taker?.reject(error);
    this.#taker = undefined;
  }
}

/** Lets I/O callbacks run (a commit's write finishing, its fsync starting) before going on. */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Simulates on this thread, a slice at a time, with a turn of the event loop after each so that
 * the journal's writes and fsyncs go on meanwhile. `onEvent` sees each event as it is emitted.
 */
export async function feedHere(o: FeedOptions, queue: SliceQueue, onEvent?: (e: KaizenEvent) => void): Promise<SimulationSummary> {
  try {
    const slicer = new Slicer(o, onEvent);
    for (let slice = slicer.next(); slice !== undefined; slice = slicer.next()) {
      queue.put(slice);
      if (queue.closed) break;
      await queue.room();
      await yieldToIo();
    }
    return slicer.summary();
  } catch (error) {
    queue.fail(error);
    throw error;
  }
}

/** The worker script, next to this module once built (a TypeScript source has none). */
const WORKER_SCRIPT = new URL('./simulate-worker.js', import.meta.url);

/** True when the simulation can run on a worker thread. */
export function canFeedFromWorker(): boolean {
  return existsSync(fileURLToPath(WORKER_SCRIPT));
}

/** A message from the simulation worker (simulate-worker.ts). */
export type WorkerMessage =
  | { readonly kind: 'slice'; readonly slice: Slice }
  | { readonly kind: 'done'; readonly summary: SimulationSummary }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string; readonly hint?: string };

/** What the worker is given: the run, and how many slices it may send before the journal takes one. */
export interface WorkerInput {
  readonly options: FeedOptions;
  readonly credits: number;
}

/**
 * Simulates on a worker thread (the second core), which sends each slice's events here as it
 * simulates, at most MAX_SLICES_AHEAD slices ahead of the journal: each slice the journal takes
 * gives the worker one more. Journaling (sealing, the commits and their fsyncs) stays on this
 * thread, as with feedHere. The worker is stopped when the journal stops.
 */
export function feedFromWorker(o: FeedOptions, queue: SliceQueue): Promise<SimulationSummary> {
  const input: WorkerInput = { options: o, credits: MAX_SLICES_AHEAD };
  const worker = new Worker(WORKER_SCRIPT, { workerData: input });
  queue.onTake = () => worker.postMessage(1);
  return new Promise<SimulationSummary>((resolve, reject) => {
    let settled = false;
    const stop = (error: unknown): void => {
      if (settled) return;
      settled = true;
      queue.fail(error);
      reject(error);
      void worker.terminate();
    };
    queue.onClose = () => stop(new Error('the journal stopped'));
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'slice') queue.put(m.slice);
      else if (m.kind === 'done') {
        settled = true;
        resolve(m.summary);
        void worker.terminate();
      } else {
        const code = m.code !== undefined && Object.hasOwn(ERROR_CODES, m.code) ? (m.code as ErrorCode) : undefined;
        stop(code !== undefined ? new KaizenError(code, m.message, m.hint === undefined ? {} : { hint: m.hint }) : new Error(m.message));
      }
    });
    worker.on('error', stop);
    worker.on('exit', (exitCode) => stop(new Error(`the simulation worker stopped early (exit code ${exitCode})`)));
  });
}
