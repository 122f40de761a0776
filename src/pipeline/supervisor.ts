// The supervisor: circuit transitions and health checks, Andon evaluation, sampling and rebalancing.

import type { AlertChange, AndonMetrics } from './andon.js';
import type { Transition } from './circuit-breaker.js';
import { COMPONENTS } from './events.js';
import type { Line } from './line.js';
import type { Lane } from './signal.js';
import { roundMs } from './timing.js';
import { imbalance, loadBalanceCoefficient, loadOf } from './worker-pool.js';

const HOUR_MS = 3_600_000;
/** Below this many tasks per worker in a sample interval the balance is not judged. */
const MIN_TASKS_FOR_BALANCE = 5;
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Watches the line: turns breaker transitions into receipts and timers, evaluates the Andon rules
 * on a fixed interval and at once after a state change, samples queue depth (on change, at most
 * once per interval, and at least hourly) and worker load, and rebalances the lanes.
 */
export class Supervisor {
  readonly #line: Line;
  #lastDepth = -1;
  #lastDepthMs = Number.NEGATIVE_INFINITY;
  #intervalStartMs: number;
  #loadBalance = 1;
  #halfOpenedId: string | undefined;
  #episodeStartMs = 0;
  readonly #alertIds = new Map<string, string>();
  readonly #idleSampled = new Set<string>();

  constructor(line: Line) {
    this.#line = line;
    this.#intervalStartMs = line.nowMs;
    line.onTransition = (t, cause) => this.#onTransition(t, cause);
  }

  /** Emits the workers' activation and the first depth sample, and starts the periodic work. */
  start(): void {
    const line = this.#line;
    const c = line.config;
    for (const w of line.pool.workers) line.emit('worker.activated', COMPONENTS.pool, { worker: w.name, attributes: { lane: w.lane } });
    this.#sampleDepth();
    this.#every(c.andon.evalIntervalMs, () => this.evaluateAndon());
    this.#every(c.queue.depthSampleIntervalMs, () => this.#sampleDepth());
    this.#every(c.workers.rebalanceIntervalMs, () => this.#rebalance());
    this.#every(c.workers.loadSampleIntervalMs, () => this.#sampleLoad());
  }

  /** What the Andon rules look at, now. */
  metrics(): AndonMetrics {
    const line = this.#line;
    const now = line.nowMs;
    const p = line.timing.percentiles(now);
    const o = line.timing.outcomes(now);
    return {
      p99Ms: p.p99,
      latencySamples: p.samples,
      errorRate: o.errorRate,
      outcomes: o.completed + o.failed,
      circuit: line.breaker.state,
      queueDepth: line.queue.size,
      queueCapacity: line.queue.capacity,
      workersDown: line.pool.workers.length - line.pool.aliveCount,
      workersTotal: line.pool.workers.length,
      loadBalance: this.#loadBalance,
      stalledMs: line.queue.size === 0 ? 0 : now - line.lastQueueProgressMs,
    };
  }

  /** Evaluates the alert rules now and emits what fired or cleared. */
  evaluateAndon(): void {
    const line = this.#line;
    for (const change of line.andon.evaluate(line.nowMs, this.metrics())) {
      if (change.change === 'fired') this.#fired(change);
      else this.#cleared(change);
    }
  }

  #fired(change: AlertChange): void {
    const line = this.#line;
    const { rule } = change;
    const id = line.parts.ids.eventId('alert');
    this.#alertIds.set(rule.name, id);
    const fault = line.andon.detect(rule.name, change.atMs)[0];
    const causedBy =
      rule.name === 'circuit-open' ? line.lastOpenedId : rule.name === 'worker-down' ? line.lastCrashId : undefined;
    const observed = round(change.observed);
    line.emit('alert.fired', rule.component, {
      id,
      alert: rule.name,
      severity: rule.severity,
      reason: `${rule.name}: observed ${observed} ${rule.unit}, threshold ${rule.threshold} ${rule.unit}`,
      causedBy,
      attributes: {
        observed,
        threshold: rule.threshold,
        unit: rule.unit,
        pending_ms: roundMs(change.atMs - change.sinceMs),
        ...(fault !== undefined && { fault_id: fault.id, detection_ms: roundMs(change.atMs - fault.startMs) }),
      },
    });
  }

  #cleared(change: AlertChange): void {
    const { rule } = change;
    this.#line.emit('alert.cleared', rule.component, {
      alert: rule.name,
      severity: rule.severity,
      causedBy: this.#alertIds.get(rule.name),
      attributes: { observed: round(change.observed), unit: rule.unit, duration_ms: roundMs(change.atMs - change.sinceMs) },
    });
  }

  #onTransition(t: Transition, failureId: string | undefined): void {
    const line = this.#line;
    const ids = line.parts.ids;
    const window = { window_calls: t.calls, window_failures: t.failures };
    if (t.to === 'open') {
      const id = ids.eventId('circuit-opened');
      if (t.from === 'closed') this.#episodeStartMs = t.atMs;
      line.lastOpenedId = id;
      line.emit('circuit.opened', COMPONENTS.breaker, {
        id,
        reason: t.reason,
        causedBy: failureId,
        attributes: { from: t.from, ...window, reset_timeout_ms: line.config.breaker.resetTimeoutMs },
      });
      this.#scheduleRecovery(id);
    } else if (t.to === 'half-open') {
      this.#halfOpenedId = ids.eventId('circuit-half-opened');
      line.emit('circuit.half_opened', COMPONENTS.breaker, {
        id: this.#halfOpenedId,
        reason: t.reason,
        causedBy: line.lastOpenedId,
        attributes: { probes: line.config.breaker.halfOpenProbes },
      });
    } else {
      line.emit('circuit.closed', COMPONENTS.breaker, {
        reason: t.reason,
        causedBy: this.#halfOpenedId,
        attributes: { recovery_ms: roundMs(t.atMs - this.#episodeStartMs) },
      });
    }
    this.evaluateAndon();
  }

  /** While open: health checks every interval, and half-open once the reset timeout has passed. */
  #scheduleRecovery(openedId: string): void {
    const line = this.#line;
    const { breaker, scheduler } = line;
    const epoch = breaker.epoch;
    const reopensAt = breaker.reopensAtMs as number;
    const interval = line.config.breaker.healthCheckIntervalMs;
    const check = (): void => {
      if (breaker.epoch !== epoch) return;
      const ok = line.parts.downstream.healthCheck(line.chaos, line.parts.rng);
      line.emit(ok ? 'health.passed' : 'health.failed', COMPONENTS.breaker, {
        causedBy: openedId,
        ...(!ok && { reason: 'downstream-unavailable' }),
      });
      if (line.nowMs + interval < reopensAt) scheduler.schedule(line.nowMs + interval, check);
    };
    if (line.nowMs + interval < reopensAt) scheduler.schedule(line.nowMs + interval, check);
    scheduler.schedule(reopensAt, () => {
      if (breaker.epoch !== epoch) return;
      const t = breaker.tick(line.nowMs);
      if (t !== undefined) this.#onTransition(t, undefined);
      line.pump();
    });
  }

  #every(intervalMs: number, action: () => void): void {
    const line = this.#line;
    const run = (): void => {
      action();
      line.scheduler.schedule(line.nowMs + intervalMs, run);
    };
    line.scheduler.schedule(line.nowMs + intervalMs, run);
  }

  #sampleDepth(): void {
    const line = this.#line;
    const depth = line.queue.size;
    if (depth === this.#lastDepth && line.nowMs - this.#lastDepthMs < HOUR_MS) return;
    this.#lastDepth = depth;
    this.#lastDepthMs = line.nowMs;
    let buffered = 0;
    for (const w of line.pool.workers) buffered += w.local.length;
    const attributes: Record<string, number> = { capacity: line.queue.capacity, saturation_pct: round((100 * depth) / line.queue.capacity, 1), buffered };
    // How long the oldest signal without an outcome has waited: a restarted server looks that far back.
    if (line.config.signals.emitAccepted) {
      const oldest = line.inFlight.values().next();
      attributes['oldest_wait_ms'] = oldest.done === true ? 0 : Math.max(0, Math.round(line.nowMs - oldest.value));
    }
    line.emit('queue.depth', COMPONENTS.queue, { value: depth, attributes });
  }

  #rebalance(): void {
    const line = this.#line;
    const lanes: readonly Lane[] = ['fast', 'slow'];
    for (const lane of lanes) {
      const loads = line.pool.laneWorkers(lane).map(loadOf);
      if (imbalance(loads) <= line.config.workers.rebalanceThreshold) continue;
      const r = line.pool.rebalance(lane);
      if (r.moved === 0) continue;
      line.emit('rebalance.performed', COMPONENTS.pool, {
        attributes: {
          lane,
          moved: r.moved,
          imbalance_before: round(r.imbalanceBefore),
          imbalance_after: round(r.imbalanceAfter),
          balance_before: round(r.balanceBefore),
          balance_after: round(r.balanceAfter),
        },
      });
    }
    line.startIdle();
  }

  /** worker.load: the value is the worker's load (in flight + buffered), with its interval's starts and utilisation. */
  #sampleLoad(): void {
    const line = this.#line;
    const now = line.nowMs;
    const fastStarts: number[] = [];
    for (const w of line.pool.workers) {
      if (!w.alive) continue;
      if (w.lane === 'fast') fastStarts.push(w.startedInInterval);
      const load = loadOf(w);
      const idle = load === 0 && w.startedInInterval === 0;
      if (idle && this.#idleSampled.has(w.name)) continue;
      if (idle) this.#idleSampled.add(w.name);
      else this.#idleSampled.delete(w.name);
      line.emit('worker.load', COMPONENTS.pool, {
        worker: w.name,
        value: load,
        attributes: {
          lane: w.lane,
          in_flight: w.current === undefined ? 0 : 1,
          buffered: w.local.length,
          started: w.startedInInterval,
          utilisation_pct: round(100 * line.pool.utilisation(w, this.#intervalStartMs, now), 1),
          interval_ms: now - this.#intervalStartMs,
        },
      });
    }
    const meanStarts = fastStarts.reduce((a, b) => a + b, 0) / Math.max(1, fastStarts.length);
    this.#loadBalance = meanStarts < MIN_TASKS_FOR_BALANCE ? 1 : loadBalanceCoefficient(fastStarts);
    line.pool.resetInterval(now);
    this.#intervalStartMs = now;
  }
}
