// The pipeline in real time: the wall clock, a timer that wakes the pipeline when its next action
// is due, and every event journaled through the evidence writer.

import { randomInt } from 'node:crypto';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS } from '../evidence/time.js';
import type { ChaosResult, ChaosSpec } from '../pipeline/chaos.js';
import type { Clock } from '../pipeline/clock.js';
import { DEFAULT_CONFIG, type PipelineConfig } from '../pipeline/config.js';
import type { Downstream } from '../pipeline/downstream.js';
import { type IdGenerator, seededIds } from '../pipeline/ids.js';
import type { SubmitResult } from '../pipeline/intake.js';
import { createPipeline, type Pipeline, type PipelineStatus } from '../pipeline/pipeline.js';
import { deriveSeed, Random } from '../pipeline/random.js';
import { checkSignal } from '../pipeline/signal.js';
import { EvidenceWriter, type EvidenceWriterOptions } from './evidence-writer.js';
import { fingerprintOfSignal, IdempotencyKeys, type RememberedSignal } from './idempotency.js';
import { LiveStats } from './live-stats.js';
import { scanForRecovery } from './recovery.js';
import { SignalLog } from './signal-log.js';
import type { StoreGate } from './store-gate.js';

/** The wall clock, in UTC epoch milliseconds. */
export const wallClock: Clock = { now: () => Date.now() };

export interface LivePipelineOptions {
  readonly store: EvidenceStore;
  readonly gate: StoreGate;
  readonly config?: PipelineConfig;
  readonly clock?: Clock;
  /** Seeds the ids and the simulated downstream; drawn at random unless given. */
  readonly seed?: number;
  readonly downstream?: Downstream;
  readonly writer?: Omit<EvidenceWriterOptions, 'store' | 'gate'>;
  /** Sees every event as it is emitted (traces). */
  readonly onEvent?: (event: KaizenEvent) => void;
  /** How many recent signals GET /signal/:id remembers. */
  readonly signalMemory?: number;
  /** How long an Idempotency-Key (or a client's signal id) is remembered, ms (default 1 h). */
  readonly idempotencyWindowMs?: number;
  /**
   * Journal each acceptance (a signal.accepted receipt) and answer 202 only once it is on disk
   * (default true). False is for measuring what that costs: a crash may then lose accepted
   * signals, and a restart cannot take them back.
   */
  readonly durableAcceptance?: boolean;
}

/** What the start found left open by the server before it, and what it did with it. */
export interface RecoveryReport {
  readonly requeued: number;
  readonly abandoned: number;
  readonly keysRemembered: number;
  readonly hoursScanned: number;
}

/** The answer to a submit: the pipeline's, or, for a retry, the first answer given under its key. */
export type LiveSubmitResult = SubmitResult & { readonly replayed?: boolean };

/**
 * Owns a Pipeline and drives it with the wall clock: every call first advances it to now, and a
 * single timer is kept armed for the earliest of the pipeline's next due action and the next hour
 * boundary (so that an idle hour still closes and is rolled up).
 */
export class LivePipeline {
  readonly pipeline: Pipeline;
  readonly writer: EvidenceWriter;
  readonly signals: SignalLog;
  readonly stats: LiveStats;
  readonly clock: Clock;
  readonly startedMs: number;
  readonly keys: IdempotencyKeys;
  readonly durableAcceptance: boolean;
  readonly #store: EvidenceStore;
  readonly #gate: StoreGate;
  #recovery: RecoveryReport | undefined;
  readonly #ids: IdGenerator;
  #traceId: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #armedForMs = Number.POSITIVE_INFINITY;
  #running = false;
  readonly #listeners = new Set<(event: KaizenEvent) => void>();

  constructor(options: LivePipelineOptions) {
    this.clock = options.clock ?? wallClock;
    this.startedMs = this.clock.now();
    const seed = options.seed ?? randomInt(2 ** 32);
    const base = options.config ?? DEFAULT_CONFIG;
    // The server answers 202 only once the signal.accepted receipt is journaled.
    this.durableAcceptance = options.durableAcceptance ?? true;
    const config: PipelineConfig = { ...base, signals: { ...base.signals, emitAccepted: this.durableAcceptance } };
    this.writer = new EvidenceWriter({ store: options.store, gate: options.gate, ...options.writer });
    this.signals = new SignalLog(options.signalMemory);
    this.keys = new IdempotencyKeys(options.idempotencyWindowMs ?? HOUR_MS);
    this.#store = options.store;
    this.#gate = options.gate;
    this.stats = new LiveStats(config.timing.windowMs);
    const seeded = seededIds(deriveSeed(seed, 2));
    // A signal submitted over HTTP carries the request's trace id into its receipts.
    this.#ids = { ...seeded, traceId: () => this.#traceId ?? seeded.traceId() };
    const onEvent = options.onEvent;
    this.pipeline = createPipeline({
      clock: this.clock,
      config,
      seed,
      ids: this.#ids,
      random: new Random(deriveSeed(seed, 3)),
      ...(options.downstream !== undefined && { downstream: options.downstream }),
      sink: (event) => {
        this.writer.push(event);
        this.signals.observe(event);
        this.stats.observe(event);
        for (const listener of this.#listeners) listener(event);
        onEvent?.(event);
      },
    });
  }

  /** Tells `listener` of every event (the metrics registry); returns the unsubscribe. */
  onEvent(listener: (event: KaizenEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get config(): PipelineConfig {
    return this.pipeline.config;
  }

  /** What the start recovered (undefined before start). */
  get recovery(): RecoveryReport | undefined {
    return this.#recovery;
  }

  /**
   * Loads the current hour, takes back what the server before this one left open (every accepted
   * signal without an outcome is queued again or abandoned; recent idempotency keys are
   * remembered), and starts the clock.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    const nowMs = this.clock.now();
    await this.writer.open(nowMs);
    const scan = await scanForRecovery(this.#store, this.#gate, { nowMs, keyWindowMs: this.keys.windowMs });
    for (const r of scan.remembered) this.keys.remember(r);
    const { defaultTimeoutMs } = this.config.signals;
    const actions = this.pipeline.recover(scan.unfinished, (u) => u.acceptedMs + (u.timeoutMs ?? defaultTimeoutMs ?? Number.POSITIVE_INFINITY));
    scan.unfinished.forEach((u, i) => {
      this.signals.recovered(u, actions[i] === 'requeued', this.clock.now());
    });
    const requeued = actions.filter((a) => a === 'requeued').length;
    this.#recovery = { requeued, abandoned: actions.length - requeued, keysRemembered: this.keys.size, hoursScanned: scan.hoursScanned };
    this.#running = true;
    this.pipeline.start();
    this.#tick();
  }

  /**
   * Takes a signal now; `traceId` (from the request's traceparent) becomes the signal's trace id.
   * With an idempotency key or a client signal id already used within the window, nothing is
   * submitted: the answer is the first one's, marked replayed (a retry with other fields is refused).
   */
  submit(input: unknown, traceId?: string, retry: { key?: string; clientId?: string } = {}): LiveSubmitResult {
    const { key, clientId } = retry;
    const nowMs = this.clock.now();
    const check = key === undefined && clientId === undefined ? undefined : checkSignal(input);
    if (check?.ok === true) {
      const fingerprint = fingerprintOfSignal(check.signal);
      const first = this.keys.find(key, clientId, nowMs);
      if (first !== undefined) return this.#replay(first, fingerprint, key, clientId);
    }
    this.#traceId = traceId;
    try {
      const result = this.pipeline.submit(input, { ...(clientId !== undefined && { signalId: clientId }), ...(key !== undefined && { idempotencyKey: key }) });
      this.signals.submitted(result, nowMs);
      if (result.accepted && check?.ok === true) {
        this.keys.remember({
          signalId: result.signalId,
          traceId: result.traceId,
          acceptedMs: nowMs,
          ...(key !== undefined && { key }),
          clientId: clientId !== undefined,
          fingerprint: fingerprintOfSignal(check.signal),
          queueDepth: result.queueDepth,
        });
      }
      return result;
    } finally {
      this.#traceId = undefined;
      this.#arm();
    }
  }

  #replay(first: RememberedSignal, fingerprint: string, key: string | undefined, clientId: string | undefined): LiveSubmitResult {
    const named = key !== undefined ? `Idempotency-Key ${JSON.stringify(key)}` : `signal_id ${JSON.stringify(clientId)}`;
    if (first.fingerprint !== fingerprint) {
      throw new KaizenError('KZN_IDEMPOTENCY_CONFLICT', `${named} was first used for a signal with other fields (signal ${first.signalId})`, {
        hint: 'A retry must repeat the first request; use a new key for a new signal.',
      });
    }
    if (clientId !== undefined && first.signalId !== clientId) {
      throw new KaizenError('KZN_IDEMPOTENCY_CONFLICT', `${named} was first used for signal ${first.signalId}, not ${clientId}`);
    }
    return { accepted: true, signalId: first.signalId, traceId: first.traceId, queueDepth: first.queueDepth ?? this.pipeline.status().queue.depth, replayed: true };
  }

  /** A snapshot at the current time. */
  status(): PipelineStatus {
    this.#advance();
    return this.pipeline.status();
  }

  injectChaos(spec: ChaosSpec): ChaosResult {
    const r = this.pipeline.injectChaos(spec);
    this.#arm();
    return r;
  }

  /** Clears one fault, or every fault when no id is given; returns the ids cleared. */
  clearChaos(id?: string): string[] {
    const ids = id === undefined ? this.pipeline.status().chaos.map((c) => c.id) : [id];
    const cleared = ids.filter((x) => this.pipeline.clearChaos(x));
    this.#arm();
    return cleared;
  }

  /** Resolves once every event emitted so far is journaled. */
  durable(): Promise<void> {
    return this.writer.durable();
  }

  /** Stops the clock and journals what is buffered. */
  async stop(): Promise<void> {
    if (this.#running) this.#advance();
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.signals.close();
    await this.writer.close();
  }

  #advance(): void {
    const now = this.clock.now();
    this.pipeline.advance(now);
    this.writer.advanceTo(now);
  }

  #tick(): void {
    this.#timer = undefined;
    this.#armedForMs = Number.POSITIVE_INFINITY;
    if (!this.#running) return;
    this.#advance();
    this.#arm();
  }

  /** Keeps the timer armed for the earliest thing due. */
  #arm(): void {
    if (!this.#running) return;
    const now = this.clock.now();
    const nextHourMs = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    const due = Math.min(this.pipeline.nextDueMs() ?? nextHourMs, nextHourMs);
    if (due >= this.#armedForMs) return;
    clearTimeout(this.#timer);
    this.#armedForMs = due;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.ceil(due - now)));
  }
}
