// The weekly review model: a pure, JSON-serialisable summary of one week (and the week before),
// the machine contract of reports/review.schema.json.

import type { Facts } from '../analysis/facts.js';
import { type Band, PILLAR_NAMES, type PillarName } from '../analysis/health.js';
import type { SloResult } from '../analysis/slo.js';
import type { WhyChain } from '../analysis/whys.js';
import { quantile, RELATIVE_ERROR } from '../evidence/histogram.js';
import type { Analysis } from '../query/analyze.js';

export const REVIEW_SCHEMA_ID = 'https://w3id.org/kaizen/schema/review/v1';

export type BudgetDecision = 'keep shipping' | 'slow down' | 'focus on reliability';

export interface ReviewIncident {
  kind: 'circuit-opening' | 'alert-episode' | 'slo-breach';
  title: string;
  component: string;
  start: string;
  end: string | null;
  duration_s: number | null;
  detected_after_s: number | null;
  resolved_after_s: number | null;
  whys: { step: number; statement: string; receipts: string[] }[];
  root_cause: string | null;
  /** The chain's conclusion in plain words, also when the evidence shows no cause. */
  conclusion: string | null;
  receipt: string | null;
}

export interface ReviewWeek {
  week: string;
  window: { from: string; to: string };
  health: {
    overall: { score: number | null; band: Band | null; status: 'ok' | 'no-data' };
    pillars: Record<PillarName, { score: number | null; band: Band | null; status: 'ok' | 'no-data'; inputs: Record<string, { value: number | null; unit: string; definition: string }> }>;
  };
  slos: {
    name: string;
    display_name: string;
    target: number;
    attainment: number | null;
    budget_remaining: number | null;
    budget_remaining_minutes: number | null;
    burn_rate: number | null;
    status: 'met' | 'breached' | 'no-data';
    budget_status: 'healthy' | 'at-risk' | 'exhausted' | null;
    alert_state: 'page' | 'ticket' | 'ok' | null;
  }[];
  flow: {
    signals_total: number;
    completed: number;
    failed: number;
    rejected: number;
    abandoned: number;
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
    percentile_error_bound: number;
    throughput_per_min: number;
    queue_depth_mean: number | null;
    queue_depth_max: number | null;
    rejection_ratio: number | null;
    load_balance_coeff: number | null;
    worker_tasks: Record<string, number>;
    components: { component: string; completed: number; failed: number; rejected: number; p99_ms: number | null }[];
  };
  trends: { metric: string; slope_per_day: number | null; slope_per_day_pct: number | null; p_value: number | null; verdict: string }[];
  hourly: { hour: string; p99_ms: number | null; throughput_per_min: number; queue_depth_mean: number | null; circuit_open_s: number; errors: number }[];
}

/** An accepted signal a restarted server closed without processing it. */
export interface AbandonedSignal {
  signal_id: string;
  time: string;
  reason: string;
  because: string | null;
  waited_s: number | null;
  receipt: string;
}

export interface ReviewModel extends ReviewWeek {
  $schema: string;
  generated_at: string;
  verdict: string;
  slo_decision: { budget: 'healthy' | 'at-risk' | 'exhausted' | 'no-data'; decision: BudgetDecision | 'no SLO data' };
  incidents: ReviewIncident[];
  abandoned_signals: AbandonedSignal[];
  recommendations: { priority: number; title: string; action: string; expected_effect: string; evidence: string[] }[];
  evidence: { receipts: number; rollups: number; last_digest: string; last_seq: number; queries: string[] };
  /** Per SLO with data, the share of its error budget left after each hour of the week. */
  burndown: { slo: string; points: { hour: string; remaining: number }[] }[];
  previous: ReviewWeek | null;
}

const r2 = (x: number | null | undefined, d = 2): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;

function flowOf(f: Facts, minutes: number): ReviewWeek['flow'] {
  const c = (k: string): number => f.counts.get(k) ?? 0;
  const completed = c('TaskCompleted');
  const failed = c('TaskFailed');
  const rejected = c('SignalRejected');
  const received = c('SignalReceived');
  const depth = f.values.get('QueueDepthSampled');
  const loads = [...f.workerTasks.values()];
  const mean = loads.length === 0 ? 0 : loads.reduce((a, b) => a + b, 0) / loads.length;
  const sd = loads.length === 0 ? 0 : Math.sqrt(loads.reduce((a, x) => a + (x - mean) ** 2, 0) / loads.length);
  const outcomes = completed + failed + rejected;
  return {
    signals_total: received > 0 ? received : outcomes,
    completed,
    failed,
    rejected,
    abandoned: c('SignalAbandoned'),
    p50_ms: r2(quantile(f.latency, 0.5)),
    p95_ms: r2(quantile(f.latency, 0.95)),
    p99_ms: r2(quantile(f.latency, 0.99)),
    percentile_error_bound: r2(RELATIVE_ERROR, 4)!,
    throughput_per_min: r2(completed / minutes, 4)!,
    queue_depth_mean: depth === undefined || depth.count === 0 ? null : r2(depth.sum / depth.count),
    queue_depth_max: depth === undefined || depth.count === 0 ? null : depth.max,
    rejection_ratio: outcomes === 0 ? null : r2(rejected / outcomes, 4),
    load_balance_coeff: mean === 0 ? null : r2(1 - sd / mean, 4),
    worker_tasks: Object.fromEntries([...f.workerTasks].sort(([a], [b]) => (a < b ? -1 : 1))),
    components: [...f.componentOutcomes]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([component, o]) => ({ component, ...o, p99_ms: r2(quantile(f.latencyByComponent.get(component) ?? new Map(), 0.99)) })),
  };
}

function sloRow(s: SloResult): ReviewWeek['slos'][number] {
  if (s.status === 'no-data') {
    return { name: s.name, display_name: s.name, target: s.target, attainment: null, budget_remaining: null, budget_remaining_minutes: null, burn_rate: null, status: 'no-data', budget_status: null, alert_state: null };
  }
  return {
    name: s.name,
    display_name: s.displayName,
    target: s.target,
    attainment: r2(s.attainment, 5),
    budget_remaining: r2(s.errorBudget.remainingRatio, 4),
    budget_remaining_minutes: r2(s.errorBudget.remainingMinutes, 1),
    burn_rate: r2(s.burnRate, 3),
    status: s.status,
    budget_status: s.budgetStatus,
    alert_state: s.alert.state,
  };
}

/** The part of the review that both this week and the week before have. */
export function reviewWeek(label: string, a: Analysis): ReviewWeek {
  const minutes = (a.window.toMs - a.window.fromMs) / 60_000;
  const pillars = {} as ReviewWeek['health']['pillars'];
  for (const p of PILLAR_NAMES) {
    const s = a.health.pillars[p];
    pillars[p] = { score: s.status === 'ok' ? s.score : null, band: s.status === 'ok' ? s.band : null, status: s.status, inputs: s.inputs };
  }
  const o = a.health.overall;
  return {
    week: label,
    window: { from: new Date(a.window.fromMs).toISOString(), to: new Date(a.window.toMs).toISOString() },
    health: { overall: { score: o.status === 'ok' ? o.score : null, band: o.status === 'ok' ? o.band : null, status: o.status }, pillars },
    slos: a.slos.map(sloRow),
    flow: flowOf(a.facts.total, minutes),
    trends: [...a.trends].map(([metric, t]) => ({
      metric,
      slope_per_day: r2(t.theilSenSlopePerDay, 4),
      slope_per_day_pct: r2(t.slopePerDayPct),
      p_value: r2(t.pValue, 4),
      verdict: t.verdict,
    })),
    hourly: [...a.facts.hours].map(([hour, f]) => ({
      hour,
      p99_ms: r2(quantile(f.latency, 0.99)),
      throughput_per_min: r2((f.counts.get('TaskCompleted') ?? 0) / 60, 3)!,
      queue_depth_mean: (() => {
        const d = f.values.get('QueueDepthSampled');
        return d === undefined || d.count === 0 ? null : r2(d.sum / d.count);
      })(),
      circuit_open_s: r2(Math.max(0, ...f.circuitOpenSeconds.values()), 1)!,
      errors: (f.counts.get('TaskFailed') ?? 0) + (f.counts.get('SignalRejected') ?? 0),
    })),
  };
}

/** The worst budget among the SLOs decides: healthy → keep shipping, at risk → slow down, exhausted → reliability. */
export function sloDecision(slos: readonly SloResult[]): ReviewModel['slo_decision'] {
  const states = slos.flatMap((s) => (s.status === 'no-data' ? [] : [s.budgetStatus]));
  if (states.length === 0) return { budget: 'no-data', decision: 'no SLO data' };
  if (states.includes('exhausted')) return { budget: 'exhausted', decision: 'focus on reliability' };
  if (states.includes('at-risk')) return { budget: 'at-risk', decision: 'slow down' };
  return { budget: 'healthy', decision: 'keep shipping' };
}

/** The one-line verdict of the week against the week before. */
export function verdictOf(week: ReviewWeek, previous: ReviewWeek | null, incidents: number): string {
  const now = week.health.overall.score;
  if (now === null) return 'No health score this week: the evidence has no scorable data.';
  const band = week.health.overall.band ?? '';
  const before = previous?.health.overall.score ?? null;
  const change =
    before === null ? 'no previous week to compare with' : now > before + 1 ? `up from ${before.toFixed(1)}` : now < before - 1 ? `down from ${before.toFixed(1)}` : `steady (${before.toFixed(1)} last week)`;
  const worst = PILLAR_NAMES.map((p) => [p, week.health.pillars[p].score] as const)
    .filter(([, s]) => s !== null)
    .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))[0];
  const focus = worst === undefined ? '' : `; weakest pillar ${worst[0]} (${worst[1]!.toFixed(1)})`;
  return `Health ${now.toFixed(1)} ${band}, ${change}; ${incidents} incident${incidents === 1 ? '' : 's'}${focus}.`;
}

/** Turns a 5-Whys chain into the incident's whys and root cause. */
export function whysOf(chain: WhyChain | undefined): Pick<ReviewIncident, 'whys' | 'root_cause' | 'conclusion'> {
  if (chain === undefined) return { whys: [], root_cause: null, conclusion: null };
  return {
    whys: chain.steps.map((s) => ({ step: s.step, statement: s.statement, receipts: [...s.receipts] })),
    root_cause: chain.rootCause === null ? null : chain.conclusion,
    conclusion: chain.conclusion,
  };
}
