// Trends of a metric over time: OLS and Theil–Sen slopes and the Mann–Kendall test, on time
// (not sample index), with a verdict that knows whether up is good or bad for the metric.

import { errorFunction, linearRegression, mean, median } from 'simple-statistics';
import { quantile } from '../evidence/histogram.js';
import type { Facts } from './facts.js';

export type Verdict = 'IMPROVING' | 'DEGRADING' | 'STABLE';

/** A metric the analyzer can follow over time, computed from one hour's facts. */
export interface MetricDefinition {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Whether a rising value is good news. */
  readonly higherIsBetter: boolean;
  /** The metric's value for an hour, or undefined when the hour has none. */
  readonly ofHour: (f: Facts) => number | undefined;
}

const count = (f: Facts, c: string): number => f.counts.get(c) ?? 0;

export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'latency_p99_ms',
    unit: 'ms',
    description: '99th percentile of task.completed latency per hour',
    higherIsBetter: false,
    ofHour: (f) => quantile(f.latency, 0.99),
  },
  {
    name: 'latency_p50_ms',
    unit: 'ms',
    description: 'median task.completed latency per hour',
    higherIsBetter: false,
    ofHour: (f) => quantile(f.latency, 0.5),
  },
  {
    name: 'throughput_per_min',
    unit: '/min',
    description: 'task.completed per minute, per hour',
    higherIsBetter: true,
    ofHour: (f) => count(f, 'TaskCompleted') / 60,
  },
  {
    name: 'error_ratio_pct',
    unit: '%',
    description: 'task.failed and signal.rejected as a share of all task outcomes and rejections, per hour',
    higherIsBetter: false,
    ofHour: (f) => {
      const bad = count(f, 'TaskFailed') + count(f, 'SignalRejected');
      const all = bad + count(f, 'TaskCompleted');
      return all === 0 ? undefined : (bad / all) * 100;
    },
  },
  {
    name: 'failure_rate_per_min',
    unit: '/min',
    description: 'task.failed per minute, per hour',
    higherIsBetter: false,
    ofHour: (f) => count(f, 'TaskFailed') / 60,
  },
  {
    name: 'circuit_open_pct',
    unit: '%',
    description: 'share of the hour the most-open circuit was open',
    higherIsBetter: false,
    ofHour: (f) => (Math.max(0, ...f.circuitOpenSeconds.values()) / 3600) * 100,
  },
  {
    name: 'alerts_per_hour',
    unit: '/h',
    description: 'alert.fired per hour',
    higherIsBetter: false,
    ofHour: (f) => count(f, 'AlertFired'),
  },
  {
    name: 'queue_depth_mean',
    unit: 'tasks',
    description: 'mean of the queue.depth samples of the hour',
    higherIsBetter: false,
    ofHour: (f) => {
      const s = f.values.get('QueueDepthSampled');
      return s === undefined || s.count === 0 ? undefined : s.sum / s.count;
    },
  },
  {
    name: 'load_balance_coeff',
    unit: '',
    description: '1 − stddev/mean of task outcomes per worker in the hour',
    higherIsBetter: true,
    ofHour: (f) => {
      const loads = [...f.workerTasks.values()];
      if (loads.length === 0) return undefined;
      const m = mean(loads);
      if (m === 0) return undefined;
      return 1 - Math.sqrt(loads.reduce((a, x) => a + (x - m) ** 2, 0) / loads.length) / m;
    },
  },
];

export function metricByName(name: string): MetricDefinition | undefined {
  return METRICS.find((m) => m.name === name);
}

export interface Point {
  readonly tMs: number;
  readonly value: number;
}

export interface TrendResult {
  readonly points: number;
  readonly mean: number | null;
  readonly olsSlopePerDay: number | null;
  readonly theilSenSlopePerDay: number | null;
  /** Theil–Sen slope per day as a percentage of the mean. */
  readonly slopePerDayPct: number | null;
  readonly mannKendallS: number;
  readonly mannKendallZ: number;
  readonly pValue: number | null;
  readonly verdict: Verdict;
  readonly reason: string;
}

const DAY_MS = 86_400_000;

/** Standard normal CDF through the error function: Φ(z) = ½(1 + erf(z/√2)). */
function phi(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/**
 * The Mann–Kendall trend test (Mann 1945; Kendall 1975) with the tie-corrected variance and
 * the continuity correction; two-sided p-value from the normal approximation.
 */
export function mannKendall(values: readonly number[]): { s: number; z: number; p: number } {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(values[j]! - values[i]!);
  const ties = new Map<number, number>();
  for (const v of values) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return { s, z: 0, p: 1 };
  const z = s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  return { s, z, p: Math.min(1, 2 * (1 - phi(Math.abs(z)))) };
}

/** Theil–Sen estimator: the median of the slopes between every pair of points (per ms). */
export function theilSen(points: readonly Point[]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.tMs - points[i]!.tMs;
      if (dt !== 0) slopes.push((points[j]!.value - points[i]!.value) / dt);
    }
  }
  return slopes.length === 0 ? null : median(slopes);
}

/** The trend of a series at significance level `alpha` (default 0.05). */
export function trendOf(points: readonly Point[], higherIsBetter: boolean, alpha = 0.05): TrendResult {
  const sorted = [...points].sort((a, b) => a.tMs - b.tMs);
  const n = sorted.length;
  if (n < 3) {
    return {
      points: n,
      mean: n === 0 ? null : mean(sorted.map((p) => p.value)),
      olsSlopePerDay: null,
      theilSenSlopePerDay: null,
      slopePerDayPct: null,
      mannKendallS: 0,
      mannKendallZ: 0,
      pValue: null,
      verdict: 'STABLE',
      reason: `not enough points for a trend (${n}; at least 3 needed)`,
    };
  }
  const values = sorted.map((p) => p.value);
  const m = mean(values);
  const t0 = sorted[0]!.tMs;
  const ols = linearRegression(sorted.map((p) => [(p.tMs - t0) / DAY_MS, p.value]));
  const ts = theilSen(sorted);
  const tsPerDay = ts === null ? null : ts * DAY_MS;
  const mk = mannKendall(values);
  const direction = tsPerDay !== null && tsPerDay !== 0 ? Math.sign(tsPerDay) : Math.sign(mk.s);
  const significant = mk.p < alpha && direction !== 0;
  const good = direction > 0 === higherIsBetter;
  const verdict: Verdict = !significant ? 'STABLE' : good ? 'IMPROVING' : 'DEGRADING';
  return {
    points: n,
    mean: m,
    olsSlopePerDay: ols.m,
    theilSenSlopePerDay: tsPerDay,
    slopePerDayPct: tsPerDay === null || m === 0 ? null : (tsPerDay / Math.abs(m)) * 100,
    mannKendallS: mk.s,
    mannKendallZ: mk.z,
    pValue: mk.p,
    verdict,
    reason: significant
      ? `Mann–Kendall p = ${mk.p.toPrecision(2)} < ${alpha}: the series ${direction > 0 ? 'rises' : 'falls'}, which is ${good ? 'good' : 'bad'} for this metric`
      : `Mann–Kendall p = ${mk.p.toPrecision(2)} >= ${alpha}: no significant trend`,
  };
}

/** The hourly series of a metric over a window's hours. */
export function seriesOf(hours: ReadonlyMap<string, Facts>, metric: MetricDefinition): Point[] {
  const out: Point[] = [];
  for (const [hour, f] of hours) {
    const v = metric.ofHour(f);
    if (v !== undefined && Number.isFinite(v)) out.push({ tMs: Date.parse(`${hour}:30:00Z`), value: v });
  }
  return out;
}
