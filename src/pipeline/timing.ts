// Kaizen timing: per-stage durations of a signal and latency percentiles over a sliding window.

/** How long each stage of one signal took, in ms. Their sum is the signal's latency. */
export interface StageTimings {
  /** Validation and id assignment. */
  readonly receiveMs: number;
  /** The Jidoka gate and the offer to the queue. */
  readonly enqueueMs: number;
  /** Waiting in the Kanban queue and a worker's local buffer. */
  readonly queueWaitMs: number;
  /** The downstream call. */
  readonly processMs: number;
  /** Inspecting the result (Jidoka: stop on a defect). */
  readonly jidokaCheckMs: number;
  /** Recording the outcome. */
  readonly recordMs: number;
}

/** Rounds a duration to the microsecond, so receipts do not carry float noise. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * The stage timings as receipt attributes (`stage_queue_wait_ms`, …), added to `into` in sorted
 * key order (the order a receipt writes them in).
 */
export function stageAttributes(t: StageTimings, into: Record<string, string | number> = {}): Record<string, string | number> {
  into['stage_enqueue_ms'] = roundMs(t.enqueueMs);
  into['stage_jidoka_check_ms'] = roundMs(t.jidokaCheckMs);
  into['stage_process_ms'] = roundMs(t.processMs);
  into['stage_queue_wait_ms'] = roundMs(t.queueWaitMs);
  into['stage_receive_ms'] = roundMs(t.receiveMs);
  into['stage_record_ms'] = roundMs(t.recordMs);
  return into;
}

/**
 * The p-quantile (0..1) of sorted values by linear interpolation between closest ranks
 * (Hyndman & Fan type 7, the default of R and NumPy). Interpolating keeps a lone outlier in a
 * small window from becoming the p99 on its own. NaN for no values.
 */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, n - 1)] as number;
  return a + (h - lo) * (b - a);
}

/** Latency percentiles over the window, in ms (NaN when the window is empty). */
export interface Percentiles {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Outcome counts over the window. */
export interface WindowOutcomes {
  readonly completed: number;
  readonly failed: number;
  /** failed / (completed + failed); 0 for an empty window. */
  readonly errorRate: number;
}

/**
 * Task outcomes of the last `windowMs`, in a ring of at most `maxSamples` (the oldest drop first
 * when a burst overfills it). Percentiles are over completed tasks' latencies.
 */
export class LatencyWindow {
  readonly windowMs: number;
  readonly #times: Float64Array;
  readonly #latencies: Float64Array;
  readonly #failed: Uint8Array;
  readonly #scratch: Float64Array;
  #head = 0;
  #length = 0;
  #failures = 0;
  #cache: { atMs: number; version: number; value: Percentiles } | undefined;
  #version = 0;

  constructor(windowMs: number, maxSamples: number) {
    this.windowMs = windowMs;
    this.#times = new Float64Array(maxSamples);
    this.#latencies = new Float64Array(maxSamples);
    this.#failed = new Uint8Array(maxSamples);
    this.#scratch = new Float64Array(maxSamples);
  }

  /** Adds one outcome. */
  add(atMs: number, latencyMs: number, failed: boolean): void {
    const cap = this.#times.length;
    if (this.#length === cap) this.#dropOldest();
    const i = (this.#head + this.#length) % cap;
    this.#times[i] = atMs;
    this.#latencies[i] = latencyMs;
    this.#failed[i] = failed ? 1 : 0;
    if (failed) this.#failures += 1;
    this.#length += 1;
    this.#version += 1;
  }

  /** Completed, failed and the error rate in the window ending at `nowMs`. */
  outcomes(nowMs: number): WindowOutcomes {
    this.#evict(nowMs);
    const completed = this.#length - this.#failures;
    return { completed, failed: this.#failures, errorRate: this.#length === 0 ? 0 : this.#failures / this.#length };
  }

  /** p50/p90/p95/p99 of completed latencies in the window ending at `nowMs`. */
  percentiles(nowMs: number): Percentiles {
    this.#evict(nowMs);
    const cached = this.#cache;
    if (cached !== undefined && cached.atMs === nowMs && cached.version === this.#version) return cached.value;
    const cap = this.#times.length;
    let n = 0;
    for (let k = 0; k < this.#length; k++) {
      const i = (this.#head + k) % cap;
      if (this.#failed[i] === 0) this.#scratch[n++] = this.#latencies[i] as number;
    }
    const sorted = this.#scratch.subarray(0, n).sort();
    const value: Percentiles = {
      samples: n,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
    };
    this.#cache = { atMs: nowMs, version: this.#version, value };
    return value;
  }

  #evict(nowMs: number): void {
    const from = nowMs - this.windowMs;
    while (this.#length > 0 && (this.#times[this.#head] as number) <= from) {
      this.#dropOldest();
      this.#version += 1;
    }
  }

  #dropOldest(): void {
    if (this.#failed[this.#head] === 1) this.#failures -= 1;
    this.#head = (this.#head + 1) % this.#times.length;
    this.#length -= 1;
  }
}
