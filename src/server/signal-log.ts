// The recent signals of the live pipeline: each one's state and outcome, for GET /signal/:id and
// for POST /signal?wait=true, which waits for the outcome.

import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { hourKey } from '../evidence/time.js';
import type { SubmitResult, UnfinishedSignal } from '../pipeline/intake.js';

export type SignalState = 'queued' | 'completed' | 'failed' | 'rejected' | 'abandoned';

/** What the server knows of one signal. */
export interface SignalRecord {
  readonly id: string;
  readonly traceId: string;
  state: SignalState;
  readonly submittedMs: number;
  /** The UTC hour the signal's receipts start in. */
  readonly hour: string;
  reason?: string;
  /** From arrival to outcome, ms. */
  durationMs?: number;
  /** The outcome's stage timings, ms (receive_ms, enqueue_ms, queue_wait_ms, process_ms, …). */
  stages?: Record<string, number>;
  worker?: string;
  attempts?: number;
  finishedMs?: number;
}

interface Waiter {
  readonly resolve: (record: SignalRecord) => void;
  readonly timer: NodeJS.Timeout;
}

/** Stage timings from an outcome's attributes: `stage_queue_wait_ms` → `queue_wait_ms`. */
export function stagesOf(attributes: KaizenEvent['attributes']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(attributes ?? {})) if (k.startsWith('stage_') && typeof v === 'number') out[k.slice(6)] = v;
  return out;
}

/**
 * The last `capacity` signals, oldest forgotten first. Waiters are told of the outcome as soon as
 * its event is emitted.
 */
export class SignalLog {
  readonly capacity: number;
  readonly #records = new Map<string, SignalRecord>();
  readonly #waiters = new Map<string, Waiter[]>();

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  /** Notes a signal as the pipeline answered it. */
  submitted(result: SubmitResult, atMs: number): SignalRecord {
    const record: SignalRecord = {
      id: result.signalId,
      traceId: result.traceId,
      state: result.accepted ? 'queued' : 'rejected',
      submittedMs: atMs,
      hour: hourKey(atMs),
      ...(!result.accepted && { reason: result.reason }),
    };
    this.#add(record);
    return record;
  }

  #add(record: SignalRecord): void {
    this.#records.set(record.id, record);
    if (this.#records.size > this.capacity) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  /** Notes a signal the server before this one accepted and left without an outcome. */
  recovered(u: UnfinishedSignal, requeued: boolean, atMs: number): void {
    this.#add({ id: u.signalId, traceId: u.traceId, state: requeued ? 'queued' : 'abandoned', submittedMs: u.acceptedMs, hour: hourKey(u.acceptedMs), ...(!requeued && { reason: 'crash-recovery', finishedMs: atMs }) });
  }

  /** Sees every event: task outcomes (and abandonment) settle their signal. */
  observe(event: KaizenEvent): void {
    if (event.type !== 'task.completed' && event.type !== 'task.failed' && event.type !== 'signal.abandoned') return;
    const id = event.signalId;
    const record = id === undefined ? undefined : this.#records.get(id);
    if (record === undefined) return;
    record.state = event.type === 'task.completed' ? 'completed' : event.type === 'task.failed' ? 'failed' : 'abandoned';
    record.finishedMs = event.timeMs;
    if (event.value !== undefined) record.durationMs = event.value;
    if (event.reason !== undefined) record.reason = event.reason;
    if (event.worker !== undefined) record.worker = event.worker;
    const attempts = event.attributes?.['attempts'];
    if (typeof attempts === 'number') record.attempts = attempts;
    record.stages = stagesOf(event.attributes);
    const waiters = this.#waiters.get(record.id);
    if (waiters === undefined) return;
    this.#waiters.delete(record.id);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.resolve(record);
    }
  }

  get(id: string): SignalRecord | undefined {
    return this.#records.get(id);
  }

  /** Resolves with the signal's outcome; rejects with KZN_WAIT_TIMEOUT after `timeoutMs`. */
  outcome(id: string, timeoutMs: number): Promise<SignalRecord> {
    const record = this.#records.get(id);
    if (record === undefined) return Promise.reject(new KaizenError('KZN_NOT_FOUND', `no recent signal ${id}`));
    if (record.state !== 'queued') return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.#waiters.get(id)?.filter((w) => w.timer !== timer) ?? [];
        if (list.length === 0) this.#waiters.delete(id);
        else this.#waiters.set(id, list);
        reject(
          new KaizenError('KZN_WAIT_TIMEOUT', `signal ${id} had no outcome within ${timeoutMs} ms`, {
            hint: `It is still queued or running: GET /signal/${id} shows its state.`,
          }),
        );
      }, timeoutMs);
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, timer });
      this.#waiters.set(id, list);
    });
  }

  /** Stops every wait (the server is closing). */
  close(): void {
    for (const list of this.#waiters.values()) for (const w of list) clearTimeout(w.timer);
    this.#waiters.clear();
  }
}
