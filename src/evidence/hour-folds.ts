// The rows of an hour's rollup queries, gathered from its receipts as a writer appends them, so
// that a writer that saw every receipt of an hour rolls it up without loading it back. Pure.

import { type Receipt, visitReceiptFields } from './receipt.js';
import type { ColumnRow, Transition } from './rollup.js';
import { classNode, kzLocal, V } from './vocabulary.js';

/** The predicates rollup-columns.rq selects. */
const COLUMN_PREDICATES: ReadonlySet<string> = new Set([V.type, V.pillar, V.component, V.worker, V.value, V.bucket].map((p) => p.value));

/** The classes rollup-transitions.rq selects. */
const TRANSITION_CLASSES: ReadonlySet<string> = new Set(
  ['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed', 'AlertFired', 'AlertCleared'].map((c) => classNode(c).value),
);

/** The rows of one hour's rollup queries, gathered from its receipts as they were appended. */
export interface FoldedHour {
  readonly columns: ColumnRow[];
  readonly transitions: Transition[];
  /** How many raw receipts were gathered, and the digest of the last: the hour's source, if complete. */
  readonly count: number;
  readonly lastDigest: string;
}

interface Gathering {
  readonly columns: ColumnRow[];
  readonly transitions: { readonly receipt: string; readonly transition: Transition }[];
  count: number;
  lastDigest: string;
}

/** Adds one receipt's rollup-columns rows to `columns`; returns its rollup-transitions row, if any. */
function gather(r: Receipt, columns: ColumnRow[]): Transition | undefined {
  let className: string | undefined;
  let component: string | undefined;
  let timeMs: number | undefined;
  let alert: string | undefined;
  let severity: string | undefined;
  visitReceiptFields(r, (p, value) => {
    if (COLUMN_PREDICATES.has(p)) columns.push({ receipt: r.iri, predicate: p, value });
    if (p === V.type.value) {
      if (TRANSITION_CLASSES.has(value)) className = kzLocal(value);
    } else if (p === V.component.value) component = value;
    else if (p === V.epochMs.value) timeMs = Number(value);
    else if (p === V.alert.value) alert = value;
    else if (p === V.severity.value) severity = value;
  });
  if (className === undefined || component === undefined || timeMs === undefined) return undefined;
  return { className, component, timeMs, ...(alert !== undefined && { alert }), ...(severity !== undefined && { severity }) };
}

/**
 * Gathers, hour by hour, the very rows that rollup-columns.rq and rollup-transitions.rq select
 * from an hour graph, straight from the receipts a writer appends. An hour whose gathered count
 * or last digest differs from its source is rolled up through SPARQL instead.
 */
export class HourFolds {
  readonly #hours = new Map<string, Gathering>();

  /** Adds appended raw receipts (in chain order). */
  add(receipts: readonly Receipt[]): void {
    for (const r of receipts) {
      const hour = r.graph.slice(-13);
      let h = this.#hours.get(hour);
      if (h === undefined) this.#hours.set(hour, (h = { columns: [], transitions: [], count: 0, lastDigest: '' }));
      const transition = gather(r, h.columns);
      if (transition !== undefined) h.transitions.push({ receipt: r.iri, transition });
      h.count++;
      h.lastDigest = r.digest;
    }
  }

  /** Removes and returns what was gathered for an hour. */
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
