// kaizen run journals each slice of simulated time while the next is simulated (here on this
// thread; test/integration/run-worker.test.ts runs the built worker): the chain it writes is the
// one of the same run done hour by hour, and a failed commit stops it with that error.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, simulateInto } from '../../src/cli/run.js';
import { KaizenError } from '../../src/errors.js';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { HourFolds } from '../../src/evidence/hour-folds.js';
import type { Receipt } from '../../src/evidence/receipt.js';
import type { AppendOptions, AppendResult } from '../../src/evidence/store.js';
import { HOUR_MS } from '../../src/evidence/time.js';
import { resolveConfig } from '../../src/pipeline/config.js';
import { createSimulation } from '../../src/pipeline/simulate.js';
import { ensureRollups } from '../../src/query/rollups.js';
import { EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded-store.js';
import { listJournalFiles } from '../../src/store/journal.js';
import { ROOT, useTempDirs } from '../store/support.js';

const tempDir = useTempDirs();
const scenario = loadScenario('outage-day', ROOT);
/** Five hours and a bit around the outage at 10:00, at a rate that keeps the test quick. */
const RUN = { scenario, seed: 3, startMs: Date.parse('2026-11-23T07:00:00Z'), durationMs: 4 * HOUR_MS + 25 * 60_000, rate: 0.5 };

/** Every journal file of a data directory, by name. */
const journalOf = (dataDir: string): Map<string, string> => new Map(listJournalFiles(dataDir).map((f) => [f.name, fs.readFileSync(f.path, 'utf8')]));

/** The run as kaizen run did it before: each hour simulated, appended and rolled up before the next. */
async function hourByHour(dataDir: string): Promise<void> {
  const store = openEmbeddedStore({ dataDir });
  let buffer: KaizenEvent[] = [];
  const sim = createSimulation({ ...RUN, config: resolveConfig({ env: {} }), sink: (e) => void buffer.push(e) });
  const folds = new HourFolds();
  for (let fromMs = sim.startMs; fromMs < sim.endMs; fromMs += HOUR_MS) {
    const range = { fromMs, toMs: fromMs + HOUR_MS };
    sim.runUntil(Math.min(range.toMs, sim.endMs));
    const events = buffer.sort((a, b) => a.timeMs - b.timeMs);
    buffer = [];
    folds.add((await store.appendEvents(events)).receipts);
    await ensureRollups(store, range, { nowMs: range.toMs, folds });
  }
  await store.close();
}

/** A store's chain head, as its writer moves it. */
type Chain = { seq: number; digest: string; moveTo(seq: number, digest: string): void; sealEvents(e: readonly KaizenEvent[]): Receipt[] };

/**
 * An embedded store whose appends fail from the `failFrom`-th on, a moment after they are made (a
 * commit that fails). With `rollBack`, only that append fails, as a commit does: it is sealed (and
 * folded), then the chain moves back to where it began at once, and it rejects a moment later.
 */
class FailingStore extends EmbeddedStore {
  appends = 0;
  constructor(
    dataDir: string,
    private readonly failFrom: number,
    private readonly rollBack = false,
  ) {
    super({ dataDir });
  }

  override appendEvents(events: readonly KaizenEvent[], options?: AppendOptions): Promise<AppendResult> {
    const n = ++this.appends;
    if (n < this.failFrom || (this.rollBack && n > this.failFrom)) return super.appendEvents(events, options);
    if (this.rollBack) {
      const chain = (this as unknown as { chain: Chain }).chain;
      const head = { seq: chain.seq, digest: chain.digest };
      options?.onSealed?.(chain.sealEvents(events));
      chain.moveTo(head.seq, head.digest);
    }
    return new Promise((_, reject) => setTimeout(() => reject(new KaizenError('KZN_STORE_IO', 'could not write the journal: no space left on the device')), 5));
  }
}

describe('kaizen run, journaling beside the simulation', () => {
  it('writes byte for byte the journal of an hour-by-hour run: each hour, its rollup, then the next hour', async () => {
    const dataDir = tempDir();
    const store = openEmbeddedStore({ dataDir });
    const acknowledged: number[] = [];
    const run = await simulateInto(store, { ...RUN, env: {}, worker: false, onHour: (done, total) => acknowledged.push(done / total) });
    await store.close();
    expect(acknowledged).toEqual([1, 2, 3, 4, 5].map((h) => h / 5));
    expect(run.rollups).toBe(5);
    const reference = tempDir();
    await hourByHour(reference);
    const [ours, theirs] = [journalOf(dataDir), journalOf(reference)];
    expect([...ours.keys()]).toEqual(['2026-11-23.nq', '2026-11-23.rollup.nq']);
    expect([...ours.keys()]).toEqual([...theirs.keys()]);
    for (const [name, text] of ours) expect(text === theirs.get(name), name).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'HEAD'), 'utf8')).toBe(fs.readFileSync(path.join(reference, 'HEAD'), 'utf8'));
  });

  it('stops at a failed commit with its error, and acknowledges no hour from the one that failed on', async () => {
    const store = new FailingStore(tempDir(), 30);
    const acknowledged: number[] = [];
    await expect(simulateInto(store, { ...RUN, env: {}, worker: false, onHour: (done) => acknowledged.push(done) })).rejects.toThrow(/no space left/);
    // An hour is five-minute slices, one append each (12 per hour): the 30th is in the third hour.
    expect(acknowledged).toEqual([1, 2]);
    const appendsAtFailure = store.appends;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.appends).toBe(appendsAtFailure);
    await store.close();
  });

  it('writes no rollup for an hour whose last append failed, even when the hour closes before the failure is told', async () => {
    const dataDir = tempDir();
    // Twelve appends an hour: the 24th is the last of the second hour, which is rolled up from its folds.
    const store = new FailingStore(dataDir, 24, true);
    await expect(simulateInto(store, { ...RUN, env: {}, worker: false })).rejects.toThrow(/not all journaled|no space left/);
    await store.close();
    const rollups = fs.readFileSync(path.join(dataDir, 'journal', '2026-11-23.rollup.nq'), 'utf8');
    expect(rollups.match(/HourRollup>/g)).toHaveLength(1);
    expect(rollups).toContain('urn:kaizen:rollup:2026-11-23T07');
    const reader = openEmbeddedStore({ dataDir, readOnly: true });
    expect((await reader.verify()).ok).toBe(true);
    await reader.close();
  });

  it('rolls up through the store hours it held receipts of before the run, each rollup covering all of them', async () => {
    const dataDir = tempDir();
    const first = openEmbeddedStore({ dataDir });
    await simulateInto(first, { ...RUN, env: {}, worker: false });
    await first.close();
    // The same hours again, another seed: every hour already holds the first run's receipts.
    const store = openEmbeddedStore({ dataDir });
    const again = await simulateInto(store, { ...RUN, seed: 4, env: {}, worker: false });
    expect(again.rollups).toBe(5);
    const range = { fromMs: RUN.startMs, toMs: RUN.startMs + 5 * HOUR_MS };
    const report = await ensureRollups(store, range, { nowMs: range.toMs });
    // Each hour's latest rollup matches its whole source, both runs' receipts: none is stale.
    expect(report.built).toEqual([]);
    expect(report.fresh).toBe(5);
    const sources = await store.hourSummaries(range);
    expect([...sources.values()].reduce((n, s) => n + s.count, 0)).toBe(again.receipts + (await receiptsOfFirstRun()));
    await store.close();
  });
});

/** How many receipts the run makes on a fresh store (RUN with its own seed). */
async function receiptsOfFirstRun(): Promise<number> {
  const store = openEmbeddedStore({ dataDir: tempDir() });
  const run = await simulateInto(store, { ...RUN, env: {}, worker: false });
  await store.close();
  return run.receipts;
}
