// The facts of a window, folded from the rows of the rollup queries: per hour and in total.
// Pure: rows in, facts out.

import { type Histogram, mergeHistograms, parseHistogram } from '../evidence/histogram.js';
import type { TimeRange } from '../evidence/time.js';

/** One row of hourly-stats.rq, with the event class as its local name. */
export interface HourStatsRow {
  readonly hour: string;
  readonly className: string;
  readonly component: string;
  readonly worker?: string;
  readonly count: number;
  /** How many of the receipts carry a value (the count of sum, min and max). */
  readonly values?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

/** One row of latency-histogram.rq. */
export interface HistogramRowIn {
  readonly hour: string;
  readonly className: string;
  readonly component: string;
  readonly histogram: string;
}

/** One row of circuit-open-seconds.rq. */
export interface CircuitRowIn {
  readonly hour: string;
  readonly component: string;
  readonly openSeconds: number;
}

/** One row of alert-episodes.rq. */
export interface EpisodeRowIn {
  readonly alert: string;
  readonly component: string;
  readonly severity?: string;
  readonly startMs: number;
  readonly endMs?: number;
}

export interface Stat {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** What happened in one hour (or in a whole window: the same shape, summed). */
export interface Facts {
  /** Receipts per event class local name (TaskCompleted, …). */
  readonly counts: Map<string, number>;
  /** Values per event class (count, sum, min, max of `value`). */
  readonly values: Map<string, Stat>;
  /** Task outcomes (completed + failed) per worker. */
  readonly workerTasks: Map<string, number>;
  /** worker.load samples per worker. */
  readonly workerLoad: Map<string, Stat>;
  /** Receipts per component. */
  readonly components: Map<string, number>;
  /** Task outcomes and rejections per component. */
  readonly componentOutcomes: Map<string, { completed: number; failed: number; rejected: number }>;
  /** Latency histogram of task.completed. */
  readonly latency: Histogram;
  /** Latency histogram of task.completed per component. */
  readonly latencyByComponent: Map<string, Histogram>;
  /** Seconds each component's circuit was open. */
  readonly circuitOpenSeconds: Map<string, number>;
}

export interface WindowFacts {
  readonly window: TimeRange;
  /** Hours of the window that have a rollup, in order, each with its facts. */
  readonly hours: ReadonlyMap<string, Facts>;
  readonly total: Facts;
  /** Alert episodes that touch the window, one per (alert, component, start). */
  readonly episodes: readonly EpisodeRowIn[];
}

export function emptyFacts(): Facts {
  return {
    counts: new Map(),
    values: new Map(),
    workerTasks: new Map(),
    workerLoad: new Map(),
    components: new Map(),
    componentOutcomes: new Map(),
    latency: new Map(),
    latencyByComponent: new Map(),
    circuitOpenSeconds: new Map(),
  };
}

const bump = (m: Map<string, number>, k: string, n: number): void => {
  m.set(k, (m.get(k) ?? 0) + n);
};

function addStat(m: Map<string, Stat>, k: string, count: number, sum: number, min: number, max: number): void {
  const s = m.get(k);
  if (s === undefined) m.set(k, { count, sum, min, max });
  else {
    s.count += count;
    s.sum += sum;
    s.min = Math.min(s.min, min);
    s.max = Math.max(s.max, max);
  }
}

const OUTCOME_FIELD: Record<string, 'completed' | 'failed' | 'rejected'> = {
  TaskCompleted: 'completed',
  TaskFailed: 'failed',
  SignalRejected: 'rejected',
};

function addStatsRow(f: Facts, r: HourStatsRow): void {
  bump(f.counts, r.className, r.count);
  bump(f.components, r.component, r.count);
  const outcome = OUTCOME_FIELD[r.className];
  if (outcome !== undefined) {
    let o = f.componentOutcomes.get(r.component);
    if (o === undefined) f.componentOutcomes.set(r.component, (o = { completed: 0, failed: 0, rejected: 0 }));
    o[outcome] += r.count;
  }
  if (r.sum !== undefined && r.min !== undefined && r.max !== undefined) {
    const n = r.values ?? r.count;
    addStat(f.values, r.className, n, r.sum, r.min, r.max);
    if (r.className === 'WorkerLoadSampled' && r.worker !== undefined) addStat(f.workerLoad, r.worker, n, r.sum, r.min, r.max);
  }
  if ((r.className === 'TaskCompleted' || r.className === 'TaskFailed') && r.worker !== undefined) bump(f.workerTasks, r.worker, r.count);
}

function addHistogram(f: Facts, r: HistogramRowIn): void {
  if (r.className !== 'TaskCompleted') return;
  const h = parseHistogram(r.histogram);
  mergeHistograms(f.latency, h);
  const c = f.latencyByComponent.get(r.component);
  if (c === undefined) f.latencyByComponent.set(r.component, mergeHistograms(new Map(), h));
  else mergeHistograms(c, h);
}

/** Folds the rollup query rows of a window into per-hour and whole-window facts. */
export function foldFacts(
  window: TimeRange,
  rows: {
    stats: readonly HourStatsRow[];
    histograms: readonly HistogramRowIn[];
    circuits: readonly CircuitRowIn[];
    episodes: readonly EpisodeRowIn[];
  },
): WindowFacts {
  const hours = new Map<string, Facts>();
  const total = emptyFacts();
  const hourOf = (hour: string): Facts => {
    let f = hours.get(hour);
    if (f === undefined) hours.set(hour, (f = emptyFacts()));
    return f;
  };
  for (const r of rows.stats) {
    addStatsRow(hourOf(r.hour), r);
    addStatsRow(total, r);
  }
  for (const r of rows.histograms) {
    addHistogram(hourOf(r.hour), r);
    addHistogram(total, r);
  }
  for (const r of rows.circuits) {
    bump(hourOf(r.hour).circuitOpenSeconds, r.component, r.openSeconds);
    bump(total.circuitOpenSeconds, r.component, r.openSeconds);
  }
  // An episode that spans hours is listed by each hour it touches; keep the one with an end.
  const episodes = new Map<string, EpisodeRowIn>();
  for (const e of rows.episodes) {
    const key = `${e.alert}\u0000${e.component}\u0000${e.startMs}`;
    const seen = episodes.get(key);
    if (seen === undefined || (seen.endMs === undefined && e.endMs !== undefined)) episodes.set(key, e);
  }
  const sorted = new Map([...hours].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    window,
    hours: sorted,
    total,
    episodes: [...episodes.values()].sort((a, b) => a.startMs - b.startMs),
  };
}
