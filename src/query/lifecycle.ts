// The receipts that follow a signal through the server (accepted, recovered, its outcome), read
// from the loaded raw hours: crash recovery and the review's abandoned signals use them.

import type * as RDF from '@rdfjs/types';
import type { EvidenceStore } from '../evidence/store.js';
import { kzLocal, V } from '../evidence/vocabulary.js';

/** A receipt's fields that follow a signal: its class (local name), time, ids and attributes. */
export interface SignalReceipt {
  iri: string;
  type?: string;
  t?: number;
  signal?: string;
  trace?: string;
  span?: string;
  reason?: string;
  attributes?: Record<string, string | number>;
}

/** The predicates read, and the field each fills. */
const FIELDS: readonly [RDF.NamedNode, (f: SignalReceipt, o: RDF.Term) => void][] = [
  [V.type, (f, o) => (f.type = kzLocal(o.value))],
  [V.epochMs, (f, o) => (f.t = Number(o.value))],
  [V.signal, (f, o) => (f.signal = o.value)],
  [V.trace, (f, o) => (f.trace = o.value)],
  [V.span, (f, o) => (f.span = o.value)],
  [V.reason, (f, o) => (f.reason = o.value)],
  [V.attributes, (f, o) => (f.attributes = parseAttributes(o.value))],
];

/**
 * The receipts of the loaded raw hours, one pattern match per property (no query engine: a
 * restarting server reads these before it answers, and loading the engine would double its
 * start-up time).
 */
export function signalReceipts(store: EvidenceStore): SignalReceipt[] {
  const byReceipt = new Map<string, SignalReceipt>();
  for (const [predicate, fill] of FIELDS) {
    for (const q of store.match(null, predicate, null, null)) {
      const r = q.subject.value;
      if (r.includes('#')) continue; // rollup rows, not receipts
      let f = byReceipt.get(r);
      if (f === undefined) byReceipt.set(r, (f = { iri: r }));
      fill(f, q.object);
    }
  }
  return [...byReceipt.values()];
}

function parseAttributes(json: string): Record<string, string | number> | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as Record<string, string | number>) : undefined;
  } catch {
    return undefined;
  }
}
