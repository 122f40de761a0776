// Journals the live pipeline's events: buffered, appended in group commits, and each hour rolled
// up as it closes. No raw hour is held in memory for it (a busy hour would not fit, and building
// each receipt's quads cost more than journaling it): what reads the live hour loads it from the
// journal, as it does any other hour, and releases it again.

import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { HourFolds } from '../evidence/hour-folds.js';
import type { EvidenceStore } from '../evidence/store.js';
import { DAY_MS, hourKey, hourStartMs, type TimeRange } from '../evidence/time.js';
import { ensureRollups } from '../query/rollups.js';
import type { StoreGate } from './store-gate.js';

export interface EvidenceWriterOptions {
  readonly store: EvidenceStore;
  readonly gate: StoreGate;
  /**
   * How long an event may wait in the buffer before its group commit starts when no commit is
   * running (default 0: the next turn of the event loop). Batching comes from the commits
   * themselves: what arrives while one runs goes into the next. A wait here only adds latency to
   * every request that found the writer idle (20 ms cost 40 % of POST /signal's throughput).
   */
  readonly flushIntervalMs?: number;
  /** A full buffer is committed at once; a commit holds at most this many events (default 4000). */
  readonly maxBatch?: number;
  /** Roll each hour up as it closes (default true). */
  readonly rollup?: boolean;
  /** Told of a failed commit or rollup (the server logs it). */
  readonly onError?: (error: unknown) => void;
}

interface Waiter {
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The buffer between the pipeline's EventSink and the store. `push` never waits; `durable()`
 * resolves once everything pushed before it is journaled (fsynced). One commit runs at a time;
 * what arrives meanwhile goes into the next one (group commit).
 */
export class EvidenceWriter {
  readonly #o: Required<Omit<EvidenceWriterOptions, 'onError'>> & Pick<EvidenceWriterOptions, 'onError'>;
  readonly #rollupListeners = new Set<(hours: readonly string[]) => void>();
  #buffer: KaizenEvent[] = [];
  #pushed = 0;
  #durable = 0;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** The hour being appended to. */
  #hour: string | undefined;
  #watermarkMs = 0;
  #failure: unknown;
  #rollups: Promise<unknown> = Promise.resolve();
  #closed = false;
  #dropped = 0;
  /** The rollup rows of each hour, gathered as its receipts are appended (no SPARQL pass at the hour's end). */
  readonly #folds = new HourFolds();

  constructor(options: EvidenceWriterOptions) {
    this.#o = { flushIntervalMs: 0, maxBatch: 4000, rollup: true, ...options };
  }

  /** Tells `listener` of each rollup run, with the hours it built; returns the unsubscribe. */
  onRolledUp(listener: (hours: readonly string[]) => void): () => void {
    this.#rollupListeners.add(listener);
    return () => this.#rollupListeners.delete(listener);
  }

  /** Events pushed and events journaled so far. */
  get counts(): { pushed: number; durable: number; buffered: number; dropped: number } {
    return { pushed: this.#pushed, durable: this.#durable, buffered: this.#buffer.length, dropped: this.#dropped };
  }

  /** The error that stopped journaling, if one did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The UTC hour being appended to. */
  get openHour(): string | undefined {
    return this.#hour;
  }

  /** Starts at the hour of `nowMs` and, in the background, rolls up the closed hours of the last day that lack a rollup. */
  async open(nowMs: number): Promise<void> {
    this.#hour = hourKey(nowMs);
    this.#watermarkMs = nowMs;
    if (this.#o.rollup) this.#rollUp({ fromMs: hourStartMs(this.#hour) - DAY_MS, toMs: hourStartMs(this.#hour) });
  }

  /** The EventSink: keeps the event for the next commit. */
  push(event: KaizenEvent): void {
    // After a failed commit nothing more can be journaled; the server reports it as unhealthy.
    if (this.#closed || this.#failure !== undefined) {
      this.#dropped += 1;
      return;
    }
    this.#buffer.push(event);
    this.#pushed += 1;
    this.#kick(this.#buffer.length >= this.#o.maxBatch ? 0 : this.#o.flushIntervalMs);
  }

  /**
   * Says that every event timed before `nowMs` has been pushed: when that closes the open hour,
   * the hour is rolled up even if no event follows it.
   */
  advanceTo(nowMs: number): void {
    if (nowMs <= this.#watermarkMs) return;
    this.#watermarkMs = nowMs;
    if (this.#hour !== undefined && hourKey(nowMs) > this.#hour) this.#kick(0);
  }

  /** Resolves once everything pushed so far is journaled; rejects if that commit failed. */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#durable >= this.#pushed) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ upTo: this.#pushed, resolve, reject }));
  }

  /** Commits what is buffered and waits for the rollups under way; pushes after this are dropped. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
    this.#closed = true;
    await this.#rollups;
  }

  #kick(delayMs: number): void {
    if (this.#flushing !== undefined) return; // the running commit loops until the buffer is empty
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, delayMs);
  }

  #flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
      // A push that came after the last loop's check and before this point would wait otherwise.
      if (this.#buffer.length > 0 && this.#failure === undefined) this.#kick(this.#o.flushIntervalMs);
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#failure === undefined && (this.#buffer.length > 0 || this.#hourClosed())) {
      const batch = this.#buffer.length <= this.#o.maxBatch ? this.#buffer : this.#buffer.slice(0, this.#o.maxBatch);
      this.#buffer = batch === this.#buffer ? [] : this.#buffer.slice(batch.length);
      try {
        await this.#commit(batch);
        if (this.#hourClosed()) await this.#enterHour(hourKey(this.#watermarkMs));
      } catch (error) {
        this.#fail(error);
      }
    }
  }

  #hourClosed(): boolean {
    return this.#hour !== undefined && hourKey(this.#watermarkMs) > this.#hour;
  }

  /** Appends a batch in time order, hour by hour, entering each new hour before its first receipt. */
  async #commit(batch: KaizenEvent[]): Promise<void> {
    if (batch.length === 0) return;
    if (!isSorted(batch)) batch.sort((a, b) => a.timeMs - b.timeMs);
    let start = 0;
    while (start < batch.length) {
      const hour = hourKey((batch[start] as KaizenEvent).timeMs);
      let end = start + 1;
      while (end < batch.length && hourKey((batch[end] as KaizenEvent).timeMs) === hour) end++;
      if (this.#hour === undefined || hour > this.#hour) await this.#enterHour(hour);
      const group = start === 0 && end === batch.length ? batch : batch.slice(start, end);
      const appended = await this.#o.store.appendEvents(group);
      if (this.#o.rollup) this.#folds.add(appended.receipts);
      this.#durable += group.length;
      start = end;
    }
    this.#release();
  }

  /** Moves to a new hour and rolls up the hours that closed before it. */
  async #enterHour(hour: string): Promise<void> {
    const closed = this.#hour;
    this.#hour = hour;
    if (closed !== undefined && this.#o.rollup) this.#rollUp({ fromMs: hourStartMs(closed), toMs: hourStartMs(hour) });
  }

  /** Builds the rollups of closed hours in the background, one run after another, under the gate. */
  #rollUp(range: TimeRange): void {
    const { store, gate } = this.#o;
    this.#rollups = this.#rollups.then(() =>
      gate
        .run(async () => {
          const report = await ensureRollups(store, range, { nowMs: range.toMs, folds: this.#folds });
          store.release({ range, raw: true });
          return report;
        })
        .then(
          (report) => {
            for (const listener of this.#rollupListeners) listener(report.built);
          },
          (error: unknown) => this.#o.onError?.(error),
        ),
    );
  }

  #release(): void {
    const done = this.#durable;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.upTo <= done) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  #fail(error: unknown): void {
    this.#failure =
      error instanceof KaizenError
        ? error
        : new KaizenError('KZN_STORE_IO', `evidence could not be journaled: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    for (const w of this.#waiters) w.reject(this.#failure);
    this.#waiters = [];
    this.#o.onError?.(this.#failure);
  }
}

function isSorted(events: readonly KaizenEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if ((events[i] as KaizenEvent).timeMs < (events[i - 1] as KaizenEvent).timeMs) return false;
  return true;
}
