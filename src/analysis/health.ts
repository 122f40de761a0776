// Four-pillar health: the seeds' formulas (kaizen-metrics-framework.md, "Detailed Metric
// Definitions"), each input defined precisely over a window's facts, each score in 0–100.

import { mean, standardDeviation } from 'simple-statistics';
import { quantile, RELATIVE_ERROR } from '../evidence/histogram.js';
import type { Facts, WindowFacts } from './facts.js';

export type Band = 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED';
export type PillarName = 'jidoka' | 'kanban' | 'andon' | 'heijunka';
export const PILLAR_NAMES: readonly PillarName[] = ['jidoka', 'kanban', 'andon', 'heijunka'];

/** One input of a score: its value (null when the window has none), unit and definition. */
export interface ScoreInput {
  readonly value: number | null;
  readonly unit: string;
  readonly definition: string;
}

export type PillarScore =
  | { readonly status: 'ok'; readonly score: number; readonly band: Band; readonly formula: string; readonly inputs: Record<string, ScoreInput> }
  | { readonly status: 'no-data'; readonly reason: string; readonly inputs: Record<string, ScoreInput> };

export interface HealthReport {
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly overall: { readonly status: 'ok'; readonly score: number; readonly band: Band } | { readonly status: 'no-data' };
  readonly pillars: Record<PillarName, PillarScore>;
}

export interface HealthConfig {
  /** Completed tasks per minute that count as full throughput (seeds: > 10/min). */
  readonly throughputTargetPerMin: number;
  /** Tasks one worker runs at once; utilisation is mean load over this. */
  readonly workerCapacity: number;
}

export const DEFAULT_HEALTH_CONFIG: HealthConfig = { throughputTargetPerMin: 10, workerCapacity: 1 };

/** GREEN >= 80, YELLOW 60–80, ORANGE 40–60, RED < 40 (seeds, "Overall System Health Score"). */
export function bandOf(score: number): Band {
  return score >= 80 ? 'GREEN' : score >= 60 ? 'YELLOW' : score >= 40 ? 'ORANGE' : 'RED';
}

export const clamp = (x: number): number => Math.min(100, Math.max(0, x));
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function ok(score: number, formula: string, inputs: Record<string, ScoreInput>): PillarScore {
  const s = round(clamp(score));
  return { status: 'ok', score: s, band: bandOf(s), formula, inputs };
}

/** Jidoka = 100 − (circuit open % × 2 + failure rate per minute × 0.5). */
export function scoreJidoka(f: Facts, windowMinutes: number): PillarScore {
  const completed = f.counts.get('TaskCompleted') ?? 0;
  const failed = f.counts.get('TaskFailed') ?? 0;
  const openSeconds = Math.max(0, ...f.circuitOpenSeconds.values());
  const openPct = (openSeconds / (windowMinutes * 60)) * 100;
  const failureRate = failed / windowMinutes;
  const inputs = {
    circuit_open_pct: {
      value: round(openPct, 3),
      unit: '%',
      definition: 'share of the window during which the most-open circuit was open (opened until half-open or closed)',
    },
    failure_rate_per_min: { value: round(failureRate, 3), unit: '/min', definition: 'task.failed receipts per minute of the window' },
  };
  if (completed + failed === 0 && f.circuitOpenSeconds.size === 0) {
    return { status: 'no-data', reason: 'no task outcomes or circuit transitions in the window', inputs };
  }
  return ok(100 - (openPct * 2 + failureRate * 0.5), '100 − (circuit_open_pct × 2 + failure_rate_per_min × 0.5)', inputs);
}

/** Kanban = (100 − p99 latency / 5) × min(1, throughput / target throughput). */
export function scoreKanban(f: Facts, windowMinutes: number, config: HealthConfig): PillarScore {
  const completed = f.counts.get('TaskCompleted') ?? 0;
  const p99 = quantile(f.latency, 0.99);
  const throughput = completed / windowMinutes;
  const inputs = {
    latency_p99_ms: {
      value: p99 === undefined ? null : round(p99),
      unit: 'ms',
      definition: `99th percentile (nearest rank) of task.completed latency, from the merged hourly histograms (±${round(RELATIVE_ERROR * 100)} %)`,
    },
    throughput_per_min: { value: round(throughput, 3), unit: '/min', definition: 'task.completed receipts per minute of the window' },
    throughput_target_per_min: { value: config.throughputTargetPerMin, unit: '/min', definition: 'configured full throughput' },
  };
  if (completed === 0 || p99 === undefined) return { status: 'no-data', reason: 'no completed tasks in the window', inputs };
  const ratio = Math.min(1, throughput / config.throughputTargetPerMin);
  return ok((100 - p99 / 5) * ratio, '(100 − latency_p99_ms / 5) × min(1, throughput_per_min / throughput_target_per_min)', inputs);
}

/** Andon = 100 − (alerts per minute × 10 + MTTD seconds / 30). */
export function scoreAndon(f: Facts, windowMinutes: number): PillarScore {
  const fired = f.counts.get('AlertFired') ?? 0;
  const mttd = f.values.get('AlertFired');
  const mttdS = mttd === undefined || mttd.count === 0 ? null : mttd.sum / mttd.count;
  let receipts = 0;
  for (const n of f.counts.values()) receipts += n;
  const inputs = {
    alerts_per_min: { value: round(fired / windowMinutes, 4), unit: '/min', definition: 'alert.fired receipts per minute of the window' },
    mttd_s: {
      value: mttdS === null ? null : round(mttdS),
      unit: 's',
      definition: 'mean time to detection: mean of alert.fired values (seconds from the fault starting to the alert); left out when no alert carries it',
    },
  };
  if (receipts === 0) return { status: 'no-data', reason: 'no receipts in the window', inputs };
  return ok(100 - ((fired / windowMinutes) * 10 + (mttdS ?? 0) / 30), '100 − (alerts_per_min × 10 + mttd_s / 30)', inputs);
}

/** Heijunka = load balance coefficient × 100 × utilisation % / 80. */
export function scoreHeijunka(f: Facts, config: HealthConfig): PillarScore {
  const loads = [...f.workerTasks.values()];
  const lbc = loads.length === 0 ? null : mean(loads) === 0 ? null : 1 - standardDeviation(loads) / mean(loads);
  const utilSamples = [...f.workerLoad.values()].filter((s) => s.count > 0).map((s) => s.sum / s.count / config.workerCapacity);
  const util = utilSamples.length === 0 ? null : Math.min(100, mean(utilSamples) * 100);
  const inputs = {
    load_balance_coeff: {
      value: lbc === null ? null : round(lbc, 4),
      unit: '',
      definition: '1 − stddev / mean of task outcomes per worker over the window (population stddev)',
    },
    worker_utilisation_pct: {
      value: util === null ? null : round(util),
      unit: '%',
      definition: `mean over workers of their mean worker.load sample / capacity (${config.workerCapacity}), capped at 100 %; taken as 80 % when no samples`,
    },
    workers: { value: loads.length, unit: 'workers', definition: 'workers with task outcomes in the window' },
  };
  if (lbc === null) return { status: 'no-data', reason: 'no task outcomes attributed to workers in the window', inputs };
  return ok(lbc * 100 * ((util ?? 80) / 80), 'load_balance_coeff × 100 × worker_utilisation_pct / 80', inputs);
}

/** Scores every pillar and the overall mean of the pillars that have data. */
export function scoreHealth(facts: WindowFacts, config: HealthConfig = DEFAULT_HEALTH_CONFIG): HealthReport {
  const minutes = (facts.window.toMs - facts.window.fromMs) / 60_000;
  const pillars: Record<PillarName, PillarScore> = {
    jidoka: scoreJidoka(facts.total, minutes),
    kanban: scoreKanban(facts.total, minutes, config),
    andon: scoreAndon(facts.total, minutes),
    heijunka: scoreHeijunka(facts.total, config),
  };
  const scored = PILLAR_NAMES.map((p) => pillars[p]).filter((p) => p.status === 'ok');
  const overall =
    scored.length === 0
      ? ({ status: 'no-data' } as const)
      : (() => {
          const score = round(scored.reduce((a, p) => a + (p.status === 'ok' ? p.score : 0), 0) / scored.length);
          return { status: 'ok' as const, score, band: bandOf(score) };
        })();
  return { window: facts.window, overall, pillars };
}
