// GET /health-score from a cache: the four-pillar analysis of a window of rollups is computed once
// and kept until an hour is rolled up or it is older than its time to live; a stale answer is
// served while a fresh one is computed in the background (stale-while-revalidate).

import type { HealthReport } from '../analysis/health.js';
import type { SloResult } from '../analysis/slo.js';
import type { SloSpec } from '../analysis/slo-spec.js';
import type { EvidenceStore } from '../evidence/store.js';
import { analyzeWindow, trailingWindow } from '../query/analyze.js';
import type { StoreGate } from './store-gate.js';

/** The windows /health-score offers (each is cached on its own). */
export const HEALTH_WINDOWS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type HealthWindow = (typeof HEALTH_WINDOWS)[number];

/** One computed answer and how it came about. */
export interface HealthScoreEntry {
  readonly window: HealthWindow;
  readonly fromMs: number;
  readonly toMs: number;
  readonly health: HealthReport;
  /** The SLOs evaluated over the same window (for /metrics). */
  readonly slos: readonly SloResult[];
  /** Hours of the window that had a rollup. */
  readonly hours: number;
  readonly computedMs: number;
  /** The generation of the rollups it saw; a newer rollup makes it stale. */
  readonly generation: number;
  /** The serialised body minus the freshness fields, built once per computation. */
  readonly json: string;
}

export interface HealthScoreOptions {
  readonly store: EvidenceStore;
  readonly gate: StoreGate;
  readonly now: () => number;
  /** The SLOs evaluated with each window. */
  readonly slos?: readonly SloSpec[];
  /** How long an answer is served without recomputing (default 30 s). */
  readonly ttlMs?: number;
}

/**
 * The window ending at the end of the current hour, as `kaizen health --window` reads it; only
 * closed hours have rollups, so the current hour is not in the score yet.
 */
export function healthWindowRange(window: HealthWindow, nowMs: number): { fromMs: number; toMs: number } {
  return trailingWindow(window, nowMs, 'window');
}

/** The cache of health scores per window. */
export class HealthScoreCache {
  readonly ttlMs: number;
  readonly #o: HealthScoreOptions;
  readonly #entries = new Map<HealthWindow, HealthScoreEntry>();
  readonly #computing = new Map<HealthWindow, Promise<HealthScoreEntry>>();
  #generation = 0;

  constructor(options: HealthScoreOptions) {
    this.#o = options;
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  /** The last entry of a window, fresh or not, without computing. */
  peek(window: HealthWindow): HealthScoreEntry | undefined {
    return this.#entries.get(window);
  }

  /** Says that new rollups exist: every entry is stale from now on. */
  invalidate(): void {
    this.#generation += 1;
  }

  /**
   * The entry of a window: the cached one when fresh; a stale one at once while a new one is
   * computed; otherwise (first request) the computation itself.
   */
  async get(window: HealthWindow): Promise<{ entry: HealthScoreEntry; fresh: boolean }> {
    const entry = this.#entries.get(window);
    if (entry === undefined) return { entry: await this.#compute(window), fresh: true };
    const now = this.#o.now();
    const stale =
      entry.generation !== this.#generation ||
      now - entry.computedMs >= this.ttlMs ||
      healthWindowRange(window, now).toMs !== entry.toMs;
    if (stale) void this.#compute(window).catch(() => undefined);
    return { entry, fresh: !stale };
  }

  #compute(window: HealthWindow): Promise<HealthScoreEntry> {
    const running = this.#computing.get(window);
    if (running !== undefined) return running;
    const { store, gate, now } = this.#o;
    const generation = this.#generation;
    const work = gate
      .run(async () => {
        const range = healthWindowRange(window, now());
        const { health, facts, slos } = await analyzeWindow(store, range, this.#o.slos ?? []);
        return { range, health, slos, hours: facts.hours.size };
      })
      .then(({ range, health, slos, hours }) => {
        const computedMs = now();
        const { window: _w, ...scores } = health;
        const body = {
          window: { label: `last ${window}`, from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), hours_with_rollups: hours },
          ...scores,
          source: 'rollups of closed hours (the current hour enters when it closes)',
          computed_at: new Date(computedMs).toISOString(),
        };
        const entry: HealthScoreEntry = { window, ...range, health, slos, hours, computedMs, generation, json: JSON.stringify(body) };
        this.#entries.set(window, entry);
        return entry;
      })
      .finally(() => this.#computing.delete(window));
    this.#computing.set(window, work);
    return work;
  }
}
