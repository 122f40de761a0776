// A task: an accepted signal on its way through the queue and a worker, with its timings so far.

import type { QueueItem } from './kanban-queue.js';
import type { Lane, Priority, TracedSignal } from './signal.js';

/** One accepted signal's work. Mutable fields change as it is started (and restarted after a crash). */
export interface Task extends QueueItem {
  readonly signal: TracedSignal;
  readonly priority: Priority;
  readonly lane: Lane;
  /** When the signal arrived, and how long receiving and enqueueing it took. */
  readonly arrivalMs: number;
  readonly receiveMs: number;
  readonly enqueueMs: number;
  /** When it entered the queue (arrival + receive + enqueue). */
  readonly enqueuedMs: number;
  /** Admitted as a probe of a half-open circuit. */
  readonly probe: boolean;
  /** Starts so far; a crash leaves the count, so a stale completion can be told apart. */
  attempt: number;
}

/** How a started task ends. */
export interface TaskOutcome {
  readonly ok: boolean;
  readonly processMs: number;
  readonly jidokaCheckMs: number;
  readonly recordMs: number;
  readonly reason?: string;
  readonly causedBy?: string;
  /** True when the result is the downstream's and so counts for the circuit breaker. */
  readonly calledDownstream: boolean;
  /** The breaker epoch the call started in. */
  readonly epoch: number;
}
