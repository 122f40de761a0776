// Heijunka: the worker pool in fast and slow lanes, per-worker load, levelling and crash recovery.

import { Deque } from './deque.js';
import type { Lane } from './signal.js';

/** One worker: at most one task in progress and a small local buffer of pulled work. */
export interface Worker<T> {
  readonly name: string;
  readonly lane: Lane;
  alive: boolean;
  current: T | undefined;
  readonly local: Deque<T>;
  /** When the current task started, for utilisation. */
  busySinceMs: number;
  /** Busy time and tasks started since the last load sample. */
  busyMsInInterval: number;
  startedInInterval: number;
  startedTotal: number;
}

/** How the pool is built. */
export interface WorkerPoolOptions {
  /** Workers in all; the first `count - slowLane` serve the fast lane. */
  readonly count: number;
  readonly slowLane: number;
  /** How many tasks a busy worker may hold in its local buffer. */
  readonly prefetch: number;
}

/** What one rebalance did in one lane. */
export interface RebalanceResult {
  readonly lane: Lane;
  readonly moved: number;
  readonly imbalanceBefore: number;
  readonly imbalanceAfter: number;
  readonly balanceBefore: number;
  readonly balanceAfter: number;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

/** Population standard deviation. */
export function stddev(values: readonly number[]): number {
  const m = mean(values);
  let sq = 0;
  for (const v of values) sq += (v - m) * (v - m);
  return values.length === 0 ? 0 : Math.sqrt(sq / values.length);
}

/** Imbalance = (max − min) / mean (the seed's Heijunka levelling measure); 0 when there is no load. */
export function imbalance(loads: readonly number[]): number {
  const m = mean(loads);
  return m === 0 ? 0 : (Math.max(...loads) - Math.min(...loads)) / m;
}

/** Load balance coefficient = 1 − stddev / mean (heijunka_load_balance_coeff); 1 when there is no load. */
export function loadBalanceCoefficient(loads: readonly number[]): number {
  const m = mean(loads);
  return m === 0 ? 1 : 1 - stddev(loads) / m;
}

/** A worker's load: its task in progress plus its local buffer. */
export function loadOf<T>(worker: Worker<T>): number {
  return (worker.current === undefined ? 0 : 1) + worker.local.length;
}

/**
 * The workers, by lane. The pool decides who pulls next; the pipeline moves the work. Idle workers
 * pull first (round robin); busy workers prefetch into their local buffer only when no worker of the
 * lane is idle. A slow-lane worker helps the fast lane only when it is idle, so quick work never
 * waits behind slow work, and fast workers take slow work only when no slow worker is alive.
 */
export class WorkerPool<T> {
  readonly workers: readonly Worker<T>[];
  readonly prefetch: number;
  readonly #cursor = { fast: 0, slow: 0 };
  readonly #lanes: Readonly<Record<Lane, readonly Worker<T>[]>>;

  constructor(options: WorkerPoolOptions) {
    const fast = options.count - options.slowLane;
    this.prefetch = options.prefetch;
    this.workers = Array.from({ length: options.count }, (_, i) => ({
      name: `worker-${i + 1}`,
      lane: i < fast ? 'fast' : 'slow',
      alive: true,
      current: undefined,
      local: new Deque<T>(),
      busySinceMs: 0,
      busyMsInInterval: 0,
      startedInInterval: 0,
      startedTotal: 0,
    }));
    this.#lanes = {
      fast: this.workers.filter((w) => w.lane === 'fast'),
      slow: this.workers.filter((w) => w.lane === 'slow'),
    };
  }

  /** The worker called `name`. */
  byName(name: string): Worker<T> | undefined {
    return this.workers.find((w) => w.name === name);
  }

  /** Live workers of a lane. */
  laneWorkers(lane: Lane): Worker<T>[] {
    return this.#lanes[lane].filter((w) => w.alive);
  }

  get aliveCount(): number {
    return this.workers.filter((w) => w.alive).length;
  }

  /** The worker that should pull the next item of `lane`, or undefined when none has room. */
  pullerFor(lane: Lane): Worker<T> | undefined {
    const { fast, slow } = this.#lanes;
    if (lane === 'fast') return this.#pick(fast, idle) ?? this.#pick(slow, idle) ?? this.#pick(fast, this.#hasRoom);
    if (!slow.some((w) => w.alive)) return this.#pick(fast, idle) ?? this.#pick(fast, this.#hasRoom);
    return this.#pick(slow, idle) ?? this.#pick(slow, this.#hasRoom);
  }

  /** Marks a worker busy with `task` from `nowMs`. */
  begin(worker: Worker<T>, task: T, nowMs: number): void {
    worker.current = task;
    worker.busySinceMs = nowMs;
    worker.startedInInterval += 1;
    worker.startedTotal += 1;
  }

  /** Marks a worker idle at `nowMs`, adding its busy time. */
  end(worker: Worker<T>, nowMs: number): void {
    worker.busyMsInInterval += nowMs - worker.busySinceMs;
    worker.current = undefined;
  }

  /**
   * A worker crashes: it stops, and its task in progress and its local buffer are handed back
   * (task in progress first) so the caller can requeue them. Nothing is dropped.
   */
  crash(worker: Worker<T>, nowMs: number): T[] {
    const orphans: T[] = [];
    if (worker.current !== undefined) {
      orphans.push(worker.current);
      this.end(worker, nowMs);
    }
    for (let t = worker.local.shift(); t !== undefined; t = worker.local.shift()) orphans.push(t);
    worker.alive = false;
    return orphans;
  }

  /** Brings a crashed worker back. */
  restart(worker: Worker<T>, nowMs: number): void {
    worker.alive = true;
    worker.busySinceMs = nowMs;
  }

  /**
   * Levels one lane: while the gap between the busiest and the least busy live worker is more than
   * one task, moves the newest buffered task from the busiest to the least busy.
   */
  rebalance(lane: Lane): RebalanceResult {
    const workers = this.laneWorkers(lane);
    const before = workers.map(loadOf);
    let moved = 0;
    for (;;) {
      let max = workers[0];
      let min = workers[0];
      for (const w of workers) {
        if (loadOf(w) > loadOf(max as Worker<T>)) max = w;
        if (loadOf(w) < loadOf(min as Worker<T>)) min = w;
      }
      if (max === undefined || min === undefined || loadOf(max) - loadOf(min) <= 1 || max.local.length === 0) break;
      min.local.push(max.local.pop() as T);
      moved += 1;
    }
    const after = workers.map(loadOf);
    return {
      lane,
      moved,
      imbalanceBefore: imbalance(before),
      imbalanceAfter: imbalance(after),
      balanceBefore: loadBalanceCoefficient(before),
      balanceAfter: loadBalanceCoefficient(after),
    };
  }

  /** Utilisation of a worker since `intervalStartMs`: busy time / elapsed, in 0..1. */
  utilisation(worker: Worker<T>, intervalStartMs: number, nowMs: number): number {
    const elapsed = nowMs - intervalStartMs;
    if (elapsed <= 0) return 0;
    const running = worker.current === undefined ? 0 : nowMs - Math.max(worker.busySinceMs, intervalStartMs);
    return Math.min(1, (worker.busyMsInInterval + running) / elapsed);
  }

  /** Starts a new sampling interval for every worker. */
  resetInterval(nowMs: number): void {
    for (const w of this.workers) {
      w.busyMsInInterval = 0;
      w.startedInInterval = 0;
      if (w.current !== undefined) w.busySinceMs = Math.max(w.busySinceMs, nowMs);
    }
  }

  #hasRoom = (w: Worker<T>): boolean => w.alive && w.local.length < this.prefetch;

  #pick(candidates: readonly Worker<T>[], test: (w: Worker<T>) => boolean): Worker<T> | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const lane = (candidates[0] as Worker<T>).lane;
    const start = this.#cursor[lane] % n;
    for (let k = 0; k < n; k++) {
      const w = candidates[(start + k) % n] as Worker<T>;
      if (test(w)) {
        this.#cursor[lane] = (start + k + 1) % n;
        return w;
      }
    }
    return undefined;
  }
}

const idle = <T>(w: Worker<T>): boolean => w.alive && w.current === undefined && w.local.length === 0;
