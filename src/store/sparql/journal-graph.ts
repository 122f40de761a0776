// Reading a writer's journal graph back from a SPARQL server: its receipts in sequence order for
// export, its counts, and the walk of its chain that `kaizen verify` does.

import type * as RDF from '@rdfjs/types';
import { Parser } from 'n3';
import { digestOf, GENESIS_DIGEST, type Receipt } from '../../evidence/receipt.js';
import type { StoreStats, VerifyReport } from '../../evidence/store.js';
import type { TimeRange } from '../../evidence/time.js';
import { KZ, XSD } from '../../evidence/vocabulary.js';
import type { JournalReceipt } from '../journal.js';
import { parseReceiptLines } from '../receipt-lines.js';
import { type InstanceLayout, J } from './layout.js';
import type { SparqlRemote } from './remote.js';
import { normaliseLexical, sparqlIri } from './terms.js';

/** Receipts per page: well under a server's row limit (Virtuoso's default is 10,000). */
const PAGE = 500;
/** Quads per look-up of the quads behind a page's receipts. */
const QUADS_PER_CHECK = 5000;

interface Entry {
  readonly seq: number;
  readonly iri: string;
  readonly digest: string;
  readonly lines: string;
  readonly kind: string;
  readonly storedIn: string;
}

/** One page of an instance's journal entries, seq from `from` (inclusive) to `to` (exclusive), in seq order. */
async function page(remote: SparqlRemote, layout: InstanceLayout, from: number, to: number, filter = ''): Promise<Entry[]> {
  const rows = await remote.select(
    `SELECT ?r ?s ?d ?l ?k ?g WHERE { GRAPH ${sparqlIri(layout.journalGraph)} {
      ?r <${J.seq}> ?s ; <${J.digest}> ?d ; <${J.lines}> ?l ; <${J.kind}> ?k ; <${J.storedIn}> ?g ; <${J.epochMs}> ?t }
      FILTER (?s >= ${from} && ?s < ${to}${filter}) }`,
  );
  return rows
    .map((r) => ({ seq: Number(r.s!.value), iri: r.r!.value, digest: r.d!.value, lines: r.l!.value, kind: r.k!.value, storedIn: r.g!.value }))
    .sort((a, b) => a.seq - b.seq);
}

function journalReceipt(e: Entry, where: string): JournalReceipt {
  const lines = e.lines.split(/(?<=\n)/);
  const digestLine = lines.pop() ?? '';
  return { subject: `<${e.iri}>`, seq: e.seq, digest: e.digest, bodyLines: lines, digestLine, line: e.seq, file: where, startByte: 0, endByte: 0 };
}

/** An instance's receipts of a time range, oldest seq first, read page by page. */
export async function* readJournal(
  remote: SparqlRemote,
  layout: InstanceLayout,
  headSeq: number,
  options: { range: TimeRange; rollups: boolean },
): AsyncIterable<Receipt> {
  const { fromMs, toMs } = options.range;
  let filter = options.rollups ? '' : ' && ?k = "raw"';
  if (Number.isFinite(fromMs)) filter += ` && ?t >= ${fromMs}`;
  if (Number.isFinite(toMs)) filter += ` && ?t < ${toMs}`;
  for (let from = 1; from <= headSeq; from += PAGE) {
    for (const e of await page(remote, layout, from, from + PAGE, filter)) {
      const r = parseReceiptLines(journalReceipt(e, layout.journalGraph));
      if (r.timeMs >= fromMs && r.timeMs < toMs) yield r;
    }
  }
}

/** Counts of the journal graphs of some instances. */
export async function statsOf(remote: SparqlRemote, layouts: readonly InstanceLayout[]): Promise<Omit<StoreStats, 'lastSeq' | 'lastDigest' | 'loadedQuads'>> {
  const journals = layouts.map((l) => sparqlIri(l.journalGraph)).join(' ');
  const counts = await remote.select(
    `SELECT ?k (COUNT(?r) AS ?n) (SUM(?q) AS ?quads) WHERE { VALUES ?j { ${journals} } GRAPH ?j { ?r <${J.kind}> ?k ; <${J.quadCount}> ?q } } GROUP BY ?k`,
  );
  const days = await remote.select(`SELECT DISTINCT ?d WHERE { VALUES ?j { ${journals} } GRAPH ?j { ?r <${J.kind}> "raw" ; <${J.day}> ?d } }`);
  const of = (kind: string, v: 'n' | 'quads'): number => Number(counts.find((r) => r.k?.value === kind)?.[v]?.value ?? 0);
  return {
    receipts: of('raw', 'n') + of('rollup', 'n'),
    rawReceipts: of('raw', 'n'),
    rollupReceipts: of('rollup', 'n'),
    quads: of('raw', 'quads') + of('rollup', 'quads'),
    days: days.map((r) => r.d!.value).sort(),
    // The journal is a graph on the server: it has no size on this machine.
    journalBytes: 0,
  };
}

/** Doubles agree when they differ by no more than a server's printing of them does. */
const RELATIVE_TOLERANCE = 1e-13;

/**
 * The quads of one receipt as a multiset: doubles apart, by subject and predicate, since a server
 * keeps a double as a number. Virtuoso prints one with 6 significant digits in results but 15 or
 * more through STR(), so the server's doubles are read through STR() and compared with a tolerance.
 */
class QuadTally {
  private readonly exact = new Map<string, number>();
  private readonly doubles = new Map<string, number[]>();

  add(s: RDF.Term, p: RDF.Term, o: RDF.Term, lexical?: RDF.Term): void {
    if (o.termType === 'Literal' && (o.datatype.value === `${XSD}double` || o.datatype.value === `${XSD}float`)) {
      const key = `${s.value} ${p.value}`;
      const list = this.doubles.get(key) ?? [];
      list.push(Number(lexical?.value ?? o.value));
      this.doubles.set(key, list);
      return;
    }
    const value = o.termType === 'Literal' ? `"${normaliseLexical(o.value, o.datatype.value)}"@${o.language}^^${o.datatype.value}` : `<${o.value}>`;
    const key = `${s.value} ${p.value} ${value}`;
    this.exact.set(key, (this.exact.get(key) ?? 0) + 1);
  }

  /** The first quad that one tally has and the other has not, described; undefined when they agree. */
  differenceFrom(other: QuadTally): string | undefined {
    for (const [key, n] of this.exact) if (other.exact.get(key) !== n) return key;
    for (const key of other.exact.keys()) if (!this.exact.has(key)) return key;
    for (const key of new Set([...this.doubles.keys(), ...other.doubles.keys()])) {
      const a = [...(this.doubles.get(key) ?? [])].sort((x, y) => x - y);
      const b = [...(other.doubles.get(key) ?? [])].sort((x, y) => x - y);
      const close = (x: number, y: number): boolean => x === y || Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
      if (a.length !== b.length || a.some((x, i) => !close(x, b[i]!))) return `${key} ${a.join(',')} (the server has ${b.join(',')})`;
    }
    return undefined;
  }
}

/** The quads on the server behind some receipts, against their journal lines: the first difference, if any. */
async function compareQuads(remote: SparqlRemote, entries: readonly Entry[]): Promise<{ seq: number; message: string } | undefined> {
  const expected = new Map<string, { seq: number; lines: QuadTally; server: QuadTally }>();
  const parser = new Parser({ format: 'N-Quads' });
  for (const e of entries) {
    const lines = new QuadTally();
    for (const q of parser.parse(e.lines)) lines.add(q.subject, q.predicate, q.object);
    // A raw receipt shares its hour graph with others: it is keyed by graph and subject.
    expected.set(e.storedIn + (e.kind === 'raw' ? ` ${e.iri}` : ''), { seq: e.seq, lines, server: new QuadTally() });
  }
  const raw = entries.filter((e) => e.kind === 'raw');
  const rollups = entries.filter((e) => e.kind !== 'raw');
  const rows: { row: Record<string, RDF.Term>; raw: boolean }[] = [];
  if (raw.length > 0) {
    const values = raw.map((e) => `(${sparqlIri(e.iri)} ${sparqlIri(e.storedIn)})`).join(' ');
    const found = await remote.select(`SELECT ?g ?s ?p ?o (STR(?o) AS ?lex) WHERE { VALUES (?s ?g) { ${values} } GRAPH ?g { ?s ?p ?o } }`);
    rows.push(...found.map((row) => ({ row, raw: true })));
  }
  if (rollups.length > 0) {
    const values = rollups.map((e) => sparqlIri(e.storedIn)).join(' ');
    const found = await remote.select(`SELECT ?g ?s ?p ?o (STR(?o) AS ?lex) WHERE { VALUES ?g { ${values} } GRAPH ?g { ?s ?p ?o } }`);
    rows.push(...found.map((row) => ({ row, raw: false })));
  }
  for (const { row, raw: isRaw } of rows) {
    expected.get(row.g!.value + (isRaw ? ` ${row.s!.value}` : ''))?.server.add(row.s!, row.p!, row.o!, row.lex);
  }
  for (const { seq, lines, server } of expected.values()) {
    const missing = lines.differenceFrom(server);
    if (missing !== undefined) return { seq, message: `its quads on the server differ from its journal lines at ${missing}` };
  }
  return undefined;
}

/**
 * Walks one instance's chain 1, 2, 3, … on the server: every digest recomputed from the exact
 * lines in the journal graph, every digest line checked, and the quads that queries read
 * compared with those lines, so a receipt changed in either place is named by its seq.
 */
export async function verifyInstance(
  remote: SparqlRemote,
  layout: InstanceLayout,
  headSeq: number,
  onProgress?: (receipts: number) => void,
): Promise<VerifyReport> {
  let expected = 1;
  let prev = GENESIS_DIGEST;
  const where = (seq: number): string => `${layout.journalGraph} receipt ${seq}`;
  const fail = (problem: Extract<VerifyReport, { ok: false }>['problem'], seq: number, message: string): VerifyReport => ({
    ok: false,
    receipts: expected - 1,
    problem,
    seq,
    where: where(seq),
    message,
  });
  for (let from = 1; from <= headSeq; from += PAGE) {
    const entries = await page(remote, layout, from, from + PAGE);
    for (const e of entries) {
      if (e.seq < expected) return fail('duplicated', e.seq, `receipt ${e.seq} appears more than once (${layout.instance})`);
      if (e.seq > expected) {
        const range = e.seq - 1 === expected ? `${expected}` : `${expected} to ${e.seq - 1}`;
        return fail('removed', expected, `receipt ${range} of ${layout.instance} is missing: the chain jumps from ${expected - 1} to ${e.seq}`);
      }
      const jr = journalReceipt(e, layout.journalGraph);
      const graph = /<[^>]*> \.\n$/.exec(jr.bodyLines[0] ?? '')?.[0].slice(0, -3) ?? '';
      if (digestOf(jr.bodyLines, prev) !== e.digest || jr.digestLine !== `<${e.iri}> <${KZ}digest> "${e.digest}" ${graph} .\n`) {
        return fail('changed', e.seq, `receipt ${e.seq} was changed: its digest does not match its content and the digest of receipt ${e.seq - 1}`);
      }
      prev = e.digest;
      expected++;
    }
    let chunk: Entry[] = [];
    let quads = 0;
    for (const e of [...entries, undefined]) {
      const n = e === undefined ? 0 : e.lines.split('\n').length - 1;
      if (e === undefined || quads + n > QUADS_PER_CHECK) {
        const diff = chunk.length === 0 ? undefined : await compareQuads(remote, chunk);
        if (diff !== undefined) return fail('changed', diff.seq, `receipt ${diff.seq} was changed on the server: ${diff.message}`);
        chunk = [];
        quads = 0;
      }
      if (e !== undefined) {
        chunk.push(e);
        quads += n;
      }
    }
    onProgress?.(expected - 1);
  }
  if (expected - 1 < headSeq) return fail('removed', expected, `the chain of ${layout.instance} ends at receipt ${expected - 1}, but receipts up to ${headSeq} were written`);
  return { ok: true, receipts: expected - 1, lastSeq: expected - 1, lastDigest: prev };
}
