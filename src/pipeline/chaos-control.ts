// Applying chaos to the line: each switch a receipt, a crashed worker's work requeued, faults timed.

import { type ActiveChaos, type ChaosResult, type ChaosSpec, chaosAttributes } from './chaos.js';
import { COMPONENTS } from './events.js';
import type { Line } from './line.js';
import type { Task } from './task.js';
import type { Worker } from './worker-pool.js';

/** The worker a crash takes down: the named one, or the busiest live fast-lane worker. */
function crashTarget(line: Line, name: string | undefined): Worker<Task> | string {
  if (name !== undefined) {
    const w = line.pool.byName(name);
    if (w === undefined) {
      const names = line.pool.workers.map((x) => x.name);
      return `worker: expected one of ${names.join(', ')}, got "${name}"`;
    }
    return w.alive ? w : `worker: ${name} is already down`;
  }
  const alive = line.pool.workers.filter((w) => w.alive);
  const pick = alive.find((w) => w.lane === 'fast') ?? alive[0];
  return pick ?? 'worker: every worker is already down';
}

/**
 * Switches a fault on at the line's current time. A worker crash takes the worker down at once and
 * requeues its work; with `restartAfterMs` the worker comes back (and the fault clears) by itself.
 */
export function injectChaos(line: Line, spec: ChaosSpec, evaluate: () => void): ChaosResult {
  const target = spec.kind === 'worker-crash' ? crashTarget(line, spec.worker) : undefined;
  if (typeof target === 'string') return { ok: false, reason: target };
  const id = line.parts.ids.eventId('chaos');
  const now = line.nowMs;
  line.emit('chaos.injected', COMPONENTS.chaos, { id, reason: spec.kind, attributes: chaosAttributes(spec, target?.name) });
  const chaos: ActiveChaos = { id, spec, startMs: now, ...(target !== undefined && { worker: target.name }) };
  line.chaos.add(chaos);
  line.andon.faultStarted(id, spec.kind, now);
  if (target !== undefined && spec.kind === 'worker-crash') {
    const orphans = line.pool.crash(target, now);
    const crashId = line.parts.ids.eventId('worker-crashed');
    line.crashIds.set(target.name, crashId);
    line.lastCrashId = crashId;
    line.emit('worker.crashed', COMPONENTS.pool, {
      id: crashId,
      worker: target.name,
      causedBy: id,
      reason: 'chaos',
      attributes: { lane: target.lane, requeued: orphans.length },
    });
    line.requeue(orphans);
    if (spec.restartAfterMs !== undefined) line.scheduler.schedule(now + spec.restartAfterMs, () => clearChaos(line, id, evaluate));
  }
  line.pump();
  evaluate();
  return { ok: true, id };
}

/** Switches a fault off; false when no fault with that id is on. */
export function clearChaos(line: Line, id: string, evaluate: () => void): boolean {
  const chaos = line.chaos.remove(id);
  if (chaos === undefined) return false;
  const now = line.nowMs;
  const worker = chaos.worker === undefined ? undefined : line.pool.byName(chaos.worker);
  if (worker !== undefined && !worker.alive) {
    line.pool.restart(worker, now);
    line.emit('worker.activated', COMPONENTS.pool, {
      worker: worker.name,
      causedBy: line.crashIds.get(worker.name),
      reason: 'restarted',
      attributes: { lane: worker.lane },
    });
    line.crashIds.delete(worker.name);
  }
  line.emit('chaos.cleared', COMPONENTS.chaos, {
    reason: chaos.spec.kind,
    causedBy: id,
    attributes: { ...chaosAttributes(chaos.spec, chaos.worker), duration_ms: now - chaos.startMs },
  });
  line.andon.faultEnded(id, now);
  line.pump();
  evaluate();
  return true;
}
