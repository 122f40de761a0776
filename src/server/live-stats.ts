// What the server counts as events go by: totals per event type and a sliding window of task
// outcomes (mean, max and stage breakdown per second bucket), for /status and /metrics.

import type { KaizenEvent } from '../evidence/event.js';
import { stagesOf } from './signal-log.js';

interface Bucket {
  second: number;
  count: number;
  sumMs: number;
  maxMs: number;
  stages: Record<string, number>;
}

/** Means over a window: latency mean and max of completed tasks, and the mean of each stage, ms. */
export interface OutcomeWindow {
  readonly samples: number;
  readonly avgMs: number | null;
  readonly maxMs: number | null;
  readonly stagesMs: Record<string, number>;
}

/**
 * Totals per event type since the server started, and the completed tasks of the last
 * `windowMs` in one-second buckets (constant work per event, bounded memory).
 */
export class LiveStats {
  readonly windowMs: number;
  readonly byType = new Map<string, number>();
  /** Task outcomes per signal type and outcome (`execute completed`). */
  readonly outcomes = new Map<string, number>();
  readonly #buckets: Bucket[];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
    const n = Math.max(1, Math.ceil(windowMs / 1000));
    this.#buckets = Array.from({ length: n }, () => ({ second: -1, count: 0, sumMs: 0, maxMs: 0, stages: {} }));
  }

  /** Counts one event. */
  observe(event: KaizenEvent): void {
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    if (event.type !== 'task.completed' && event.type !== 'task.failed') return;
    const outcome = event.type === 'task.completed' ? 'completed' : 'failed';
    const key = `${event.component} ${outcome}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    if (outcome === 'failed' || event.value === undefined) return;
    const second = Math.floor(event.timeMs / 1000);
    const b = this.#buckets[second % this.#buckets.length] as Bucket;
    if (b.second !== second) {
      b.second = second;
      b.count = 0;
      b.sumMs = 0;
      b.maxMs = 0;
      b.stages = {};
    }
    b.count += 1;
    b.sumMs += event.value;
    if (event.value > b.maxMs) b.maxMs = event.value;
    for (const [stage, ms] of Object.entries(stagesOf(event.attributes))) b.stages[stage] = (b.stages[stage] ?? 0) + ms;
  }

  /** How many events of a type were seen. */
  count(type: string): number {
    return this.byType.get(type) ?? 0;
  }

  /** The completed tasks of the window ending at `nowMs`. */
  window(nowMs: number): OutcomeWindow {
    const from = Math.floor((nowMs - this.windowMs) / 1000);
    let count = 0;
    let sum = 0;
    let max = 0;
    const stages: Record<string, number> = {};
    for (const b of this.#buckets) {
      if (b.second <= from || b.count === 0) continue;
      count += b.count;
      sum += b.sumMs;
      max = Math.max(max, b.maxMs);
      for (const [stage, ms] of Object.entries(b.stages)) stages[stage] = (stages[stage] ?? 0) + ms;
    }
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    const stagesMs: Record<string, number> = {};
    for (const [stage, total] of Object.entries(stages)) stagesMs[stage] = round(total / count);
    return { samples: count, avgMs: count === 0 ? null : round(sum / count), maxMs: count === 0 ? null : max, stagesMs };
  }
}
