// SLO attainment, error budget and burn rate over a window's hourly facts, with the
// multi-window multi-burn-rate alert state of the SRE workbook. Pure.

import type { Facts, WindowFacts } from './facts.js';
import type { RatioSource, SloSpec } from './slo-spec.js';
import { metricByName } from './trends.js';

export type BudgetStatus = 'healthy' | 'at-risk' | 'exhausted';
export type AlertState = 'page' | 'ticket' | 'ok';

export interface BurnWindow {
  readonly severity: 'page' | 'ticket';
  readonly factor: number;
  readonly longHours: number;
  readonly shortHours: number;
  readonly longBurn: number | null;
  readonly shortBurn: number | null;
  readonly firing: boolean;
}

export type SloResult =
  | { readonly name: string; readonly target: number; readonly status: 'no-data'; readonly reason: string; readonly query: string }
  | {
      readonly name: string;
      readonly displayName: string;
      readonly target: number;
      readonly status: 'met' | 'breached';
      readonly budgetingMethod: 'Occurrences' | 'Timeslices';
      /** good / total, 0–1. */
      readonly attainment: number;
      readonly good: number;
      readonly total: number;
      readonly unit: 'events' | 'seconds' | 'slices';
      readonly errorBudget: {
        readonly total: number;
        readonly consumed: number;
        readonly remaining: number;
        /** Remaining as a share of the budget, 0–1 (negative when overspent). */
        readonly remainingRatio: number;
        readonly totalMinutes: number;
        readonly consumedMinutes: number;
        readonly remainingMinutes: number;
      };
      /** error ratio / (1 − target): 1 spends the budget exactly over the SLO window. */
      readonly burnRate: number;
      readonly budgetStatus: BudgetStatus;
      readonly alert: { readonly state: AlertState; readonly windows: readonly BurnWindow[] };
      readonly query: string;
    };

/** Burn rate = error ratio / (1 − target) (Google SRE workbook, ch. 5 "Alerting on SLOs"). */
export function burnRate(errorRatio: number, target: number): number {
  const r = errorRatio / (1 - target);
  // 1 − 0.99 is 0.010000000000000009 in binary: spending the budget exactly must read as 1.
  return Math.abs(r - 1) < 1e-9 ? 1 : r;
}

function sideOf(source: RatioSource, f: Facts): number {
  if (source.kind === 'events') return source.classNames.reduce((a, c) => a + (f.counts.get(c) ?? 0), 0);
  if (source.which === 'window') return 3600;
  return 3600 - Math.min(3600, Math.max(0, ...f.circuitOpenSeconds.values()));
}

const OPS = {
  lt: (a: number, b: number) => a < b,
  lte: (a: number, b: number) => a <= b,
  gt: (a: number, b: number) => a > b,
  gte: (a: number, b: number) => a >= b,
} as const;

/** good and total of one hour, or undefined when the hour says nothing about the SLO. */
export function hourTally(spec: SloSpec, f: Facts): { good: number; total: number } | undefined {
  const ind = spec.indicator;
  if (ind.kind === 'ratio') {
    const total = sideOf(ind.total, f);
    if (total === 0) return undefined;
    return { good: Math.min(total, sideOf(ind.good, f)), total };
  }
  const v = metricByName(ind.metric)?.ofHour(f);
  if (v === undefined || !Number.isFinite(v)) return undefined;
  return { good: OPS[ind.op](v, ind.value) ? 1 : 0, total: 1 };
}

/**
 * The SRE workbook's multi-window, multi-burn-rate alerts for a 30-day SLO (1h/5m at 14.4,
 * 6h/30m at 6: page; 3d/6h at 1: ticket), scaled to the SLO's window. The rollups are hourly,
 * so each window is rounded up to whole hours (at least one).
 */
export const BURN_ALERTS = [
  { severity: 'page', factor: 14.4, longMs: 3_600_000, shortMs: 300_000 },
  { severity: 'page', factor: 6, longMs: 6 * 3_600_000, shortMs: 1_800_000 },
  { severity: 'ticket', factor: 1, longMs: 3 * 86_400_000, shortMs: 6 * 3_600_000 },
] as const;

/** The burn rate over the last `lastHours` clock hours before the window's end (hours without evidence count as none). */
function burnOver(spec: SloSpec, facts: WindowFacts, lastHours: number): number | null {
  let good = 0;
  let total = 0;
  const fromMs = facts.window.toMs - lastHours * 3_600_000;
  for (const [hour, f] of facts.hours) {
    if (Date.parse(`${hour}:00:00Z`) < fromMs) continue;
    const t = hourTally(spec, f);
    if (t === undefined) continue;
    good += t.good;
    total += t.total;
  }
  return total === 0 ? null : burnRate((total - good) / total, spec.target);
}

/** Evaluates an SLO over the facts of its window (the window's hours, in order). */
export function evaluateSlo(spec: SloSpec, facts: WindowFacts): SloResult {
  let good = 0;
  let total = 0;
  const hours = [...facts.hours.values()];
  for (const f of hours) {
    const t = hourTally(spec, f);
    if (t === undefined) continue;
    good += t.good;
    total += t.total;
  }
  if (total === 0) {
    return { name: spec.name, target: spec.target, status: 'no-data', reason: 'no evidence for this indicator in the window', query: spec.query };
  }
  const windowMinutes = (facts.window.toMs - facts.window.fromMs) / 60_000;
  const bad = total - good;
  const errorRatio = bad / total;
  // Rounded to 12 digits so that a budget spent exactly is exactly spent (binary fractions).
  const budget = Number(((1 - spec.target) * total).toPrecision(12));
  const unit = spec.indicator.kind === 'threshold' ? 'slices' : spec.indicator.good.kind === 'seconds' ? 'seconds' : 'events';
  // Minutes: an event budget is spread over the window; a slice or a second is its own time.
  const minutesPerUnit = unit === 'slices' ? 60 : unit === 'seconds' ? 1 / 60 : windowMinutes / total;
  const scale = spec.windowMs / (30 * 86_400_000);
  const windows: BurnWindow[] = BURN_ALERTS.map((a) => {
    const longHours = Math.max(1, Math.ceil((a.longMs * scale) / 3_600_000));
    const shortHours = Math.max(1, Math.ceil((a.shortMs * scale) / 3_600_000));
    const longBurn = burnOver(spec, facts, longHours);
    const shortBurn = burnOver(spec, facts, shortHours);
    const firing = longBurn !== null && shortBurn !== null && longBurn > a.factor && shortBurn > a.factor;
    return { severity: a.severity, factor: a.factor, longHours, shortHours, longBurn, shortBurn, firing };
  });
  const state: AlertState = windows.some((w) => w.firing && w.severity === 'page')
    ? 'page'
    : windows.some((w) => w.firing)
      ? 'ticket'
      : 'ok';
  const remaining = budget - bad;
  const remainingRatio = budget === 0 ? (bad === 0 ? 1 : -1) : remaining / budget;
  const rate = burnRate(errorRatio, spec.target);
  const budgetStatus: BudgetStatus = remaining <= 0 && bad > 0 ? 'exhausted' : remainingRatio < 0.5 || rate > 1 ? 'at-risk' : 'healthy';
  return {
    name: spec.name,
    displayName: spec.displayName,
    target: spec.target,
    status: good / total >= spec.target ? 'met' : 'breached',
    budgetingMethod: spec.budgetingMethod,
    attainment: good / total,
    good,
    total,
    unit,
    errorBudget: {
      total: budget,
      consumed: bad,
      remaining,
      remainingRatio,
      totalMinutes: budget * minutesPerUnit,
      consumedMinutes: bad * minutesPerUnit,
      remainingMinutes: remaining * minutesPerUnit,
    },
    burnRate: rate,
    budgetStatus,
    alert: { state, windows },
    query: spec.query,
  };
}
