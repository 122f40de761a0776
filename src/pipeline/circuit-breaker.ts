// Jidoka: the circuit breaker that stops the line on repeated failures, and the dead-letter list.

import { Deque } from './deque.js';

/** The breaker's state: closed lets calls through, open fails fast, half-open lets probes through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** How the breaker trips and recovers. */
export interface BreakerOptions {
  /** Failures within the window that open the circuit (TPS_CB_THRESHOLD, default 5). */
  readonly failureThreshold: number;
  /**
   * The failure fraction (0..1) of the window's calls that must also be reached; 0 trips on the
   * count alone. A count alone trips on background errors once traffic is high enough (0.1 % of
   * 100 calls/s is 6 failures a minute), so the default asks for both.
   */
  readonly failureRateThreshold: number;
  /** Calls the window must hold before the circuit can trip. */
  readonly minimumCalls: number;
  /** The sliding window over which failures are counted. */
  readonly windowMs: number;
  /** How long the circuit stays open before it lets probes through (TPS_CB_TIMEOUT, default 30 s). */
  readonly resetTimeoutMs: number;
  /** Probe calls let through while half-open; that many successes close the circuit. */
  readonly halfOpenProbes: number;
}

/** A change of state, with why it happened. */
export interface Transition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly atMs: number;
  readonly reason: 'failure-threshold' | 'reset-timeout' | 'probes-succeeded' | 'probe-failed';
  /** The window's counts when the transition was decided. */
  readonly calls: number;
  readonly failures: number;
}

/** Whether a new signal may enter: in half-open only a limited number of probes may. */
export type Admission =
  | { readonly admitted: true; readonly probe: boolean }
  | { readonly admitted: false; readonly reason: 'circuit-open' | 'circuit-half-open' };

/** What recording a call result did: whether it counted as a failure and any transition. */
export interface RecordResult {
  readonly counted: boolean;
  readonly transition: Transition | undefined;
}

const NOTHING: RecordResult = { counted: false, transition: undefined };

/**
 * A circuit breaker as a pure state machine: every method takes the current time and returns what
 * changed; it holds no timers. Call results carry the `epoch` in which their call started, so a
 * late result of a call made before a transition does not move the new state.
 */
export class CircuitBreaker {
  readonly options: BreakerOptions;
  #state: CircuitState = 'closed';
  #epoch = 0;
  #openedAtMs = 0;
  #probesAdmitted = 0;
  #probeSuccesses = 0;
  readonly #window = new Deque<{ atMs: number; failed: boolean }>();
  #windowFailures = 0;

  constructor(options: BreakerOptions) {
    this.options = options;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Increases on every transition; calls record the epoch they started in. */
  get epoch(): number {
    return this.#epoch;
  }

  /** When the open circuit will turn half-open, or undefined when it is not open. */
  get reopensAtMs(): number | undefined {
    return this.#state === 'open' ? this.#openedAtMs + this.options.resetTimeoutMs : undefined;
  }

  /** The gate at the front of the line. */
  admit(): Admission {
    if (this.#state === 'closed') return { admitted: true, probe: false };
    if (this.#state === 'open') return { admitted: false, reason: 'circuit-open' };
    if (this.#probesAdmitted >= this.options.halfOpenProbes) return { admitted: false, reason: 'circuit-half-open' };
    this.#probesAdmitted += 1;
    return { admitted: true, probe: true };
  }

  /** Gives back a probe slot whose signal never reached a worker (it was refused further on). */
  releaseProbe(): void {
    if (this.#state === 'half-open' && this.#probesAdmitted > 0) this.#probesAdmitted -= 1;
  }

  /** Whether a worker may call the downstream now (closed; or half-open for an admitted probe). */
  permitsCall(probe: boolean): boolean {
    return this.#state === 'closed' || (this.#state === 'half-open' && probe);
  }

  /** Failures and calls in the sliding window ending at `nowMs`. */
  windowCounts(nowMs: number): { calls: number; failures: number } {
    this.#evict(nowMs);
    return { calls: this.#window.length, failures: this.#windowFailures };
  }

  /** Records the result of a downstream call that started in `epoch`. */
  record(nowMs: number, failed: boolean, epoch: number): RecordResult {
    if (epoch !== this.#epoch || this.#state === 'open') return NOTHING;
    if (this.#state === 'half-open') {
      if (failed) return { counted: true, transition: this.#open(nowMs, 'probe-failed') };
      this.#probeSuccesses += 1;
      if (this.#probeSuccesses < this.options.halfOpenProbes) return NOTHING;
      return { counted: false, transition: this.#move('closed', nowMs, 'probes-succeeded') };
    }
    this.#window.push({ atMs: nowMs, failed });
    if (failed) this.#windowFailures += 1;
    this.#evict(nowMs);
    if (!failed) return NOTHING;
    return { counted: true, transition: this.#tripIfDue(nowMs) };
  }

  /** Moves an open circuit to half-open once its reset timeout has passed. */
  tick(nowMs: number): Transition | undefined {
    const due = this.reopensAtMs;
    if (due === undefined || nowMs < due) return undefined;
    return this.#move('half-open', nowMs, 'reset-timeout');
  }

  #tripIfDue(nowMs: number): Transition | undefined {
    const { failureThreshold, failureRateThreshold, minimumCalls } = this.options;
    const calls = this.#window.length;
    const failures = this.#windowFailures;
    if (calls < minimumCalls || failures < failureThreshold || failures / calls < failureRateThreshold) return undefined;
    return this.#open(nowMs, 'failure-threshold');
  }

  #open(nowMs: number, reason: Transition['reason']): Transition {
    this.#openedAtMs = nowMs;
    return this.#move('open', nowMs, reason);
  }

  #move(to: CircuitState, nowMs: number, reason: Transition['reason']): Transition {
    const transition: Transition = {
      from: this.#state,
      to,
      atMs: nowMs,
      reason,
      calls: this.#window.length,
      failures: this.#windowFailures,
    };
    this.#state = to;
    this.#epoch += 1;
    this.#probesAdmitted = 0;
    this.#probeSuccesses = 0;
    // Each state counts afresh: the window of a closed circuit starts empty.
    this.#window.clear();
    this.#windowFailures = 0;
    return transition;
  }

  #evict(nowMs: number): void {
    const from = nowMs - this.options.windowMs;
    for (let head = this.#window.peek(); head !== undefined && head.atMs <= from; head = this.#window.peek()) {
      this.#window.shift();
      if (head.failed) this.#windowFailures -= 1;
    }
  }
}

/** A signal the pipeline refused, kept with its reason. */
export interface DeadLetter {
  readonly timeMs: number;
  readonly signalId: string;
  readonly reason: string;
  readonly input: unknown;
}

/** The dead-letter list: the most recent refused signals (bounded) and how many there were in all. */
export class DeadLetterList {
  readonly max: number;
  readonly #items = new Deque<DeadLetter>();
  #total = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** Keeps a refused signal, dropping the oldest kept one when full. */
  add(letter: DeadLetter): void {
    this.#total += 1;
    if (this.max === 0) return;
    if (this.#items.length >= this.max) this.#items.shift();
    this.#items.push(letter);
  }

  /** Refused signals ever added. */
  get total(): number {
    return this.#total;
  }

  /** The kept letters, oldest first. */
  list(): DeadLetter[] {
    return this.#items.toArray();
  }
}
