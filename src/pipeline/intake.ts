// The intake: a signal validated, given its ids, gated by the circuit breaker and offered to the queue.

import { eventTypeInfo } from '../evidence/event-types.js';
import { COMPONENTS } from './events.js';
import type { Line } from './line.js';
import { checkSignal, laneOf, type TracedSignal } from './signal.js';
import type { Task } from './task.js';

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
export function submitSignal(line: Line, input: unknown): SubmitResult {
  const { ids, clock } = line.parts;
  const t0 = line.nowMs;
  line.counters.submitted += 1;
  const check = checkSignal(input);
  const signalId = ids.signalId();
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
  const attributes: Record<string, string | number> = { ...described, queue_depth: offer.depth };
  if (gate.probe) attributes['probe'] = 1;
  if (line.config.signals.emitAccepted) line.emitFast({
    type: 'signal.accepted',
    timeMs: Math.floor(t0),
    component: COMPONENTS.intake,
    pillar: ACCEPTED_PILLAR,
    signalId,
    traceId,
    spanId,
    attributes,
  });
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
