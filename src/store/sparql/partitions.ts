// The partitions a SPARQL store has loaded: the server graphs that are every query's dataset,
// the latest rollup graph of each hour for every instance, and a writer's mirror for `match`.

import type { Quad } from 'n3';
import { DataFactory } from 'n3';
import type { Receipt } from '../../evidence/receipt.js';
import type { PartitionRequest } from '../../evidence/store.js';
import { daysIn, type TimeRange } from '../../evidence/time.js';
import { parseGraphIri, receiptIri } from '../../evidence/vocabulary.js';
import { QuadIndex } from '../quad-index.js';
import { type InstanceLayout, J } from './layout.js';
import type { SparqlRemote } from './remote.js';
import { sparqlIri, sparqlString } from './terms.js';

const { namedNode, quad } = DataFactory;
const HOUR_MS = 3_600_000;

/** Per UTC hour: how many raw receipts, and the seq and digest of the last. */
export type HourSummaries = Map<string, { count: number; lastSeq: number; lastDigest: string }>;

export class ServerPartitions {
  /** Server graphs of the loaded partitions: the dataset of every query. */
  private readonly dataset = new Set<string>();
  /** Loaded partitions (`raw:HOUR`, `rollup:DAY`) and their server graphs. */
  private readonly loaded = new Map<string, string[]>();
  /** A writer's loaded rollups and appended receipts, for `match` (graphs named as the embedded store's). */
  readonly mirror = new QuadIndex();

  constructor(
    private readonly remote: SparqlRemote,
    private readonly own: InstanceLayout,
    private readonly readOnly: boolean,
    /** Every instance writing to the deployment, this one first. */
    private readonly layouts: () => readonly InstanceLayout[],
  ) {}

  /** The dataset of a query: every loaded server graph. */
  graphs(): string[] {
    return [...this.dataset];
  }

  /**
   * Brings what this writer appended to a loaded partition within reach of queries and `match`,
   * as the embedded store does: a new rollup replaces the hour's earlier one in the dataset.
   */
  reachAppended(r: Receipt, kind: 'raw' | 'rollup', serverGraph: string): void {
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
      // The server holds every raw graph: a drill reads the whole hours, which is allowed (never less).
      if (request.raw === true || request.drill === true) {
        for (const hour of hoursOf(day, request.range)) {
          const key = `raw:${hour}`;
          if (this.loaded.has(key)) continue;
          this.loaded.set(key, this.layouts().map((l) => l.hourGraph(hour)));
        }
      }
    }
    if (request.rollups === true) await this.loadRollups(daysIn(request.range).filter((d) => !this.loaded.has(`rollup:${d}`)));
    this.rebuildDataset();
  }

  /** The latest rollup graph of each hour of the days, for every instance; this writer's own are mirrored for `match`. */
  private async loadRollups(days: readonly string[]): Promise<void> {
    if (days.length === 0) return;
    const journals = this.layouts().map((l) => sparqlIri(l.journalGraph)).join(' ');
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
      if (request.raw === true || request.drill === true) {
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

  /** A writer rolls up its own hours; a reader sees every instance's. */
  async hourSummaries(range: TimeRange): Promise<HourSummaries> {
    const layouts = this.readOnly ? this.layouts() : [this.own];
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
