// kaizen run's journal: the simulation's slices appended in order, a few under way at once (the
// journal writer groups what waits into its next commit), and each hour rolled up once its
// receipts are durable.

import type { HourFolds } from '../evidence/hour-folds.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { SimulationSummary } from '../pipeline/simulate.js';
import { ensureRollups } from '../query/rollups.js';
import type { Slice, SliceQueue } from './simulation-feed.js';

/** How many appends may wait for their commit at once. */
const MAX_APPENDS_UNDER_WAY = 3;

export interface JournalOptions {
  readonly store: EvidenceStore;
  readonly queue: SliceQueue;
  /** How many hours the run has: the journal takes slices until the last one has ended. */
  readonly hours: number;
  /** Rolls each hour up from what was folded as it was appended; none when rollups are off. */
  readonly folds: HourFolds | undefined;
  /** Told of each hour once it is durable and rolled up, in order. */
  readonly onHour?: (done: number, total: number, summary: SimulationSummary) => void;
}

/**
 * Appends the slices of every hour as it takes them, and rolls each hour up once its receipts are
 * durable, before it takes a slice of the next: the chain holds each hour's receipts, then its
 * rollup, then the next hour's, as an hour-by-hour run writes it.
 */
export async function journalSlices(o: JournalOptions): Promise<{ receipts: number; rollups: number }> {
  const { store, queue, folds } = o;
  let receipts = 0;
  let rollups = 0;
  let failure: { error: unknown } | undefined;
  /** Throws the first failure of an append, if there was one. */
  const stopIfFailed = (): void => {
    if (failure !== undefined) throw failure.error;
  };
  for (let h = 0; h < o.hours; h++) {
    // Folded in chain order as each append is durable; nothing of an append is kept after that.
    let folded: Promise<void> = Promise.resolve();
    const underWay: Promise<void>[] = [];
    let slice: Slice;
    do {
      slice = await queue.take();
      for (let i = 0; i < slice.events.length; i += 5000) {
        // Receipts waiting for a slow disk are kept in memory, and the collector copies them over
        // and over: past a few appends under way, the next waits for the oldest.
        while (underWay.length >= MAX_APPENDS_UNDER_WAY) await underWay.shift();
        // Nothing is appended after a failed append: a store takes the next one from the last
        // durable receipt, so it would be journaled after a gap.
        stopIfFailed();
        const appended = store.appendEvents(slice.events.slice(i, i + 5000));
        appended.catch((error: unknown) => {
          failure ??= { error };
        });
        folded = folded.then(async () => folds?.add((await appended).receipts));
        folded.catch(() => undefined); // awaited below or by the next append
        underWay.push(folded);
      }
      receipts += slice.events.length;
    } while (slice.ends === undefined);
    await folded;
    const { range, summary } = slice.ends;
    if (folds !== undefined) {
      // The hour's rows were folded as it was appended: no need to load it back to roll it up.
      const report = await ensureRollups(store, range, { nowMs: range.toMs, folds });
      rollups += report.built.length;
    }
    o.onHour?.(h + 1, o.hours, summary);
  }
  return { receipts, rollups };
}
