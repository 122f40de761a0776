// Safe retries of POST /signal: an Idempotency-Key header (or the client's own signal_id) binds
// to the signal first accepted under it, for a window; a retry gets that signal's answer and adds
// nothing. The keys live in the signal.accepted receipts too, so a restart remembers them.

import { KaizenError, quoteInput } from '../errors.js';
import type { Signal } from '../pipeline/signal.js';
import { laneOf } from '../pipeline/signal.js';

/** A signal accepted under a key or a client id. */
export interface RememberedSignal {
  readonly signalId: string;
  readonly traceId: string;
  readonly acceptedMs: number;
  /** The Idempotency-Key it was accepted under. */
  readonly key?: string;
  /** True when the client chose the signal id. */
  readonly clientId: boolean;
  /** Its fields (see fingerprintOfSignal): a retry with other fields is refused. */
  readonly fingerprint: string;
  /** The queue depth its first answer gave, when this process gave it. */
  readonly queueDepth?: number;
}

/** A key (or client id) in the form a client may send: 1–200 printable ASCII characters. */
const KEY_PATTERN = /^[!-~]{1,200}$/;

/** Checks an Idempotency-Key header's value. */
export function checkIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !KEY_PATTERN.test(value)) {
    throw new KaizenError('KZN_REQUEST_INVALID', `Idempotency-Key: expected one value of 1–200 printable ASCII characters without spaces, got ${quoteInput(String(value))}`);
  }
  return value;
}

/** What a retry must match: the signal's fields as its accepted receipt records them. */
export function fingerprintOfAttributes(a: Readonly<Record<string, string | number>>): string {
  return [a['signal_type'], a['priority'], a['lane'], a['timeout_ms'] ?? '', a['latency_ms'] ?? ''].join('|');
}

/** The fields of a signal that a retry must repeat, in the form its accepted receipt records them. */
export function fingerprintOfSignal(s: Signal): string {
  return fingerprintOfAttributes({
    signal_type: s.signalType,
    priority: s.priority,
    lane: laneOf(s),
    ...(s.timeoutMs !== undefined && { timeout_ms: s.timeoutMs }),
    ...(s.latencyMs !== undefined && { latency_ms: s.latencyMs }),
  });
}

/**
 * The keys and client ids of the signals accepted within the window, oldest first. At most
 * `capacity` are kept (the oldest are forgotten first) so that memory stays bounded.
 */
export class IdempotencyKeys {
  readonly windowMs: number;
  readonly capacity: number;
  readonly #byKey = new Map<string, RememberedSignal>();

  constructor(windowMs: number, capacity = 1_000_000) {
    this.windowMs = windowMs;
    this.capacity = capacity;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** The signal accepted under this key or client id, if it is within the window. */
  find(key: string | undefined, clientId: string | undefined, nowMs: number): RememberedSignal | undefined {
    this.#forgetBefore(nowMs - this.windowMs);
    return (key === undefined ? undefined : this.#byKey.get(`key:${key}`)) ?? (clientId === undefined ? undefined : this.#byKey.get(`id:${clientId}`));
  }

  remember(s: RememberedSignal): void {
    if (s.key !== undefined) this.#set(`key:${s.key}`, s);
    if (s.clientId) this.#set(`id:${s.signalId}`, s);
  }

  #set(name: string, s: RememberedSignal): void {
    this.#byKey.delete(name);
    this.#byKey.set(name, s);
    if (this.#byKey.size > this.capacity) this.#byKey.delete(this.#byKey.keys().next().value as string);
  }

  #forgetBefore(ms: number): void {
    for (const [name, s] of this.#byKey) {
      if (s.acceptedMs >= ms) return;
      this.#byKey.delete(name);
    }
  }
}
