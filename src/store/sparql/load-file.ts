// Bulk-load files for a SPARQL server: TriG of exactly what the appends of a run of receipts
// would store there (each receipt's quads in its server graph, its journal entry, the writer's
// registry entry), for a server's own loader (Virtuoso's ld_dir / rdf_loader_run, Oxigraph's
// `load`, Jena's tdb2.tdbloader), which takes millions of quads a minute where INSERT DATA
// takes thousands.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { journalTriples, tripleOf } from './insert.js';
import { type InstanceLayout, instanceIri, J, registryGraph } from './layout.js';
import type { OutgoingReceipt } from './spool.js';
import { sparqlIri, sparqlString } from './terms.js';

const INTEGER_OBJECT = / "([+-]?\d+)"\^\^<http:\/\/www\.w3\.org\/2001\/XMLSchema#integer> \.$/;

/**
 * An N-Quads line `S P O <graph> .\n` as a Turtle triple `S P O .` (N-Triples terms are Turtle
 * terms), an xsd:integer object written as a bare integer. That is the same literal (Turtle
 * §2.5.2), but Virtuoso's loader keeps a bare integer past 32 bits as an integer and a typed one
 * as an xsd:decimal, which would no longer match the receipt's digest. (Inside a string every
 * quote is escaped, so a quote after a space opens the object.)
 */
export function turtleTriple(line: string): string {
  return tripleOf(line).replace(INTEGER_OBJECT, ' $1 .');
}

/** Writes load files of at most about `maxBytes` each (a loader takes several files at once). */
export class LoadFiles {
  readonly files: string[] = [];
  #fd: number | undefined;
  #bytes = 0;
  #quads = 0;
  #receipts = 0;
  #chunks: string[] = [];
  #pending = 0;

  constructor(
    readonly dir: string,
    readonly layout: InstanceLayout,
    readonly graphPrefix: string,
    readonly maxBytes = 256 * 1024 * 1024,
  ) {
    mkdirSync(dir, { recursive: true });
    const reg = sparqlIri(registryGraph(graphPrefix));
    const me = sparqlIri(instanceIri(graphPrefix, layout.instance));
    this.#put(`${reg} {\n${me} <${J.instance}> ${sparqlString(layout.instance)} .\n${me} <${J.graphPrefix}> ${sparqlString(layout.prefix)} .\n}\n`, 2);
  }

  get quads(): number {
    return this.#quads;
  }

  get receipts(): number {
    return this.#receipts;
  }

  /** Adds receipts, in chain order, as the appends would have stored them. */
  add(receipts: readonly OutgoingReceipt[]): void {
    const journal = sparqlIri(this.layout.journalGraph);
    for (const r of receipts) {
      let text = `${sparqlIri(r.serverGraph)} {\n`;
      for (const line of r.lines) text += `${turtleTriple(line)}\n`;
      text += `}\n${journal} {\n`;
      const s = sparqlIri(r.iri);
      for (const [p, o] of journalTriples(r)) text += `${turtleTriple(`${s} <${p}> ${o} <g> .\n`)}\n`;
      this.#put(`${text}}\n`, r.lines.length + 9);
      this.#receipts++;
    }
  }

  #put(text: string, quads: number): void {
    this.#chunks.push(text);
    this.#pending += text.length;
    this.#quads += quads;
    if (this.#pending >= 1 << 20) this.#flush();
  }

  #flush(): void {
    if (this.#chunks.length === 0) return;
    if (this.#fd === undefined || this.#bytes >= this.maxBytes) {
      if (this.#fd !== undefined) closeSync(this.#fd);
      const file = join(this.dir, `kaizen-${String(this.files.length + 1).padStart(4, '0')}.trig`);
      this.files.push(file);
      this.#fd = openSync(file, 'w');
      this.#bytes = 0;
    }
    this.#bytes += writeSync(this.#fd, this.#chunks.join(''));
    this.#chunks = [];
    this.#pending = 0;
  }

  /** Writes what is left and closes the last file; returns the files written. */
  close(): string[] {
    this.#flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    return this.files;
  }
}
