// The intake: a signal validated, given its ids, gated by the circuit breaker and offered to the queue.

import { eventTypeInfo } from '../evidence/event-types.js';
import { COMPONENTS } from './events.js';
import type { Line } from './line.js';
import { checkSignal, type Lane, laneOf, type Priority, type SignalType, type TracedSignal } from './signal.js';
import type { Task } from './task.js';

/** What the caller adds to a signal: an id of its own, and the key that makes a retry safe. */
export interface SubmitOptions {
  /** The client's own signal id (in place of a generated one). */
  readonly signalId?: string;
  /** Recorded in the signal.accepted receipt so that the key outlives a restart. */
  readonly idempotencyKey?: string;
}

/** Why a signal was refused at the door. */
export type RejectReason = 'invalid-signal' | 'circuit-open' | 'circuit-half-open' | 'queue-full';

/** The answer to a submitted signal: accepted into the queue, or refused with a reason. */
export type SubmitResult =
  | { readonly accepted: true; readonly signalId: string; readonly traceId: string; readonly queueDepth: number }
  | {
      readonly accepted: false;
      readonly signalId: string;
      readonly traceId: string;
      readonly reason: RejectReason;
      /** For an invalid signal: which field was wrong and what was expected. */
      readonly detail?: string;
    };

const ACCEPTED_PILLAR = eventTypeInfo('signal.accepted').pillar;

/**
 * Takes a signal at the line's current time: validate it, pass the Jidoka gate, offer it to the
 * queue, and let the workers pull. Every refusal is a signal.rejected receipt and a dead letter.
 */
export function submitSignal(line: Line, input: unknown, options: SubmitOptions = {}): SubmitResult {
  const { ids, clock } = line.parts;
  const t0 = line.nowMs;
  line.counters.submitted += 1;
  const check = checkSignal(input);
  const signalId = options.signalId ?? ids.signalId();
  const traceId = ids.traceId();
  const spanId = ids.spanId();
  const ref = { signalId, traceId, spanId };
  if (!check.ok) return reject(line, ref, input, 'invalid-signal', undefined, check.reason);
  const c = check.signal;
  const signal: TracedSignal = {
    signalType: c.signalType,
    priority: c.priority,
    payload: c.payload,
    timeoutMs: c.timeoutMs,
    workType: c.workType,
    latencyMs: c.latencyMs,
    id: signalId,
    traceId,
    spanId,
  };
  const lane = laneOf(signal);
  const described = { signal_type: signal.signalType, priority: signal.priority, lane };
  if (line.config.signals.emitReceived) line.emit('signal.received', COMPONENTS.intake, { ...ref, attributes: described });
  const t1 = Math.max(clock.now(), t0);
  const gate = line.breaker.admit();
  if (!gate.admitted) return reject(line, ref, input, gate.reason, described);
  const t2 = Math.max(clock.now(), t1);
  const task: Task = {
    signal,
    priority: signal.priority,
    lane,
    arrivalMs: t0,
    receiveMs: t1 - t0,
    enqueueMs: t2 - t1,
    enqueuedMs: t2,
    probe: gate.probe,
    attempt: 0,
  };
  const offer = line.queue.offer(task);
  if (!offer.accepted) {
    if (gate.probe) line.breaker.releaseProbe();
    return reject(line, ref, input, 'queue-full', described);
  }
  line.counters.accepted += 1;
  if (offer.depth === 1) line.lastQueueProgressMs = line.nowMs;
  if (line.config.signals.emitAccepted) {
    const attributes: Record<string, string | number> = { ...described, queue_depth: offer.depth };
    if (gate.probe) attributes['probe'] = 1;
    // What a restarted server needs to queue the signal again (recovery.ts) or to answer a retry.
    line.inFlight.set(signalId, t0);
    if (signal.timeoutMs !== undefined) attributes['timeout_ms'] = signal.timeoutMs;
    if (signal.latencyMs !== undefined) attributes['latency_ms'] = signal.latencyMs;
    if (options.idempotencyKey !== undefined) attributes['idempotency_key'] = options.idempotencyKey;
    if (options.signalId !== undefined) attributes['client_id'] = 1;
    line.emitFast({ type: 'signal.accepted', timeMs: Math.floor(t0), component: COMPONENTS.intake, pillar: ACCEPTED_PILLAR, signalId, traceId, spanId, attributes });
  }
  line.pump();
  return { accepted: true, signalId, traceId, queueDepth: line.queue.size };
}

function reject(
  line: Line,
  ref: { signalId: string; traceId: string; spanId: string },
  input: unknown,
  reason: RejectReason,
  described: Record<string, string | number> | undefined,
  detail?: string,
): SubmitResult {
  line.counters.rejected += 1;
  const causedBy = reason === 'circuit-open' || reason === 'circuit-half-open' ? line.lastOpenedId : undefined;
  const attributes = { ...described, ...(detail !== undefined && { detail: detail.slice(0, 300) }) };
  line.emit('signal.rejected', COMPONENTS.intake, { ...ref, reason, causedBy, attributes });
  line.deadLetters.add({ timeMs: line.nowMs, signalId: ref.signalId, reason: detail ?? reason, input });
  return {
    accepted: false,
    signalId: ref.signalId,
    traceId: ref.traceId,
    reason,
    ...(detail !== undefined && { detail }),
  };
}

/** An accepted signal that had no outcome when the server stopped, as its signal.accepted receipt tells it. */
export interface UnfinishedSignal {
  readonly signalId: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly acceptedMs: number;
  readonly signalType: SignalType;
  readonly priority: Priority;
  readonly lane: Lane;
  readonly timeoutMs?: number;
  readonly latencyMs?: number;
}

/** What recovery did with an unfinished signal. */
export type RecoveryAction = 'requeued' | 'abandoned';

/**
 * Takes an unfinished signal back after a restart: queued again (a signal.recovered receipt) while
 * it is within its timeout and the queue has room, else closed with a signal.abandoned receipt,
 * which is its outcome. Either way its reason is crash-recovery; the breaker is not asked, since
 * the signal was admitted before. `deadlineMs` is when its time is up (its timeout, or the
 * server's recovery window for a signal without one).
 */
export function recoverSignal(line: Line, u: UnfinishedSignal, deadlineMs: number): RecoveryAction {
  const ref = { signalId: u.signalId, traceId: u.traceId, spanId: u.spanId };
  const described = { signal_type: u.signalType, priority: u.priority, lane: u.lane };
  const waited = { waited_ms: Math.max(0, Math.round(line.nowMs - u.acceptedMs)) };
  if (line.nowMs < deadlineMs && !line.queue.isFull) {
    const payload: Record<string, unknown> = { type: u.lane === 'slow' ? 'slow' : 'quick' };
    if (u.latencyMs !== undefined) payload['latency_ms'] = u.latencyMs;
    const signal: TracedSignal = {
      signalType: u.signalType,
      priority: u.priority,
      payload,
      timeoutMs: u.timeoutMs,
      workType: u.lane === 'slow' ? 'slow' : 'quick',
      latencyMs: u.latencyMs,
      id: u.signalId,
      traceId: u.traceId,
      spanId: u.spanId,
    };
    // The signal keeps its first arrival: its latency and its timeout count the time it was down.
    const task: Task = { signal, priority: u.priority, lane: u.lane, arrivalMs: u.acceptedMs, receiveMs: 0, enqueueMs: 0, enqueuedMs: line.nowMs, probe: false, attempt: 0 };
    line.queue.offer(task);
    line.inFlight.set(u.signalId, u.acceptedMs);
    line.emit('signal.recovered', COMPONENTS.intake, { ...ref, reason: 'crash-recovery', attributes: { ...described, ...waited } });
    return 'requeued';
  }
  const why = line.nowMs >= deadlineMs ? 'past-timeout' : 'queue-full';
  line.emit('signal.abandoned', COMPONENTS.intake, { ...ref, reason: 'crash-recovery', attributes: { ...described, ...waited, because: why } });
  return 'abandoned';
}
