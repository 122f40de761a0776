// The in-memory index of the partitions a command has loaded: quads grouped by named graph and,
// within a graph, by predicate, with a subject index built on first use. It is an RDF/JS Source
// for Comunica and the pattern matcher behind the store's `match`.
//
// Why not N3's Store: N3 dictionary-encodes every term into three nested indexes, about 10 µs
// and 1.2 kB per quad here (PERF-NOTES.md); a receipt is 15–17 quads, so holding the live hour
// cost more than building, hashing and journaling it. Evidence is partitioned by graph and
// queried by predicate, so plain arrays keyed that way answer the same patterns, and dropping a
// partition is deleting its graph's entry.

import type * as RDF from '@rdfjs/types';
import { ArrayIterator } from 'asynciterator';
import type { Quad } from 'n3';

type Term = RDF.Term | null | undefined;

interface GraphPart {
  readonly quads: Quad[];
  readonly byPredicate: Map<string, Quad[]>;
}

/** A key that tells terms of different kinds apart (an IRI from a literal of the same text). */
function termKey(t: RDF.Term): string {
  return t.termType === 'NamedNode' ? t.value : `${t.termType}\u0000${t.value}`;
}

function graphKey(g: RDF.Term): string {
  return g.termType === 'DefaultGraph' ? '' : termKey(g);
}

/** Variables (as Comunica passes them) match anything, as null does. */
function bound(t: Term): RDF.Term | undefined {
  return t === null || t === undefined || t.termType === 'Variable' ? undefined : t;
}

export class QuadIndex implements RDF.Source {
  readonly #graphs = new Map<string, GraphPart>();
  /** Subject key → its quads in every graph; built on the first subject lookup, kept up to date. */
  #bySubject: Map<string, Quad[]> | undefined;
  #size = 0;

  constructor(quads: Iterable<Quad> = []) {
    this.addQuads(quads);
  }

  /** Number of quads held. */
  get size(): number {
    return this.#size;
  }

  addQuad(q: Quad): void {
    const gk = graphKey(q.graph);
    let part = this.#graphs.get(gk);
    if (part === undefined) this.#graphs.set(gk, (part = { quads: [], byPredicate: new Map() }));
    part.quads.push(q);
    const pk = q.predicate.value;
    const list = part.byPredicate.get(pk);
    if (list === undefined) part.byPredicate.set(pk, [q]);
    else list.push(q);
    if (this.#bySubject !== undefined) {
      const sk = termKey(q.subject);
      const s = this.#bySubject.get(sk);
      if (s === undefined) this.#bySubject.set(sk, [q]);
      else s.push(q);
    }
    this.#size++;
  }

  addQuads(quads: Iterable<Quad>): void {
    for (const q of quads) this.addQuad(q);
  }

  /** Drops every quad of a named graph (the default graph for `''`). */
  dropGraph(graph: string): void {
    const part = this.#graphs.get(graph);
    if (part === undefined) return;
    this.#graphs.delete(graph);
    this.#size -= part.quads.length;
    this.#bySubject = undefined;
  }

  /** The named graphs held. */
  graphs(): string[] {
    return [...this.#graphs.keys()];
  }

  /** The quads of one graph, in the order they were added. */
  graphQuads(graph: string): readonly Quad[] {
    return this.#graphs.get(graph)?.quads ?? [];
  }

  #subjectIndex(): Map<string, Quad[]> {
    if (this.#bySubject !== undefined) return this.#bySubject;
    const index = new Map<string, Quad[]>();
    for (const part of this.#graphs.values()) {
      for (const q of part.quads) {
        const sk = termKey(q.subject);
        const list = index.get(sk);
        if (list === undefined) index.set(sk, [q]);
        else list.push(q);
      }
    }
    this.#bySubject = index;
    return index;
  }

  /** Calls `visit` for every quad that matches the pattern; stops early when it returns false. */
  #each(subject: Term, predicate: Term, object: Term, graph: Term, visit: (q: Quad) => boolean | undefined): void {
    const s = bound(subject);
    const p = bound(predicate);
    const o = bound(object);
    const g = bound(graph);
    const check = (q: Quad): boolean =>
      (s === undefined || q.subject.equals(s)) &&
      (p === undefined || q.predicate.equals(p)) &&
      (o === undefined || q.object.equals(o)) &&
      (g === undefined || q.graph.equals(g));
    if (s !== undefined) {
      for (const q of this.#subjectIndex().get(termKey(s)) ?? []) if (check(q) && visit(q) === false) return;
      return;
    }
    const parts = g === undefined ? this.#graphs.values() : [this.#graphs.get(graphKey(g))];
    for (const part of parts) {
      if (part === undefined) continue;
      const candidates = p === undefined ? part.quads : (part.byPredicate.get(p.value) ?? []);
      for (const q of candidates) if (check(q) && visit(q) === false) return;
    }
  }

  /** The quads that match the pattern (null or a variable = any). */
  getQuads(subject: Term, predicate: Term, object: Term, graph: Term): Quad[] {
    const out: Quad[] = [];
    this.#each(subject, predicate, object, graph, (q) => {
      out.push(q);
      return true;
    });
    return out;
  }

  /** How many quads match the pattern (Comunica uses it to plan joins). */
  countQuads(subject: Term, predicate: Term, object: Term, graph: Term): number {
    const g = bound(graph);
    if (bound(subject) === undefined && bound(object) === undefined) {
      // Only a predicate and a graph, if any: the lengths of the lists the index already keeps.
      const p = bound(predicate);
      const parts = g === undefined ? [...this.#graphs.values()] : [this.#graphs.get(graphKey(g))];
      return parts.reduce((n, part) => n + (part === undefined ? 0 : p === undefined ? part.quads.length : (part.byPredicate.get(p.value)?.length ?? 0)), 0);
    }
    let n = 0;
    this.#each(subject, predicate, object, graph, () => {
      n++;
      return true;
    });
    return n;
  }

  /** RDF/JS Source: the matching quads as a stream. */
  match(subject?: Term, predicate?: Term, object?: Term, graph?: Term): RDF.Stream<RDF.Quad> {
    return new ArrayIterator(this.getQuads(subject, predicate, object, graph), { autoStart: false }) as unknown as RDF.Stream<RDF.Quad>;
  }
}
