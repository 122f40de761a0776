// The EvidenceStore on a SPARQL 1.1 server: receipts sent as batched INSERT DATA (acknowledged on
// the server's 2xx, spooled on disk while it cannot be reached), queries run by the server over
// the loaded partitions, the chain state and journal read back from the server.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as RDF from '@rdfjs/types';
import { DataFactory, type Quad } from 'n3';
import { KaizenError } from '../errors.js';
import type { KaizenEvent } from '../evidence/event.js';
import { GENESIS_DIGEST, type Receipt, } from '../evidence/receipt.js';
import type {
  AppendOptions,
  AppendResult,
  EvidenceStore,
  PartitionRequest,
  QueryOptions,
  QueryResult,
  ReceiptBuilder,
  StoreStats,
  ValueRows,
  VerifyReport,
} from '../evidence/store.js';
import type { TimeRange } from '../evidence/time.js';
import { parseGraphIri, receiptIri } from '../evidence/vocabulary.js';
import { ChainHead } from './chain-head.js';
import { acquireLock, type DirectoryLock } from './lock.js';
import { type Credentials, DEFAULT_RETRY, type RetryPolicy, SparqlHttp } from './sparql/http.js';
import { readJournal, statsOf, verifyInstance } from './sparql/journal-graph.js';
import { DEFAULT_GRAPH_PREFIX, InstanceLayout, instanceIri, instancePrefix, J, registryGraph } from './sparql/layout.js';
import { LoadFiles } from './sparql/load-file.js';
import { type HourSummaries, ServerPartitions } from './sparql/partitions.js';
import { type PreparedQuery, prepareQuery, unionOverGraphs } from './sparql/prepare.js';
import { SparqlRemote } from './sparql/remote.js';
import { ReceiptSender } from './sparql/sender.js';
import { type OutgoingReceipt, outgoingReceipt, Spool } from './sparql/spool.js';
import { sparqlIri, sparqlString } from './sparql/terms.js';

const { namedNode } = DataFactory;

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

const HOUR_MS = 3_600_000;

/** A query that is a union over graphs goes as this many requests at once over a dataset of ... */
const SPLIT_PARTS = 4;
/** ... at least this many graphs (a day of hours; a week has 168). */
const SPLIT_FROM_GRAPHS = 24;

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
  private readonly sender: ReceiptSender;
  private lock: DirectoryLock | undefined;
  /** Every instance writing to the deployment, this one first (read from the registry). */
  private layouts: InstanceLayout[] = [];
  private readonly partitions: ServerPartitions;
  /** Hours of this instance that already have a rollup on the server. */
  private rolledUp: Set<string> | undefined;
  private readonly chain: ChainHead;
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
    this.chain = new ChainHead(instance);
    this.notice = options.onNotice ?? (() => undefined);
    const spool = new Spool(join(this.dataDir, 'spool', `${instance}.jsonl`));
    this.partitions = new ServerPartitions(this.remote, this.own, this.readOnly, () => this.layouts);
    this.sender = new ReceiptSender(this.remote, this.own.journalGraph, spool, options.maxTriples ?? 800);
  }

  /** Locks the spool (a writer), registers the instance, reads the chain head, re-sends the spool. */
  async open(): Promise<void> {
    if (!this.readOnly) {
      mkdirSync(this.dataDir, { recursive: true });
      this.lock = acquireLock(this.dataDir, (pid) => this.notice(`took over the lock left by process ${pid}, which no longer runs`));
    }
    if (!this.readOnly) {
      const me = sparqlIri(instanceIri(this.graphPrefix, this.own.instance));
      await this.remote.update(
        `INSERT DATA { GRAPH ${sparqlIri(registryGraph(this.graphPrefix))} { ${me} <${J.instance}> ${sparqlString(this.own.instance)} ; <${J.graphPrefix}> ${sparqlString(this.own.prefix)} } }`,
      );
    }
    await this.readLayouts();
    const head = await this.remoteHead(this.own);
    this.chain.moveTo(head.seq, head.digest);
    const last = this.readOnly ? undefined : this.sender.restore(head.seq);
    if (last !== undefined) {
      this.chain.moveTo(last.seq, last.digest);
      this.notice(`re-sending ${this.sender.unconfirmed} receipts spooled while ${this.endpoint} could not be reached`);
      await this.sender.send([]).catch((error: unknown) => this.notice(error instanceof Error ? error.message : String(error)));
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

  async appendEvents(events: readonly KaizenEvent[], options?: AppendOptions): Promise<AppendResult> {
    this.assertWritable();
    const receipts = this.chain.sealEvents(events);
    options?.onSealed?.(receipts);
    return this.commit(receipts, 'raw');
  }

  async appendReceipts(builders: readonly ReceiptBuilder[]): Promise<AppendResult> {
    this.assertWritable();
    this.rolledUp ??= await this.rolledUpHours();
    return this.commit(this.chain.sealBuilt(builders), 'rollup');
  }

  /** Records receipts sealed elsewhere (kaizen migrate), unchanged, each at the next chain position. */
  async appendSealed(receipts: readonly Receipt[]): Promise<AppendResult> {
    const items = await this.stageSealed(receipts);
    await this.sender.send(items);
    receipts.forEach((r, i) => {
      this.partitions.reachAppended(r, items[i]!.kind, items[i]!.serverGraph);
    });
    return { receipts };
  }

  /**
   * The receipts appendSealed would send, as they would go to the server, without sending them:
   * for the server's own bulk loader (kaizen migrate --load-files). The head moves past them here
   * only; the server has them once the load files are loaded.
   */
  async stageSealed(receipts: readonly Receipt[]): Promise<OutgoingReceipt[]> {
    this.assertWritable();
    this.rolledUp ??= await this.rolledUpHours();
    this.chain.follow(receipts);
    return receipts.map((r) => this.outgoing(r, r.graph.startsWith('urn:kaizen:rollup:') ? 'rollup' : 'raw'));
  }

  /** Load files for this writer's receipts (see stageSealed), in `dir`. */
  loadFiles(dir: string): LoadFiles {
    return new LoadFiles(dir, this.own, this.graphPrefix);
  }

  private async rolledUpHours(): Promise<Set<string>> {
    const rows = await this.remote.select(
      `SELECT DISTINCT ?h WHERE { GRAPH ${sparqlIri(this.own.journalGraph)} { ?r <${J.kind}> "rollup" ; <${J.hour}> ?h } }`,
    );
    return new Set(rows.map((r) => r.h?.value ?? ''));
  }

  private outgoing(r: Receipt, kind: 'raw' | 'rollup'): OutgoingReceipt {
    if (kind === 'raw') return outgoingReceipt(r, kind, this.own.serverGraph(r.graph));
    const hour = parseGraphIri(r.graph)?.hour ?? new Date(r.timeMs).toISOString().slice(0, 13);
    const serverGraph = this.own.rollupGraph(hour, this.rolledUp?.has(hour) === true ? r.seq : undefined);
    this.rolledUp?.add(hour);
    return outgoingReceipt(r, kind, serverGraph);
  }

  /** Sends the receipts (after anything spooled before them); resolves once the server confirmed them. */
  private async commit(receipts: Receipt[], kind: 'raw' | 'rollup'): Promise<AppendResult> {
    if (receipts.length === 0) return { receipts };
    const items = receipts.map((r) => this.outgoing(r, kind));
    await this.sender.send(items);
    receipts.forEach((r, i) => {
      this.partitions.reachAppended(r, kind, items[i]!.serverGraph);
    });
    return { receipts };
  }

  load(request: PartitionRequest): Promise<void> {
    return this.partitions.load(request);
  }

  release(request: PartitionRequest): void {
    this.partitions.release(request);
  }

  hourSummaries(range: TimeRange): Promise<HourSummaries> {
    return this.partitions.hourSummaries(range);
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

  /**
   * Runs the whole query on the server, over the graphs of the loaded partitions. A query whose
   * rows are a union over the graphs (unionOverGraphs, such as rollup-rows) goes as concurrent
   * requests over parts of a large dataset, which a server answers on several cores.
   */
  async query(sparql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const answers = await Promise.all(
      this.datasetParts(sparql).map((part) => this.remote.query(this.prepare(sparql, options, part), part, options.timeoutMs)),
    );
    if (answers.length === 1) return answers[0]!;
    const rows = answers.flatMap((a) => (a.kind === 'bindings' ? a.rows : []));
    return { kind: 'bindings', variables: answers[0]?.kind === 'bindings' ? answers[0].variables : [], rows };
  }

  /** Runs a SELECT on the server as query does, its rows fetched as CSV. */
  async selectValues(sparql: string, options: QueryOptions = {}): Promise<ValueRows> {
    const answers = await Promise.all(
      this.datasetParts(sparql).map((part) => this.remote.selectValues(this.prepare(sparql, options, part), part, options.timeoutMs)),
    );
    return { variables: answers[0]?.variables ?? [], rows: answers.flatMap((a) => a.rows) };
  }

  /** The loaded graphs, in SPLIT_PARTS parts for a query that is a union over graphs, else whole. */
  private datasetParts(sparql: string): string[][] {
    const dataset = this.partitions.graphs();
    if (dataset.length < SPLIT_FROM_GRAPHS || !unionOverGraphs(sparql)) return [dataset];
    const size = Math.ceil(dataset.length / SPLIT_PARTS);
    return Array.from({ length: SPLIT_PARTS }, (_, i) => dataset.slice(i * size, (i + 1) * size)).filter((part) => part.length > 0);
  }

  private prepare(sparql: string, options: QueryOptions, dataset: readonly string[]): PreparedQuery {
    const bindings: Record<string, RDF.Term> = {};
    // A graph parameter names the embedded store's graph; on the server it is this instance's.
    for (const [k, v] of Object.entries(options.bindings ?? {})) {
      bindings[k] = v.termType === 'NamedNode' && parseGraphIri(v.value) !== undefined ? namedNode(this.own.serverGraph(v.value)) : v;
    }
    return prepareQuery(sparql, bindings, dataset);
  }

  match(subject: RDF.Term | null, predicate: RDF.Term | null, object: RDF.Term | null, graph: RDF.Term | null): Quad[] {
    return this.partitions.mirror.getQuads(subject, predicate, object, graph);
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
    return { ...s, lastSeq: this.chain.seq, lastDigest: this.chain.digest, loadedQuads: this.partitions.mirror.size };
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
    return { seq: this.chain.seq, digest: this.chain.digest };
  }

  /** Receipts sealed but not yet confirmed by the server (kept in the spool). */
  get spooled(): number {
    return this.sender.unconfirmed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.sender.idle();
      if (this.sender.unconfirmed > 0) {
        this.notice(`${this.sender.unconfirmed} receipts stay in the spool (${this.sender.spoolPath}) until ${this.endpoint} answers; the next run re-sends them`);
      }
    } finally {
      this.lock?.release();
    }
  }
}
