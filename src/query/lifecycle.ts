// The receipts that follow a signal through the server (accepted, recovered, its outcome), read
// from the loaded raw hours through signal-lifecycle.rq: crash recovery and the review use them.

import type * as RDF from '@rdfjs/types';
import { KaizenError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { kzLocal, V } from '../evidence/vocabulary.js';
import { loadCatalogue } from './catalogue.js';

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

/** The receipts of the loaded raw hours, folded from signal-lifecycle.rq's rows. */
export async function signalReceipts(store: EvidenceStore): Promise<SignalReceipt[]> {
  const q = loadCatalogue().get('signal-lifecycle');
  if (q === undefined) throw new KaizenError('KZN_QUERY_UNKNOWN', 'the query signal-lifecycle.rq is missing from queries/');
  const result = await store.query(q.text);
  const byReceipt = new Map<string, SignalReceipt>();
  for (const row of result.kind === 'bindings' ? result.rows : []) {
    const r = row.r?.value;
    const p = row.p?.value;
    const o: RDF.Term | undefined = row.o;
    if (r === undefined || p === undefined || o === undefined) continue;
    let f = byReceipt.get(r);
    if (f === undefined) byReceipt.set(r, (f = { iri: r }));
    if (p === V.type.value) f.type = kzLocal(o.value);
    else if (p === V.epochMs.value) f.t = Number(o.value);
    else if (p === V.signal.value) f.signal = o.value;
    else if (p === V.trace.value) f.trace = o.value;
    else if (p === V.span.value) f.span = o.value;
    else if (p === V.reason.value) f.reason = o.value;
    else if (p === V.attributes.value) f.attributes = parseAttributes(o.value);
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
