// kaizen run's journal: the simulation's slices appended in order, a few under way at once (the
// journal writer groups what waits into its next commit), and each hour rolled up as it closes.

import { KaizenError } from '../errors.js';
import type { HourFolds } from '../evidence/hour-folds.js';
import { type RollupCarry, rollupReceipt } from '../evidence/rollup.js';
import type { AppendOptions, EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, hourKey, type TimeRange } from '../evidence/time.js';
import type { SimulationSummary } from '../pipeline/simulate.js';
import { carryOfRollup, ensureRollups, summaryOfGathered } from '../query/rollups.js';
import { type Slice, type SliceQueue, yieldToIo } from './simulation-feed.js';

/** How many appends may wait for their commit at once. */
const MAX_APPENDS_UNDER_WAY = 8;

export interface JournalOptions {
  readonly store: EvidenceStore;
  readonly queue: SliceQueue;
  /** The run's time: the journal takes slices until its last hour has ended. */
  readonly range: TimeRange;
  /** Rolls each hour up from what was folded as it was appended; none when rollups are off. */
  readonly folds: HourFolds | undefined;
  /** Told of each hour once it is durable and rolled up, in order. */
  readonly onHour?: (done: number, total: number, summary: SimulationSummary) => void;
}

/**
 * Appends the slices of every hour as it takes them, and rolls each hour up as it closes, before
 * it takes a slice of the next: the chain holds each hour's receipts, then its rollup, then the
 * next hour's, as an hour-by-hour run writes it.
 *
 * The receipts are folded as they are sealed. An hour that starts on the hour, that the store held
 * no receipt of before the run, and whose hour before this run rolled up, is rolled up from its
 * folds at once, its rollup queued behind its receipts: the next hour is sealed while they are
 * written. Any other hour waits until its receipts are durable and goes through ensureRollups,
 * which compares the folds with what the store holds.
 */
export async function journalSlices(o: JournalOptions): Promise<{ receipts: number; rollups: number }> {
  const { store, queue, folds } = o;
  const hours = Math.ceil((o.range.toMs - o.range.fromMs) / HOUR_MS);
  let receipts = 0;
  let rollups = 0;
  let failure: { error: unknown } | undefined;
  /** Throws the first failure of an append, if there was one. */
  const stopIfFailed = (): void => {
    if (failure !== undefined) throw failure.error;
  };
  const underWay: Promise<unknown>[] = [];
  const track = (p: Promise<unknown>): void => {
    p.catch((error: unknown) => {
      failure ??= { error };
    });
    underWay.push(p);
  };
  const allDurable = async (): Promise<void> => {
    while (underWay.length > 0) await underWay.shift();
  };
  // Hours with receipts from before the run: their source is more than this run folded.
  const held = folds === undefined ? new Map() : await store.hourSummaries(o.range);
  const appendOptions: AppendOptions | undefined = folds === undefined ? undefined : { onSealed: (sealed) => folds.add(sealed) };
  /** What the hour before left open, when it was rolled up here (undefined: go through ensureRollups). */
  let carry: RollupCarry | undefined;
  for (let h = 0; h < hours; h++) {
    let slice: Slice;
    do {
      slice = await queue.take();
      for (let i = 0; i < slice.events.length; i += 5000) {
        // Receipts waiting for a slow disk are kept in memory: past a few appends under way, the
        // next waits for the oldest.
        while (underWay.length >= MAX_APPENDS_UNDER_WAY) await underWay.shift();
        // Nothing is appended after a failed append: a store takes the next one from the last
        // durable receipt, so it would be journaled after a gap.
        stopIfFailed();
        track(store.appendEvents(slice.events.slice(i, i + 5000), appendOptions));
      }
      receipts += slice.events.length;
      // A slice already waiting is taken without a turn of the event loop: the commits' writes and
      // fsyncs would advance only when the journal waits for them.
      await yieldToIo();
    } while (slice.ends === undefined);
    const { range, summary } = slice.ends;
    const hour = hourKey(range.fromMs);
    const gathered = folds !== undefined && carry !== undefined && range.fromMs % HOUR_MS === 0 && !held.has(hour) ? folds.take(hour) : undefined;
    if (gathered !== undefined && carry !== undefined) {
      stopIfFailed();
      const rolled = summaryOfGathered(hour, gathered, carry);
      let sealed = false;
      const appended = store.appendReceipts([
        (seq, iri, prev) => {
          // The chain moved back to the last durable receipt: an append of the hour failed.
          if (prev !== gathered.lastDigest) throw new KaizenError('KZN_STORE_IO', `the rollup of ${hour} was not written: the hour's receipts were not all journaled`);
          sealed = true;
          return rollupReceipt(rolled, seq, iri, prev);
        },
      ]);
      track(appended);
      // A store that seals later than it is called: nothing may be appended before the rollup.
      if (!sealed) await appended;
      // Acknowledged once the rollup and every receipt before it are durable.
      track(Promise.all(underWay).then(() => o.onHour?.(h + 1, hours, summary)));
      carry = rolled.carryOut;
      rollups++;
    } else {
      await allDurable();
      if (folds !== undefined) {
        const report = await ensureRollups(store, range, { nowMs: range.toMs, folds });
        rollups += report.built.length;
        carry = range.fromMs % HOUR_MS === 0 ? carryOfRollup(store, hour) : undefined;
      }
      o.onHour?.(h + 1, hours, summary);
    }
  }
  await allDurable();
  return { receipts, rollups };
}
