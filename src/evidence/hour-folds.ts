// The rollup rows of an hour, folded from its receipts as a writer appends them, so that a writer
// that saw every receipt of an hour rolls it up without loading it back. Pure.

import type { KaizenEvent } from './event.js';
import { eventTypeInfo } from './event-types.js';
import { bucketOf } from './histogram.js';
import { type Receipt, visitReceiptFields } from './receipt.js';
import { ColumnFold, type ReceiptColumns, type Transition } from './rollup.js';
import { classNode, kzLocal, V } from './vocabulary.js';

/** The classes rollup-transitions.rq selects, by local name and by IRI. */
const TRANSITION_CLASSES: ReadonlySet<string> = new Set(['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed', 'AlertFired', 'AlertCleared']);
const TRANSITION_CLASS_IRIS: ReadonlySet<string> = new Set([...TRANSITION_CLASSES].map((c) => classNode(c).value));

/** What one hour's rollup queries would select from its graph, folded as its receipts were appended. */
export interface FoldedHour {
  /** The rows of rollup-columns.rq, already folded in sequence order (foldColumns passes them through). */
  readonly columns: ColumnFold;
  /** The rows of rollup-transitions.rq, in its order. */
  readonly transitions: Transition[];
  /** How many raw receipts were folded, and the digest of the last: the hour's source, if complete. */
  readonly count: number;
  readonly lastDigest: string;
}

interface Gathering {
  readonly columns: ColumnFold;
  readonly transitions: { readonly receipt: string; readonly transition: Transition }[];
  count: number;
  lastDigest: string;
}

/**
 * The columns of a receipt sealed from an event, read from the event: what rollup-columns.rq
 * would read back from its quads (the class and pillar by local name; value and bucket as the
 * numbers their literals spell, since Number(String(x)) is x for every finite double, but for -0,
 * which comes back as 0 and sums, compares and prints the same).
 */
function columnsOfEvent(e: KaizenEvent): ReceiptColumns {
  const info = eventTypeInfo(e.type);
  return {
    className: info.className,
    pillar: e.pillar,
    component: e.component,
    worker: e.worker,
    value: e.value,
    bucket: e.value !== undefined && info.latency === true ? bucketOf(e.value) : undefined,
  };
}

/** The transition row of a receipt sealed from an event, if rollup-transitions.rq selects it. */
function transitionOfEvent(e: KaizenEvent): Transition | undefined {
  const className = eventTypeInfo(e.type).className;
  if (!TRANSITION_CLASSES.has(className)) return undefined;
  return {
    className,
    component: e.component,
    timeMs: e.timeMs,
    ...(e.alert !== undefined && { alert: e.alert }),
    ...(e.severity !== undefined && { severity: e.severity }),
  };
}

/** The columns and transition row of any other receipt, read from its fields. */
function columnsOfFields(r: Receipt): { columns: ReceiptColumns; transition: Transition | undefined } {
  const columns: ReceiptColumns = {};
  let className: string | undefined;
  let timeMs: number | undefined;
  let alert: string | undefined;
  let severity: string | undefined;
  visitReceiptFields(r, (p, value) => {
    if (p === V.type.value) {
      columns.className = kzLocal(value);
      if (TRANSITION_CLASS_IRIS.has(value)) className = columns.className;
    } else if (p === V.pillar.value) columns.pillar = kzLocal(value).toLowerCase();
    else if (p === V.component.value) columns.component = value;
    else if (p === V.worker.value) columns.worker = value;
    else if (p === V.value.value) columns.value = Number(value);
    else if (p === V.bucket.value) columns.bucket = Number(value);
    else if (p === V.epochMs.value) timeMs = Number(value);
    else if (p === V.alert.value) alert = value;
    else if (p === V.severity.value) severity = value;
  });
  const { component } = columns;
  const transition =
    className === undefined || component === undefined || timeMs === undefined
      ? undefined
      : { className, component, timeMs, ...(alert !== undefined && { alert }), ...(severity !== undefined && { severity }) };
  return { columns, transition };
}

/**
 * Folds, hour by hour, the very rows that rollup-columns.rq and rollup-transitions.rq select
 * from an hour graph, straight from the receipts a writer appends (in chain order, which is the
 * sequence order foldColumns folds in). Nothing per receipt is kept but its transition row, if
 * it has one. An hour whose folded count or last digest differs from its source is rolled up
 * through SPARQL instead.
 */
export class HourFolds {
  readonly #hours = new Map<string, Gathering>();

  /** Adds raw receipts as they are sealed or appended (in chain order). */
  add(receipts: readonly Receipt[]): void {
    let hour = '';
    let h: Gathering | undefined;
    for (const r of receipts) {
      const rHour = r.graph.slice(-13);
      if (h === undefined || rHour !== hour) {
        hour = rHour;
        h = this.#hours.get(hour);
        if (h === undefined) this.#hours.set(hour, (h = { columns: new ColumnFold(), transitions: [], count: 0, lastDigest: '' }));
      }
      let transition: Transition | undefined;
      if (r.event !== undefined) {
        h.columns.add(columnsOfEvent(r.event));
        transition = transitionOfEvent(r.event);
      } else {
        const of = columnsOfFields(r);
        h.columns.add(of.columns);
        transition = of.transition;
      }
      if (transition !== undefined) h.transitions.push({ receipt: r.iri, transition });
      h.count++;
      h.lastDigest = r.digest;
    }
  }

  /** Removes and returns what was folded for an hour. */
  take(hour: string): FoldedHour | undefined {
    const h = this.#hours.get(hour);
    if (h === undefined) return undefined;
    this.#hours.delete(hour);
    // In the order rollup-transitions.rq gives: by time, then by receipt IRI.
    const sorted = [...h.transitions].sort(
      (a, b) => a.transition.timeMs - b.transition.timeMs || (a.receipt < b.receipt ? -1 : a.receipt > b.receipt ? 1 : 0),
    );
    return { columns: h.columns, transitions: sorted.map((t) => t.transition), count: h.count, lastDigest: h.lastDigest };
  }
}
