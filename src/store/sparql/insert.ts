// The SPARQL 1.1 Update that stores a batch of receipts: their quads in their server graphs and
// one journal entry each (exact lines, seq, time, place) in the writer's journal graph.

import { XSD } from '../../evidence/vocabulary.js';
import { J } from './layout.js';
import type { OutgoingReceipt } from './spool.js';
import { sparqlIri, sparqlString } from './terms.js';

/** A journal line `S P O <graph> .` without its graph: an N-Triples statement, which is SPARQL syntax. */
export function tripleOf(line: string): string {
  const at = line.lastIndexOf(' <', line.length - 4);
  return `${line.slice(0, at)} .`;
}

/** The journal entry of a receipt: (predicate, object) pairs in N-Triples syntax, which is also SPARQL's. */
export function journalTriples(r: OutgoingReceipt): [string, string][] {
  const int = (n: number): string => `"${n}"^^<${XSD}integer>`;
  return [
    [J.seq, int(r.seq)],
    [J.epochMs, int(r.timeMs)],
    [J.hour, sparqlString(r.hour)],
    [J.day, sparqlString(r.hour.slice(0, 10))],
    [J.kind, sparqlString(r.kind)],
    [J.storedIn, sparqlIri(r.serverGraph)],
    [J.digest, sparqlString(r.digest)],
    [J.quadCount, int(r.lines.length)],
    [J.lines, sparqlString(r.lines.join(''))],
  ];
}

/** Triples in a journal entry. */
const JOURNAL_TRIPLES = 9;

/** The journal entry of a receipt, as SPARQL triples. */
function journalEntry(r: OutgoingReceipt): string {
  return `${sparqlIri(r.iri)} ${journalTriples(r)
    .map(([p, o]) => `<${p}> ${o}`)
    .join(' ;\n  ')} .`;
}

/** One INSERT DATA request, and how many receipts of the batch are whole once it has been applied. */
export interface InsertRequest {
  readonly text: string;
  readonly complete: number;
}

/**
 * The `INSERT DATA` requests for a batch, each of at most about `maxTriples` triples: Virtuoso
 * compiles an update to SQL and refuses one that grows past 10,000 lines (about 1,200 triples).
 * A receipt larger than that is split, its journal entry in its last request, so that it counts
 * as stored (the chain head is read from the journal graph) only once all of it is. Inserting a
 * quad that is already there changes nothing (a graph is a set), so a request re-sent after an
 * answer that never arrived stores nothing twice.
 */
export function insertRequests(receipts: readonly OutgoingReceipt[], journalGraph: string, maxTriples = 800): InsertRequest[] {
  const out: InsertRequest[] = [];
  let byGraph = new Map<string, string[]>();
  let triples = 0;
  const add = (g: string, text: string, count = 1): void => {
    let list = byGraph.get(g);
    if (list === undefined) byGraph.set(g, (list = []));
    list.push(text);
    triples += count;
  };
  const flush = (complete: number): void => {
    if (triples === 0) return;
    const blocks = [...byGraph].map(([g, list]) => `GRAPH ${sparqlIri(g)} {\n${list.join('\n')}\n}`);
    out.push({ text: `INSERT DATA {\n${blocks.join('\n')}\n}`, complete });
    byGraph = new Map();
    triples = 0;
  };
  receipts.forEach((r, i) => {
    if (triples > 0 && triples + r.lines.length + JOURNAL_TRIPLES > maxTriples) flush(i);
    for (const line of r.lines) {
      if (triples >= maxTriples) flush(i);
      add(r.serverGraph, tripleOf(line));
    }
    add(journalGraph, journalEntry(r), JOURNAL_TRIPLES);
  });
  flush(receipts.length);
  return out;
}
