// Hour folds: what a writer folds from the receipts it appends is what the rollup queries would
// select from the hour graph and fold, for receipts sealed from events and for any other.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KaizenEvent, parseEvent } from '../../src/evidence/event.js';
import { HourFolds } from '../../src/evidence/hour-folds.js';
import { GENESIS_DIGEST, type Receipt, sealReceipt, toReceipt } from '../../src/evidence/receipt.js';
import { ColumnFold, type ColumnRow, foldColumns, type Transition } from '../../src/evidence/rollup.js';
import { kzLocal, V } from '../../src/evidence/vocabulary.js';
import { fixtureEvents } from '../store/support.js';
import { eventJson } from './arbitraries.js';

const COLUMNS = new Set([V.type, V.pillar, V.component, V.worker, V.value, V.bucket].map((p) => p.value));
const TRANSITIONS = new Set(['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed', 'AlertFired', 'AlertCleared']);

/** Seals events into a chain, in order. */
function seal(events: readonly KaizenEvent[]): Receipt[] {
  let prevDigest = GENESIS_DIGEST;
  return events.map((e, i) => {
    const r = toReceipt(e, { seq: i + 1, prevDigest, instance: 'local' });
    prevDigest = r.digest;
    return r;
  });
}

/** The same receipts as a store that read them back would hold them: quads only, no event. */
const asQuads = (receipts: readonly Receipt[]): Receipt[] =>
  receipts.map((r) => sealReceipt(r.iri, r.graph, r.seq, r.timeMs, r.quads.slice(0, -1), GENESIS_DIGEST));

/** What rollup-columns.rq and rollup-transitions.rq select from an hour graph's quads. */
function queried(receipts: readonly Receipt[], hour: string): { columns: ColumnRow[]; transitions: Transition[] } {
  const inHour = receipts.filter((r) => r.graph.endsWith(hour));
  const columns = inHour.flatMap((r) => r.quads.filter((q) => COLUMNS.has(q.predicate.value)).map((q) => ({ receipt: r.iri, predicate: q.predicate.value, value: q.object.value })));
  const transitions = inHour
    .map((r) => {
      const get = (p: { value: string }) => r.quads.find((q) => q.predicate.value === p.value)?.object.value;
      const className = kzLocal(get(V.type));
      const alert = get(V.alert);
      const severity = get(V.severity);
      return { iri: r.iri, t: { className, component: get(V.component) ?? '', timeMs: Number(get(V.epochMs)), ...(alert !== undefined && { alert }), ...(severity !== undefined && { severity }) } };
    })
    .filter((x) => TRANSITIONS.has(x.t.className))
    .sort((a, b) => a.t.timeMs - b.t.timeMs || (a.iri < b.iri ? -1 : 1))
    .map((x) => x.t);
  // Rows in an order no writer appends in: the fold must put them back in sequence order.
  return { columns: columns.reverse(), transitions };
}

function expectFoldsAsQueried(receipts: readonly Receipt[]): number {
  const folds = new HourFolds();
  folds.add(receipts);
  const hours = [...new Set(receipts.map((r) => r.graph.slice(-13)))];
  for (const hour of hours) {
    const folded = folds.take(hour)!;
    const inHour = receipts.filter((r) => r.graph.endsWith(hour));
    const q = queried(receipts, hour);
    expect(foldColumns(folded.columns), hour).toEqual(foldColumns(q.columns));
    expect(folded.transitions, hour).toEqual(q.transitions);
    expect(folded.count).toBe(inHour.length);
    expect(folded.lastDigest).toBe(inHour[inHour.length - 1]!.digest);
    expect(folds.take(hour)).toBeUndefined();
  }
  return hours.length;
}

describe('hour folds', () => {
  it('fold the fixture week as the rollup queries would, hour by hour', () => {
    expect(expectFoldsAsQueried(seal(fixtureEvents()))).toBeGreaterThan(20);
  });

  it('fold receipts that hold only their quads the same way', () => {
    const receipts = asQuads(seal(fixtureEvents()));
    expect(receipts[0]!.event).toBeUndefined();
    expect(expectFoldsAsQueried(receipts)).toBeGreaterThan(20);
  });

  it('fold any events as the rollup queries would, sums to the last bit', () => {
    const hourOf = fc.integer({ min: 0, max: 2 }).map((h) => Date.UTC(2026, 10, 17, 10 + h));
    fc.assert(
      fc.property(fc.array(fc.tuple(eventJson(), hourOf), { minLength: 1, maxLength: 40 }), (items) => {
        const events = items
          .map(([json, hourMs]) => parseEvent({ ...json, time: new Date(hourMs + 1000).toISOString() }, 'event'))
          .sort((a, b) => a.timeMs - b.timeMs);
        expectFoldsAsQueried(seal(events));
        expectFoldsAsQueried(asQuads(seal(events)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('foldColumns', () => {
  it('passes a fold made as receipts were appended through', () => {
    const fold = new ColumnFold();
    fold.add({ className: 'TaskCompleted', pillar: 'kanban', component: 'checkout', value: 2, bucket: 35 });
    fold.add({ className: 'TaskCompleted', pillar: 'kanban', component: 'checkout', value: 0.5, bucket: -35 });
    fold.add({ className: 'TaskStarted', component: 'checkout' });
    expect(foldColumns(fold)).toEqual({
      stats: [{ className: 'TaskCompleted', pillar: 'kanban', component: 'checkout', count: 2, values: 2, sum: 2.5, min: 0.5, max: 2 }],
      histogramRows: [
        { className: 'TaskCompleted', component: 'checkout', bucket: 35, count: 1 },
        { className: 'TaskCompleted', component: 'checkout', bucket: -35, count: 1 },
      ],
    });
  });
});
