// Andon: status lights per pillar, alert rules that fire and clear with hysteresis, and MTTD.

import type { CircuitState } from './circuit-breaker.js';

/** A status light. */
export type Light = 'GREEN' | 'YELLOW' | 'RED';

/** What the Andon board looks at, measured at one instant. */
export interface AndonMetrics {
  /** p99 latency of completed tasks over the timing window, ms (NaN when there were none). */
  readonly p99Ms: number;
  readonly latencySamples: number;
  /** Failed / (completed + failed) over the timing window, and how many outcomes that covers. */
  readonly errorRate: number;
  readonly outcomes: number;
  readonly circuit: CircuitState;
  readonly queueDepth: number;
  readonly queueCapacity: number;
  readonly workersDown: number;
  readonly workersTotal: number;
  /** Load balance coefficient of the fast lane over the last load-sample interval. */
  readonly loadBalance: number;
  /** How long work has waited in the queue with nothing pulled from it, ms (0 when empty). */
  readonly stalledMs: number;
}

/** The thresholds of the rules and lights. Fire and clear levels differ: that is the hysteresis. */
export interface AndonThresholds {
  readonly latencyP99Ms: number;
  readonly latencyClearP99Ms: number;
  readonly latencyForMs: number;
  readonly errorRate: number;
  readonly errorRateClear: number;
  readonly errorRateMinOutcomes: number;
  readonly errorRateForMs: number;
  readonly circuitClearForMs: number;
  readonly backlogRatio: number;
  readonly backlogClearRatio: number;
  readonly backlogClearForMs: number;
  readonly workerClearForMs: number;
  /** Work waiting this long with nothing pulled means the line has stopped. */
  readonly stallMs: number;
}

/** Defaults: the seeds' p99 < 200 ms, error rate < 5 %, queue below 80 % of capacity. */
export const DEFAULT_ANDON_THRESHOLDS: AndonThresholds = {
  latencyP99Ms: 200,
  latencyClearP99Ms: 150,
  latencyForMs: 60_000,
  errorRate: 0.05,
  errorRateClear: 0.02,
  errorRateMinOutcomes: 50,
  errorRateForMs: 30_000,
  circuitClearForMs: 30_000,
  backlogRatio: 0.8,
  backlogClearRatio: 0.6,
  backlogClearForMs: 30_000,
  workerClearForMs: 10_000,
  stallMs: 30_000,
};

/** An alert rule: fires once `fires` has held for `forMs`, clears once `clears` has held for `clearForMs`. */
export interface AlertRule {
  readonly name: string;
  readonly severity: 'warning' | 'critical';
  readonly component: string;
  readonly threshold: number;
  readonly unit: string;
  readonly observe: (m: AndonMetrics) => number;
  readonly fires: (m: AndonMetrics) => boolean;
  readonly clears: (m: AndonMetrics) => boolean;
  readonly forMs: number;
  readonly clearForMs: number;
}

/** The rules: the five (latency, error rate, circuit open, queue backlog, worker down) and a stopped line. */
export function defaultAlertRules(t: AndonThresholds): AlertRule[] {
  const backlog = (m: AndonMetrics) => m.queueDepth / m.queueCapacity;
  const p99 = (m: AndonMetrics) => (Number.isNaN(m.p99Ms) ? 0 : m.p99Ms);
  return [
    { name: 'high-latency-p99', severity: 'warning', component: 'kanban-queue', threshold: t.latencyP99Ms, unit: 'ms',
      observe: p99, fires: (m) => p99(m) > t.latencyP99Ms, clears: (m) => p99(m) < t.latencyClearP99Ms,
      forMs: t.latencyForMs, clearForMs: t.latencyForMs },
    { name: 'high-error-rate', severity: 'critical', component: 'downstream', threshold: t.errorRate, unit: 'ratio',
      observe: (m) => m.errorRate, fires: (m) => m.outcomes >= t.errorRateMinOutcomes && m.errorRate > t.errorRate,
      clears: (m) => m.errorRate < t.errorRateClear, forMs: t.errorRateForMs, clearForMs: 60_000 },
    { name: 'circuit-open', severity: 'critical', component: 'circuit-breaker', threshold: 0, unit: 'state',
      observe: (m) => (m.circuit === 'closed' ? 0 : m.circuit === 'open' ? 1 : 0.5),
      fires: (m) => m.circuit !== 'closed', clears: (m) => m.circuit === 'closed', forMs: 0, clearForMs: t.circuitClearForMs },
    { name: 'queue-backlog', severity: 'warning', component: 'kanban-queue', threshold: t.backlogRatio, unit: 'ratio',
      observe: backlog, fires: (m) => backlog(m) > t.backlogRatio, clears: (m) => backlog(m) < t.backlogClearRatio,
      forMs: 0, clearForMs: t.backlogClearForMs },
    { name: 'worker-down', severity: 'warning', component: 'worker-pool', threshold: 0, unit: 'workers',
      observe: (m) => m.workersDown, fires: (m) => m.workersDown > 0, clears: (m) => m.workersDown === 0,
      forMs: 0, clearForMs: t.workerClearForMs },
    { name: 'queue-stalled', severity: 'critical', component: 'kanban-queue', threshold: t.stallMs, unit: 'ms',
      observe: (m) => m.stalledMs, fires: (m) => m.stalledMs >= t.stallMs, clears: (m) => m.stalledMs < t.stallMs,
      forMs: 0, clearForMs: 10_000 },
  ];
}

/** An alert that fired or cleared at one evaluation. */
export interface AlertChange {
  readonly change: 'fired' | 'cleared';
  readonly rule: AlertRule;
  readonly atMs: number;
  readonly observed: number;
  /** For a firing: when its condition was first seen to hold. For a clearing: when it fired. */
  readonly sinceMs: number;
}

/** An alert that is firing now. */
export interface ActiveAlert {
  readonly name: string;
  readonly severity: 'warning' | 'critical';
  readonly firedAtMs: number;
}

/** A fault (a chaos injection) and when an alert first detected it. */
export interface FaultRecord {
  readonly id: string;
  readonly kind: string;
  readonly startMs: number;
  endMs: number | undefined;
  detectedMs: number | undefined;
  detectedBy: string | undefined;
}

interface RuleState {
  firing: boolean;
  pendingSinceMs: number | undefined;
  clearingSinceMs: number | undefined;
  firedAtMs: number;
}

/** How long after a fault ends an alert still counts as detecting it. */
const DETECTION_GRACE_MS = 5 * 60_000;

/**
 * The Andon board: evaluates its rules against fresh metrics and reports which alerts fired or
 * cleared; keeps the last `historySize` changes (TPS_ANDON_HISTORY) and the faults it detected.
 */
export class Andon {
  readonly rules: readonly AlertRule[];
  readonly historySize: number;
  readonly #states: RuleState[];
  readonly #history: AlertChange[] = [];
  readonly #faults: FaultRecord[] = [];

  constructor(rules: readonly AlertRule[], historySize: number) {
    this.rules = rules;
    this.historySize = historySize;
    this.#states = rules.map(() => ({ firing: false, pendingSinceMs: undefined, clearingSinceMs: undefined, firedAtMs: 0 }));
  }

  /** Evaluates every rule at `nowMs`. */
  evaluate(nowMs: number, m: AndonMetrics): AlertChange[] {
    const changes: AlertChange[] = [];
    this.rules.forEach((rule, i) => {
      const s = this.#states[i] as RuleState;
      const change = s.firing ? this.#maybeClear(rule, s, nowMs, m) : this.#maybeFire(rule, s, nowMs, m);
      if (change !== undefined) changes.push(change);
    });
    for (const c of changes) {
      this.#history.push(c);
      if (this.#history.length > this.historySize) this.#history.shift();
    }
    return changes;
  }

  /** Alerts firing now. */
  active(): ActiveAlert[] {
    return this.rules.flatMap((rule, i) => {
      const s = this.#states[i] as RuleState;
      return s.firing ? [{ name: rule.name, severity: rule.severity, firedAtMs: s.firedAtMs }] : [];
    });
  }

  /** The last changes, oldest first. */
  history(): readonly AlertChange[] {
    return this.#history;
  }

  /** Notes the start of a fault, so the first alert after it measures the time to detect it. */
  faultStarted(id: string, kind: string, startMs: number): void {
    this.#faults.push({ id, kind, startMs, endMs: undefined, detectedMs: undefined, detectedBy: undefined });
  }

  /** Notes the end of a fault. */
  faultEnded(id: string, endMs: number): void {
    const fault = this.#faults.find((f) => f.id === id);
    if (fault !== undefined) fault.endMs = endMs;
  }

  /** Marks the faults that an alert firing at `atMs` detects; returns them. */
  detect(alert: string, atMs: number): FaultRecord[] {
    const detected = this.#faults.filter(
      (f) => f.detectedMs === undefined && f.startMs <= atMs && (f.endMs === undefined || atMs <= f.endMs + DETECTION_GRACE_MS),
    );
    for (const f of detected) {
      f.detectedMs = atMs;
      f.detectedBy = alert;
    }
    return detected;
  }

  /** Every fault seen so far. */
  faults(): readonly FaultRecord[] {
    return this.#faults;
  }

  /** Mean time to detection over the detected faults, ms (andon_mttd), or undefined when none was. */
  mttdMs(): number | undefined {
    const times = this.#faults.flatMap((f) => (f.detectedMs === undefined ? [] : [f.detectedMs - f.startMs]));
    return times.length === 0 ? undefined : times.reduce((a, b) => a + b, 0) / times.length;
  }

  #maybeFire(rule: AlertRule, s: RuleState, nowMs: number, m: AndonMetrics): AlertChange | undefined {
    if (!rule.fires(m)) {
      s.pendingSinceMs = undefined;
      return undefined;
    }
    s.pendingSinceMs ??= nowMs;
    if (nowMs - s.pendingSinceMs < rule.forMs) return undefined;
    s.firing = true;
    s.firedAtMs = nowMs;
    s.clearingSinceMs = undefined;
    return { change: 'fired', rule, atMs: nowMs, observed: rule.observe(m), sinceMs: s.pendingSinceMs };
  }

  #maybeClear(rule: AlertRule, s: RuleState, nowMs: number, m: AndonMetrics): AlertChange | undefined {
    if (!rule.clears(m)) {
      s.clearingSinceMs = undefined;
      return undefined;
    }
    s.clearingSinceMs ??= nowMs;
    if (nowMs - s.clearingSinceMs < rule.clearForMs) return undefined;
    s.firing = false;
    s.pendingSinceMs = undefined;
    return { change: 'cleared', rule, atMs: nowMs, observed: rule.observe(m), sinceMs: s.firedAtMs };
  }
}

/** The lights of the board: one per pillar and the overall one (the worst of them). */
export interface Lights {
  readonly jidoka: Light;
  readonly kanban: Light;
  readonly heijunka: Light;
  readonly andon: Light;
  readonly overall: Light;
}

const RANK: Readonly<Record<Light, number>> = { GREEN: 0, YELLOW: 1, RED: 2 };
const worst = (...lights: Light[]): Light => lights.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'GREEN');
const level = (red: boolean, yellow: boolean): Light => (red ? 'RED' : yellow ? 'YELLOW' : 'GREEN');

/**
 * The lights from the metrics and the firing alerts. Bands follow the seeds: error rate < 1 % green,
 * 1–5 % yellow, > 5 % red; p99 < 200 ms green, 200–500 ms yellow, > 500 ms red; queue saturation
 * < 80 % green, > 95 % red; load balance > 0.85 green, < 0.7 red.
 */
export function lightsFor(m: AndonMetrics, active: readonly ActiveAlert[], t: AndonThresholds): Lights {
  const saturation = m.queueDepth / m.queueCapacity;
  const p99 = Number.isNaN(m.p99Ms) ? 0 : m.p99Ms;
  const jidoka = level(m.circuit === 'open' || m.errorRate > t.errorRate, m.circuit === 'half-open' || m.errorRate > 0.01);
  const kanban = level(saturation > 0.95 || p99 > 500, saturation > t.backlogRatio || p99 > t.latencyP99Ms);
  const heijunka = level(
    m.workersDown * 2 >= m.workersTotal || m.loadBalance < 0.7,
    m.workersDown > 0 || m.loadBalance < 0.85,
  );
  const andon = level(
    active.some((a) => a.severity === 'critical'),
    active.length > 0,
  );
  return { jidoka, kanban, heijunka, andon, overall: worst(jidoka, kanban, heijunka, andon) };
}
