// The EvidenceStore on a SPARQL 1.1 server: receipts sent as batched INSERT DATA (acknowledged on
// the server's 2xx, spooled on disk while it cannot be reached), queries run by the server over
// the loaded partitions, the chain state and journal read back from the server.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as RDF from '@rdfjs/types';
import { DataFactory, type Quad } from 'n3';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { checkSealed, GENESIS_DIGEST, type Receipt, toReceipt } from '../evidence/receipt.js';
import type {
  AppendResult,
  EvidenceStore,
  PartitionRequest,
  QueryOptions,
  QueryResult,
  ReceiptBuilder,
  StoreStats,
  VerifyReport,
} from '../evidence/store.js';
import { daysIn, type TimeRange } from '../evidence/time.js';
import { parseGraphIri, receiptIri } from '../evidence/vocabulary.js';
import { acquireLock, type DirectoryLock } from './lock.js';
import { QuadIndex } from './quad-index.js';
import { type Credentials, DEFAULT_RETRY, type RetryPolicy, SparqlHttp } from './sparql/http.js';
import { insertRequests } from './sparql/insert.js';
import { readJournal, statsOf, verifyInstance } from './sparql/journal-graph.js';
import { DEFAULT_GRAPH_PREFIX, InstanceLayout, instanceIri, instancePrefix, J, registryGraph } from './sparql/layout.js';
import { prepareQuery } from './sparql/prepare.js';
import { SparqlRemote } from './sparql/remote.js';
import { type OutgoingReceipt, Spool } from './sparql/spool.js';
import { sparqlIri, sparqlString } from './sparql/terms.js';

const { namedNode, quad } = DataFactory;

export interface SparqlStoreOptions {
  /** The SPARQL 1.1 query service. */
  readonly endpoint: string;
  /** The SPARQL 1.1 update service (default: the query service). */
  readonly updateEndpoint?: string;
  /** The prefix of every graph kaizen writes (default `urn:kaizen:`, the embedded store's). */
  readonly graphPrefix?: string;
  /** Id of this writer: its receipt IRIs, its chain and its graphs (default `local`). */
  readonly instance?: string;
  readonly credentials?: Credentials;
  /** Where the writer's lock and spool live. */
  readonly dataDir: string;
  readonly readOnly?: boolean;
  readonly retry?: RetryPolicy;
  /** Triples per INSERT DATA request (Virtuoso refuses much more than 1,000). */
  readonly maxTriples?: number;
  readonly onNotice?: (message: string) => void;
}

const MAX_REMEMBERED_IDS = 100_000;
const HOUR_MS = 3_600_000;

/** Opens a store on a server: reads the chain head, re-sends what a previous run spooled. */
export async function openSparqlStore(options: SparqlStoreOptions): Promise<SparqlStore> {
  const store = new SparqlStore(options);
  try {
    await store.open();
  } catch (error) {
    store.abandon();
    throw error;
  }
  return store;
}

export class SparqlStore implements EvidenceStore {
  readonly readOnly: boolean;
  readonly dataDir: string;
  readonly endpoint: string;
  private readonly remote: SparqlRemote;
  private readonly graphPrefix: string;
  private readonly own: InstanceLayout;
  private readonly notice: (message: string) => void;
  private readonly maxTriples: number;
  private readonly spool: Spool;
  private lock: DirectoryLock | undefined;
  /** Every instance writing to the deployment, this one first (read from the registry). */
  private layouts: InstanceLayout[] = [];
  /** Server graphs of the loaded partitions: the dataset of every query. */
  private readonly dataset = new Set<string>();
  private readonly loaded = new Map<string, string[]>();
  /** This writer's loaded rollups and appended receipts, for `match` (graphs named as the embedded store's). */
  private readonly mirror = new QuadIndex();
  /** Hours of this instance that already have a rollup on the server. */
  private rolledUp: Set<string> | undefined;
  private readonly receiptOfEventId = new Map<string, string>();
  private seq = 0;
  private digest = GENESIS_DIGEST;
  private pending: OutgoingReceipt[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: SparqlStoreOptions) {
    this.readOnly = options.readOnly === true;
    this.dataDir = options.dataDir;
    this.endpoint = options.endpoint;
    const retry = options.retry ?? DEFAULT_RETRY;
    const queryHttp = new SparqlHttp(options.endpoint, options.credentials, retry);
    const updateHttp = new SparqlHttp(options.updateEndpoint ?? options.endpoint, options.credentials, retry);
    this.remote = new SparqlRemote(queryHttp, updateHttp);
    this.graphPrefix = options.graphPrefix ?? DEFAULT_GRAPH_PREFIX;
    const instance = options.instance ?? 'local';
    this.own = new InstanceLayout(instance, instancePrefix(this.graphPrefix, instance));
    this.notice = options.onNotice ?? (() => undefined);
    this.maxTriples = options.maxTriples ?? 800;
    this.spool = new Spool(join(this.dataDir, 'spool', `${instance}.jsonl`));
  }

  /** Locks the spool (a writer), registers the instance, reads the chain head, re-sends the spool. */
  async open(): Promise<void> {
    if (!this.readOnly) {
      mkdirSync(this.dataDir, { recursive: true });
      this.lock = acquireLock(this.dataDir, (pid) => this.notice(`took over the lock left by process ${pid}, which no longer runs`));
    }
    const spooled = this.readOnly ? [] : this.spool.read();
    if (!this.readOnly && spooled.length === 0) {
      const me = sparqlIri(instanceIri(this.graphPrefix, this.own.instance));
      await this.remote.update(
        `INSERT DATA { GRAPH ${sparqlIri(registryGraph(this.graphPrefix))} { ${me} <${J.instance}> ${sparqlString(this.own.instance)} ; <${J.graphPrefix}> ${sparqlString(this.own.prefix)} } }`,
      );
    }
    await this.readLayouts();
    const head = await this.remoteHead(this.own);
    this.seq = head.seq;
    this.digest = head.digest;
    const last = spooled[spooled.length - 1];
    if (last !== undefined && last.seq > this.seq) {
      this.seq = last.seq;
      this.digest = last.digest;
      this.pending = spooled.filter((r) => r.seq > head.seq);
      this.notice(`re-sending ${this.pending.length} receipts spooled while ${this.endpoint} could not be reached`);
      await this.deliver([]).catch((error: unknown) => this.notice(error instanceof Error ? error.message : String(error)));
    }
  }

  /** Releases the lock of a store whose open failed. */
  abandon(): void {
    this.lock?.release();
  }

  private async readLayouts(): Promise<void> {
    const rows = await this.remote.select(
      `SELECT ?i ?p WHERE { GRAPH ${sparqlIri(registryGraph(this.graphPrefix))} { ?x <${J.instance}> ?i ; <${J.graphPrefix}> ?p } }`,
    );
    const others = rows.filter((r) => r.i?.value !== this.own.instance).map((r) => new InstanceLayout(r.i!.value, r.p!.value));
    others.sort((a, b) => (a.instance < b.instance ? -1 : 1));
    this.layouts = [this.own, ...others];
  }

  /** The last receipt of an instance's chain on the server. */
  private async remoteHead(layout: InstanceLayout): Promise<{ seq: number; digest: string }> {
    const rows = await this.remote.select(`SELECT (MAX(?s) AS ?m) WHERE { GRAPH ${sparqlIri(layout.journalGraph)} { ?r <${J.seq}> ?s } }`);
    const max = Number(rows[0]?.m?.value ?? 0);
    if (!Number.isInteger(max) || max === 0) return { seq: 0, digest: GENESIS_DIGEST };
    const d = await this.remote.select(
      `SELECT ?d WHERE { GRAPH ${sparqlIri(layout.journalGraph)} { ${sparqlIri(receiptIri(layout.instance, max))} <${J.digest}> ?d } }`,
    );
    return { seq: max, digest: d[0]?.d?.value ?? GENESIS_DIGEST };
  }

  private assertWritable(): void {
    if (this.closed) throw new KaizenError('KZN_STORE_READONLY', 'the store is closed');
    if (this.readOnly) throw new KaizenError('KZN_STORE_READONLY', `the store on ${this.endpoint} was opened read-only`);
  }

  async appendEvents(events: readonly KaizenEvent[]): Promise<AppendResult> {
    this.assertWritable();
    const receipts: Receipt[] = [];
    for (const event of events) {
      this.seq++;
      const informedBy = event.causedBy === undefined ? undefined : this.receiptOfEventId.get(event.causedBy);
      const r = toReceipt(event, { seq: this.seq, prevDigest: this.digest, instance: this.own.instance }, informedBy);
      this.digest = r.digest;
      if (event.id !== undefined) this.rememberEventId(event.id, r.iri);
      receipts.push(r);
    }
    return this.commit(receipts, 'raw');
  }

  async appendReceipts(builders: readonly ReceiptBuilder[]): Promise<AppendResult> {
    this.assertWritable();
    this.rolledUp ??= await this.rolledUpHours();
    const receipts: Receipt[] = [];
    for (const build of builders) {
      this.seq++;
      const r = build(this.seq, receiptIri(this.own.instance, this.seq), this.digest);
      this.digest = r.digest;
      receipts.push(r);
    }
    return this.commit(receipts, 'rollup');
  }

  /** Records receipts sealed elsewhere (kaizen migrate), unchanged, each at the next chain position. */
  async appendSealed(receipts: readonly Receipt[]): Promise<AppendResult> {
    this.assertWritable();
    this.rolledUp ??= await this.rolledUpHours();
    const items: OutgoingReceipt[] = [];
    for (const r of receipts) {
      checkSealed(r, this.seq, this.digest);
      this.seq = r.seq;
      this.digest = r.digest;
      items.push(this.outgoing(r, r.graph.startsWith('urn:kaizen:rollup:') ? 'rollup' : 'raw'));
    }
    const run = this.tail.then(() => this.deliver(items));
    this.tail = run.catch(() => undefined);
    await run;
    receipts.forEach((r, i) => {
      this.reachAppended(r, items[i]!.kind, items[i]!.serverGraph);
    });
    return { receipts };
  }

  private rememberEventId(id: string, iri: string): void {
    this.receiptOfEventId.delete(id);
    this.receiptOfEventId.set(id, iri);
    if (this.receiptOfEventId.size > MAX_REMEMBERED_IDS) {
      const oldest = this.receiptOfEventId.keys().next().value;
      if (oldest !== undefined) this.receiptOfEventId.delete(oldest);
    }
  }

  private async rolledUpHours(): Promise<Set<string>> {
    const rows = await this.remote.select(
      `SELECT DISTINCT ?h WHERE { GRAPH ${sparqlIri(this.own.journalGraph)} { ?r <${J.kind}> "rollup" ; <${J.hour}> ?h } }`,
    );
    return new Set(rows.map((r) => r.h?.value ?? ''));
  }

  private outgoing(r: Receipt, kind: 'raw' | 'rollup'): OutgoingReceipt {
    const hour = parseGraphIri(r.graph)?.hour ?? new Date(r.timeMs).toISOString().slice(0, 13);
    let serverGraph = this.own.serverGraph(r.graph);
    if (kind === 'rollup') {
      serverGraph = this.own.rollupGraph(hour, this.rolledUp?.has(hour) === true ? r.seq : undefined);
      this.rolledUp?.add(hour);
    }
    return { iri: r.iri, seq: r.seq, timeMs: r.timeMs, kind, hour, digest: r.digest, serverGraph, lines: r.lines };
  }

  /** Sends the receipts (after anything spooled before them); resolves once the server confirmed them. */
  private async commit(receipts: Receipt[], kind: 'raw' | 'rollup'): Promise<AppendResult> {
    if (receipts.length === 0) return { receipts };
    const items = receipts.map((r) => this.outgoing(r, kind));
    const run = this.tail.then(() => this.deliver(items));
    this.tail = run.catch(() => undefined);
    await run;
    receipts.forEach((r, i) => {
      this.reachAppended(r, kind, items[i]!.serverGraph);
    });
    return { receipts };
  }

  /**
   * Sends the spooled receipts, then `items`, in batches. On a failure `items` join the spool
   * (fsynced) and the append is refused with the reason. The spool may keep receipts the server
   * did confirm before the failure: sending them again stores nothing twice (see insertBatch),
   * and on open only those past the server's head are re-sent.
   */
  private async deliver(items: readonly OutgoingReceipt[]): Promise<void> {
    const queue = [...this.pending, ...items];
    const spooled = this.pending.length > 0;
    let sent = 0;
    try {
      for (const request of insertRequests(queue, this.own.journalGraph, this.maxTriples)) {
        await this.remote.update(request.text);
        sent = request.complete;
      }
    } catch (error) {
      this.spool.append(items);
      const unsent = queue.slice(sent);
      this.pending = unsent;
      const first = unsent[0]!;
      const reason = error instanceof Error ? error.message : String(error);
      throw new KaizenError(
        error instanceof KaizenError ? error.code : 'KZN_ENDPOINT_UNREACHABLE',
        `${reason}; receipts ${first.seq}–${unsent[unsent.length - 1]!.seq} are kept in the spool (${this.spool.path}) and will be sent on the next append or open`,
        { cause: error, hint: 'Nothing is lost: the spool is re-sent, in order, once the server answers again.' },
      );
    }
    if (spooled) this.spool.clear();
    this.pending = [];
  }

  /**
   * Brings what this writer appended to a loaded partition within reach of queries and `match`,
   * as the embedded store does: a new rollup replaces the hour's earlier one in the dataset.
   */
  private reachAppended(r: Receipt, kind: 'raw' | 'rollup', serverGraph: string): void {
    const hour = parseGraphIri(r.graph)?.hour;
    if (hour === undefined) return;
    const key = kind === 'raw' ? `raw:${hour}` : `rollup:${hour.slice(0, 10)}`;
    const graphs = this.loaded.get(key);
    if (graphs === undefined) return;
    if (kind === 'rollup') {
      const base = this.own.rollupGraph(hour);
      this.loaded.set(key, [...graphs.filter((g) => g !== base && !g.startsWith(`${base}/`)), serverGraph]);
      this.rebuildDataset();
      this.mirror.dropGraph(r.graph);
    }
    this.mirror.addQuads(r.quads as Quad[]);
  }

  async load(request: PartitionRequest): Promise<void> {
    for (const day of daysIn(request.range)) {
      if (request.raw === true) {
        for (const hour of hoursOf(day, request.range)) {
          const key = `raw:${hour}`;
          if (this.loaded.has(key)) continue;
          this.loaded.set(key, this.layouts.map((l) => l.hourGraph(hour)));
        }
      }
    }
    if (request.rollups === true) await this.loadRollups(daysIn(request.range).filter((d) => !this.loaded.has(`rollup:${d}`)));
    this.rebuildDataset();
  }

  /** The latest rollup graph of each hour of the days, for every instance; this writer's own are mirrored for `match`. */
  private async loadRollups(days: readonly string[]): Promise<void> {
    if (days.length === 0) return;
    const journals = this.layouts.map((l) => sparqlIri(l.journalGraph)).join(' ');
    const rows = await this.remote.select(
      `SELECT ?j ?h ?s ?g WHERE { VALUES ?j { ${journals} } VALUES ?d { ${days.map(sparqlString).join(' ')} }
        GRAPH ?j { ?r <${J.day}> ?d ; <${J.kind}> "rollup" ; <${J.hour}> ?h ; <${J.seq}> ?s ; <${J.storedIn}> ?g } }`,
    );
    const latest = new Map<string, { seq: number; graph: string; day: string; own: boolean; hour: string }>();
    for (const r of rows) {
      const key = `${r.j!.value} ${r.h!.value}`;
      const seq = Number(r.s!.value);
      if ((latest.get(key)?.seq ?? 0) < seq) {
        latest.set(key, { seq, graph: r.g!.value, day: r.h!.value.slice(0, 10), own: r.j!.value === this.own.journalGraph, hour: r.h!.value });
      }
    }
    for (const day of days) this.loaded.set(`rollup:${day}`, []);
    for (const e of latest.values()) this.loaded.get(`rollup:${e.day}`)?.push(e.graph);
    const own = [...latest.values()].filter((e) => e.own);
    if (this.readOnly || own.length === 0) return;
    // ensureRollups reads the carry and source of the hours before through match (small: one receipt an hour).
    const quads = await this.remote.select(
      `SELECT ?g ?s ?p ?o WHERE { VALUES ?g { ${own.map((e) => sparqlIri(e.graph)).join(' ')} } GRAPH ?g { ?s ?p ?o } }`,
    );
    const localOf = new Map(own.map((e) => [e.graph, `urn:kaizen:rollup:${e.hour}`]));
    for (const g of localOf.values()) this.mirror.dropGraph(g);
    this.mirror.addQuads(
      quads.map((q) => quad(q.s as Quad['subject'], q.p as Quad['predicate'], q.o as Quad['object'], namedNode(localOf.get(q.g!.value)!))),
    );
  }

  release(request: PartitionRequest): void {
    for (const day of daysIn(request.range)) {
      if (request.rollups === true && this.loaded.delete(`rollup:${day}`)) {
        for (let h = 0; h < 24; h++) this.mirror.dropGraph(`urn:kaizen:rollup:${day}T${String(h).padStart(2, '0')}`);
      }
      if (request.raw === true) {
        for (const hour of hoursOf(day, request.range)) {
          if (this.loaded.delete(`raw:${hour}`)) this.mirror.dropGraph(`urn:kaizen:hour:${hour}`);
        }
      }
    }
    this.rebuildDataset();
  }

  private rebuildDataset(): void {
    this.dataset.clear();
    for (const graphs of this.loaded.values()) for (const g of graphs) this.dataset.add(g);
  }

  async hourSummaries(range: TimeRange): Promise<Map<string, { count: number; lastSeq: number; lastDigest: string }>> {
    // A writer rolls up its own hours; a reader sees every instance's.
    const layouts = this.readOnly ? this.layouts : [this.own];
    const days = daysIn(range);
    if (days.length === 0) return new Map();
    const rows = await this.remote.select(
      `SELECT ?j ?h (COUNT(?r) AS ?n) (MAX(?s) AS ?last) WHERE { VALUES ?j { ${layouts.map((l) => sparqlIri(l.journalGraph)).join(' ')} }
        VALUES ?d { ${days.map(sparqlString).join(' ')} }
        GRAPH ?j { ?r <${J.day}> ?d ; <${J.kind}> "raw" ; <${J.hour}> ?h ; <${J.seq}> ?s } } GROUP BY ?j ?h`,
    );
    const byHour = new Map<string, { count: number; lastSeq: number; journal: string }>();
    for (const r of rows) {
      const hour = r.h!.value;
      const start = Date.parse(`${hour}:00:00Z`);
      if (start + HOUR_MS <= range.fromMs || start >= range.toMs) continue;
      const e = byHour.get(hour) ?? { count: 0, lastSeq: 0, journal: '' };
      const last = Number(r.last!.value);
      e.count += Number(r.n!.value);
      if (last > e.lastSeq) Object.assign(e, { lastSeq: last, journal: r.j!.value });
      byHour.set(hour, e);
    }
    const digests = new Map<string, string>();
    const instanceOf = new Map(layouts.map((l) => [l.journalGraph, l.instance]));
    const wanted = [...byHour].map(([hour, e]) => ({ hour, e, iri: receiptIri(instanceOf.get(e.journal) ?? '', e.lastSeq) }));
    for (let i = 0; i < wanted.length; i += 200) {
      const part = wanted.slice(i, i + 200);
      const got = await this.remote.select(
        `SELECT ?r ?d WHERE { VALUES ?r { ${part.map((w) => sparqlIri(w.iri)).join(' ')} } GRAPH ?j { ?r <${J.digest}> ?d ; <${J.kind}> "raw" } }`,
      );
      for (const g of got) digests.set(g.r!.value, g.d!.value);
    }
    const out = new Map<string, { count: number; lastSeq: number; lastDigest: string }>();
    for (const { hour, e, iri } of wanted) out.set(hour, { count: e.count, lastSeq: e.lastSeq, lastDigest: digests.get(iri) ?? '' });
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  async locateReceipt(iri: string): Promise<string | undefined> {
    if (!/^urn:kaizen:receipt:[^:]+:\d+$/.test(iri)) return undefined;
    const rows = await this.remote.select(`SELECT ?h WHERE { GRAPH ?j { ${sparqlIri(iri)} <${J.kind}> "raw" ; <${J.hour}> ?h } } LIMIT 1`);
    const hour = rows[0]?.h?.value;
    if (hour === undefined) return undefined;
    const fromMs = Date.parse(`${hour}:00:00Z`);
    await this.load({ range: { fromMs, toMs: fromMs + HOUR_MS }, raw: true });
    return hour;
  }

  /** Runs the whole query on the server, over the graphs of the loaded partitions. */
  async query(sparql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const bindings: Record<string, RDF.Term> = {};
    // A graph parameter names the embedded store's graph; on the server it is this instance's.
    for (const [k, v] of Object.entries(options.bindings ?? {})) {
      bindings[k] = v.termType === 'NamedNode' && parseGraphIri(v.value) !== undefined ? namedNode(this.own.serverGraph(v.value)) : v;
    }
    return this.remote.query(prepareQuery(sparql, bindings), [...this.dataset]);
  }

  match(subject: RDF.Term | null, predicate: RDF.Term | null, object: RDF.Term | null, graph: RDF.Term | null): Quad[] {
    return this.mirror.getQuads(subject, predicate, object, graph);
  }

  async *exportReceipts(range: TimeRange, options: { rollups?: boolean } = {}): AsyncIterable<Receipt> {
    for (const layout of this.layouts) {
      const head = await this.remoteHead(layout);
      yield* readJournal(this.remote, layout, head.seq, { range, rollups: options.rollups === true });
    }
  }

  /** This instance's whole chain, raw and rollup receipts, in sequence order. */
  async *ownChain(): AsyncIterable<Receipt> {
    const head = await this.remoteHead(this.own);
    yield* readJournal(this.remote, this.own, head.seq, { range: { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY }, rollups: true });
  }

  async stats(): Promise<StoreStats> {
    const s = await statsOf(this.remote, this.readOnly ? this.layouts : [this.own]);
    return { ...s, lastSeq: this.seq, lastDigest: this.digest, loadedQuads: this.mirror.size };
  }

  /** Walks every instance's chain on the server, and checks each receipt's quads against its journal lines. */
  async verify(onProgress?: (receipts: number) => void): Promise<VerifyReport> {
    let total = 0;
    let last: VerifyReport | undefined;
    for (const layout of this.layouts) {
      const head = await this.remoteHead(layout);
      const report = await verifyInstance(this.remote, layout, head.seq, (n) => onProgress?.(total + n));
      if (!report.ok) return { ...report, receipts: total + report.receipts };
      total += report.receipts;
      if (layout === this.own || last === undefined) last = report;
    }
    if (last === undefined || !last.ok) return { ok: true, receipts: 0, lastSeq: 0, lastDigest: GENESIS_DIGEST };
    return { ...last, receipts: total };
  }

  /** The chain position the next receipt will take. */
  head(): { seq: number; digest: string } {
    return { seq: this.seq, digest: this.digest };
  }

  /** Receipts sealed but not yet confirmed by the server (kept in the spool). */
  get spooled(): number {
    return this.pending.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.tail;
      if (this.pending.length > 0) {
        this.notice(`${this.pending.length} receipts stay in the spool (${this.spool.path}) until ${this.endpoint} answers; the next run re-sends them`);
      }
    } finally {
      this.lock?.release();
    }
  }
}

/** The hours of a day that a range overlaps. */
function hoursOf(day: string, range: TimeRange): string[] {
  const out: string[] = [];
  for (let h = 0; h < 24; h++) {
    const hour = `${day}T${String(h).padStart(2, '0')}`;
    const start = Date.parse(`${hour}:00:00Z`);
    if (start + HOUR_MS > range.fromMs && start < range.toMs) out.push(hour);
  }
  return out;
}
