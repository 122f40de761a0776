// The shapes of GET /health and GET /status, drawn from a pipeline snapshot and the live counts.

import type { CircuitState } from '../pipeline/circuit-breaker.js';
import type { PipelineStatus } from '../pipeline/pipeline.js';
import { imbalance } from '../pipeline/worker-pool.js';
import type { LiveStats } from './live-stats.js';

/** The circuit state as the seeds' API spells it. */
export const CIRCUIT_NAMES: Readonly<Record<CircuitState, 'Closed' | 'Open' | 'HalfOpen'>> = {
  closed: 'Closed',
  open: 'Open',
  'half-open': 'HalfOpen',
};

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthView {
  readonly status: HealthStatus;
  readonly circuit_state: 'Closed' | 'Open' | 'HalfOpen';
  readonly queue_depth: number;
  readonly active_workers: number;
  /** Failed / (completed + failed) over the timing window, a ratio 0–1. */
  readonly error_rate: number;
  readonly journal: 'ok' | 'failed';
  readonly timestamp: string;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const finite = (x: number): number | null => (Number.isFinite(x) ? round(x) : null);

/**
 * Unhealthy: the circuit is open, no worker is alive, or the journal failed (503). Degraded: the
 * circuit is probing, an alert is firing or a light is not green (200). Healthy otherwise.
 */
export function healthOf(s: PipelineStatus, journalFailed: boolean): HealthView {
  const alive = s.workers.filter((w) => w.alive).length;
  const status: HealthStatus =
    s.circuit === 'open' || alive === 0 || journalFailed
      ? 'unhealthy'
      : s.circuit === 'half-open' || s.activeAlerts.length > 0 || s.lights.overall !== 'GREEN'
        ? 'degraded'
        : 'healthy';
  return {
    status,
    circuit_state: CIRCUIT_NAMES[s.circuit],
    queue_depth: s.queue.depth,
    active_workers: alive,
    error_rate: round(s.errorRate, 4),
    journal: journalFailed ? 'failed' : 'ok',
    timestamp: new Date(s.timeMs).toISOString(),
  };
}

/** Everything the Andon board and an operator look at, by pillar. */
export function statusOf(s: PipelineStatus, stats: LiveStats, startedMs: number) {
  const windowMs = Math.max(1, Math.min(stats.windowMs, s.timeMs - startedMs));
  const outcomes = stats.window(s.timeMs);
  const started = s.workers.filter((w) => w.alive).map((w) => w.tasksStarted);
  const loads = s.workers.map((w) => w.load);
  return {
    timestamp: new Date(s.timeMs).toISOString(),
    uptime_seconds: round((s.timeMs - startedMs) / 1000, 1),
    window_seconds: round(stats.windowMs / 1000, 1),
    jidoka: {
      circuit_breaker: CIRCUIT_NAMES[s.circuit],
      failures: stats.count('failure.recorded'),
      health_checks: stats.count('health.passed') + stats.count('health.failed'),
      rejections: s.counters.rejected,
      circuit_opens: stats.count('circuit.opened'),
    },
    kanban: {
      queue_max_size: s.queue.capacity,
      queue_current_depth: s.queue.depth,
      queue_saturation: round(s.queue.saturation, 4),
      workers: s.workers.filter((w) => w.alive).length,
      /** Completed tasks per second over the window. */
      processing_rate: round((s.latency.samples * 1000) / windowMs),
      submitted: s.counters.submitted,
      accepted: s.counters.accepted,
      completed: s.counters.completed,
      failed: s.counters.failed,
      rejected: s.counters.rejected,
    },
    heijunka: {
      worker_loads: Object.fromEntries(s.workers.map((w) => [w.name, w.load])),
      workers: s.workers.map((w) => ({ name: w.name, lane: w.lane, alive: w.alive, busy: w.busy, load: w.load, tasks_started: w.tasksStarted })),
      imbalance_factor: round(imbalance(loads)),
      avg_per_worker: started.length === 0 ? 0 : round(started.reduce((a, b) => a + b, 0) / started.length),
      max_per_worker: started.length === 0 ? 0 : Math.max(...started),
      min_per_worker: started.length === 0 ? 0 : Math.min(...started),
      rebalance_attempts: stats.count('rebalance.performed'),
    },
    kaizen: {
      percentile_p50: finite(s.latency.p50),
      percentile_p90: finite(s.latency.p90),
      percentile_p99: finite(s.latency.p99),
      avg: outcomes.avgMs,
      max: outcomes.maxMs,
      samples: s.latency.samples,
      unit: 'ms',
      component_breakdown: outcomes.stagesMs,
    },
    andon: {
      lights: s.lights,
      active_alerts: s.activeAlerts.map((a) => ({ name: a.name, severity: a.severity, fired_at: new Date(a.firedAtMs).toISOString() })),
      mttd_seconds: s.mttdMs === undefined ? null : round(s.mttdMs / 1000),
      chaos: s.chaos.map((c) => ({ id: c.id, kind: c.kind, since: new Date(c.startMs).toISOString() })),
      dead_letters: s.deadLetters,
    },
  };
}

export type StatusView = ReturnType<typeof statusOf>;
