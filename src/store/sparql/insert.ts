// The SPARQL 1.1 Update that stores a batch of receipts: their quads in their server graphs and
// one journal entry each (exact lines, seq, time, place) in the writer's journal graph.

import { XSD } from '../../evidence/vocabulary.js';
import { J } from './layout.js';
import type { OutgoingReceipt } from './spool.js';
import { sparqlIri, sparqlString } from './terms.js';

/** A journal line `S P O <graph> .` without its graph: an N-Triples statement, which is SPARQL syntax. */
function tripleOf(line: string): string {
  const at = line.lastIndexOf(' <', line.length - 4);
  return `${line.slice(0, at)} .`;
}

/** The journal entry of a receipt, as triples. */
function journalEntry(r: OutgoingReceipt): string {
  const s = sparqlIri(r.iri);
  return [
    `${s} <${J.seq}> ${r.seq} ; <${J.epochMs}> ${r.timeMs} ; <${J.hour}> ${sparqlString(r.hour)} ; <${J.day}> ${sparqlString(r.hour.slice(0, 10))} ;`,
    `  <${J.kind}> ${sparqlString(r.kind)} ; <${J.storedIn}> ${sparqlIri(r.serverGraph)} ; <${J.digest}> ${sparqlString(r.digest)} ;`,
    `  <${J.quadCount}> "${r.lines.length}"^^<${XSD}integer> ; <${J.lines}> ${sparqlString(r.lines.join(''))} .`,
  ].join('\n');
}

/**
 * `INSERT DATA` for a batch. Inserting a quad that is already there changes nothing (a graph is
 * a set), so a batch re-sent after an answer that never arrived is stored exactly once.
 */
export function insertBatch(receipts: readonly OutgoingReceipt[], journalGraph: string): string {
  const byGraph = new Map<string, string[]>();
  const add = (g: string, text: string): void => {
    let list = byGraph.get(g);
    if (list === undefined) byGraph.set(g, (list = []));
    list.push(text);
  };
  for (const r of receipts) {
    for (const line of r.lines) add(r.serverGraph, tripleOf(line));
    add(journalGraph, journalEntry(r));
  }
  const blocks = [...byGraph].map(([g, triples]) => `GRAPH ${sparqlIri(g)} {\n${triples.join('\n')}\n}`);
  return `INSERT DATA {\n${blocks.join('\n')}\n}`;
}
