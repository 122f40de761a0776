// The hand-written baseline of the analyzer's SPARQL path: the rows rollup-rows.rq selects, read
// by pattern matches over the loaded rollups instead of through the query engine, then folded and
// analysed by the same code. test/query/scan-facts.test.ts holds both paths' facts equal.

import type { WindowFacts } from '../src/analysis/facts.js';
import { foldFacts } from '../src/analysis/facts.js';
import type { EvidenceStore } from '../src/evidence/store.js';
import type { TimeRange } from '../src/evidence/time.js';
import { V } from '../src/evidence/vocabulary.js';
import { foldRollupRows } from '../src/query/window-facts.js';

/** The properties rollup-rows.rq selects (its VALUES list). */
const PREDICATES = [
  V.type,
  V.hour,
  V.sourceCount,
  V.eventType,
  V.component,
  V.worker,
  V.count,
  V.valueCount,
  V.sum,
  V.min,
  V.max,
  V.histogram,
  V.openSeconds,
  V.stateAtEnd,
  V.alert,
  V.severity,
  V.start,
  V.end,
];

/** The window's facts from the loaded rollups, by a match per property (no SPARQL). */
export function scanWindowFacts(store: EvidenceStore, range: TimeRange): WindowFacts {
  const rows: { s: string; p: string; o: string }[] = [];
  for (const p of PREDICATES) {
    for (const q of store.match(null, p, null, null)) {
      // GRAPH ?g: named graphs only.
      if (q.graph.termType === 'NamedNode') rows.push({ s: q.subject.value, p: p.value, o: q.object.value });
    }
  }
  return foldFacts(range, foldRollupRows(rows, range));
}
