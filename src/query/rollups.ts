// Builds the rollups of closed hours: finds hours whose rollup is missing or whose source
// changed, runs the rollup queries over each raw hour graph and appends the rollup receipts.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { KaizenError } from '../errors.js';
import type { FoldedHour, HourFolds } from '../evidence/hour-folds.js';
import {
  type AlertEpisode,
  type CircuitState,
  EMPTY_CARRY,
  foldColumns,
  type HistogramRow,
  type HourSummary,
  type RollupCarry,
  rollupReceipt,
  type StatsRow,
  summariseHour,
  type Transition,
} from '../evidence/rollup.js';
import type { EvidenceStore, QueryResult } from '../evidence/store.js';
import { DAY_MS, HOUR_MS, hourStartMs, type TimeRange } from '../evidence/time.js';
import { hourGraphIri, kzLocal, rollupGraphIri, V } from '../evidence/vocabulary.js';
import { loadCatalogue, type NamedQuery } from './catalogue.js';

const { namedNode } = DataFactory;

export interface RollupOptions {
  /** Rebuild every hour of the range, fresh or not. */
  readonly rebuild?: boolean;
  /** Hours that end after this time are still open and are not rolled up. */
  readonly nowMs: number;
  readonly onProgress?: (done: number, total: number, hour: string) => void;
  /**
   * Rows gathered from the receipts as this writer appended them. An hour whose gathered count
   * and last digest match its source is rolled up from them; any other through SPARQL.
   */
  readonly folds?: HourFolds;
}

export interface RollupReport {
  readonly built: readonly string[];
  /** Of the built hours, how many came from rows gathered at append time (the rest: SPARQL). */
  readonly folded: number;
  /** How many worker threads queried the hours that went through SPARQL (0: this thread did). */
  readonly workers: number;
  readonly fresh: number;
  readonly open: number;
}

const _local = (t: RDF.Term | undefined): string => kzLocal(t?.value);
const _num = (t: RDF.Term | undefined): number | undefined => (t === undefined ? undefined : Number(t.value));

function rowsOf(result: QueryResult, name: string): readonly Record<string, RDF.Term>[] {
  if (result.kind !== 'bindings') throw new KaizenError('KZN_QUERY_FAILED', `the query ${name} must be a SELECT`);
  return result.rows;
}

/** The carry (open circuits, firing alerts) recorded by the rollup of an hour, if it is loaded. */
export function carryOfRollup(store: EvidenceStore, hour: string): RollupCarry | undefined {
  const g = namedNode(rollupGraphIri(hour));
  if (store.match(null, V.type, V.HourRollup, g).length === 0) return undefined;
  const circuits: Record<string, CircuitState> = {};
  for (const q of store.match(null, V.stateAtEnd, null, g)) {
    const state = q.object.value as CircuitState;
    if (state === 'closed') continue;
    const component = store.match(q.subject, V.component, null, g)[0]?.object.value;
    if (component !== undefined) circuits[component] = state;
  }
  const alerts: AlertEpisode[] = [];
  for (const q of store.match(null, V.type, V.AlertEpisode, g)) {
    if (store.match(q.subject, V.end, null, g).length > 0) continue;
    const get = (p: RDF.NamedNode): string | undefined => store.match(q.subject, p, null, g)[0]?.object.value;
    const severity = get(V.severity);
    alerts.push({
      alert: get(V.alert) ?? '',
      component: get(V.component) ?? '',
      startMs: Number(get(V.start)),
      ...(severity !== undefined && { severity }),
    });
  }
  return { circuits, alerts };
}

function rollupSource(store: EvidenceStore, hour: string): { count: number; digest: string } | undefined {
  const g = namedNode(rollupGraphIri(hour));
  const count = store.match(null, V.sourceCount, null, g)[0]?.object.value;
  const digest = store.match(null, V.sourceDigest, null, g)[0]?.object.value;
  return count === undefined || digest === undefined ? undefined : { count: Number(count), digest };
}

type HourRows = { stats: StatsRow[]; histogramRows: HistogramRow[]; transitions: Transition[] };

/** The rows of an hour folded as its receipts were appended. */
function rowsOfGathered(gathered: FoldedHour): HourRows {
  return { ...foldColumns(gathered.columns), transitions: gathered.transitions };
}

/**
 * The summary of an hour whose every raw receipt this writer folded as it appended them (its
 * source: the folded count and last digest), after the carry the hour before left open: what
 * ensureRollups builds for such an hour.
 */
export function summaryOfGathered(hour: string, gathered: FoldedHour, carry: RollupCarry): HourSummary {
  return summariseHour({ hour, sourceCount: gathered.count, sourceDigest: gathered.lastDigest, carry, ...rowsOfGathered(gathered) });
}

/** The rows of rollup-columns and rollup-transitions (variable → value), typed and folded. */
function hourRows(columns: readonly Record<string, string | undefined>[], transitions: readonly Record<string, string | undefined>[]): HourRows {
  const folded = foldColumns(columns.map((r) => ({ receipt: r.r ?? '', predicate: r.p ?? '', value: r.o ?? '' })));
  return {
    ...folded,
    transitions: transitions.map((r) => ({
      className: kzLocal(r.type),
      component: r.component ?? '',
      timeMs: r.t === undefined ? 0 : Number(r.t),
      ...(r.alert !== undefined && { alert: r.alert }),
      ...(r.severity !== undefined && { severity: r.severity }),
    })),
  };
}

const values = (rows: readonly Record<string, RDF.Term>[]): Record<string, string>[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, t]) => [k, t.value])));

/** Runs the rollup queries over one loaded raw hour and returns the rows, typed. */
async function queryHour(store: EvidenceStore, queries: RollupQueries, hour: string): Promise<HourRows> {
  const bindings = { g: namedNode(hourGraphIri(hour)) };
  const columns = await store.query(queries.columns.text, { bindings });
  const transitions = await store.query(queries.transitions.text, { bindings });
  return hourRows(values(rowsOf(columns, queries.columns.name)), values(rowsOf(transitions, queries.transitions.name)));
}

/**
 * Every predicate rollup-columns.rq and rollup-transitions.rq read (a worker loads only these);
 * test/integration/rollup-workers.test.ts holds the rollups equal to those of whole hours.
 */
export const ROLLUP_PREDICATES: readonly string[] = [V.type, V.pillar, V.component, V.worker, V.value, V.bucket, V.epochMs, V.alert, V.severity].map((p) => p.value);

/** From this many hours to roll up through SPARQL on, the store's workers query them (when it has any). */
export const PARALLEL_MIN_HOURS = 4;

interface RollupQueries {
  readonly columns: NamedQuery;
  readonly transitions: NamedQuery;
}

let cachedQueries: RollupQueries | undefined;

/** The rollup queries of the catalogue, read once per process. */
function rollupQueries(): RollupQueries {
  if (cachedQueries !== undefined) return cachedQueries;
  const catalogue = loadCatalogue();
  const need = (name: string): NamedQuery => {
    const q = catalogue.get(name);
    if (q === undefined) throw new KaizenError('KZN_QUERY_UNKNOWN', `the rollup query ${name}.rq is missing from queries/`);
    return q;
  };
  cachedQueries = { columns: need('rollup-columns'), transitions: need('rollup-transitions') };
  return cachedQueries;
}

/**
 * Makes sure every closed hour of the range with raw receipts has a rollup that matches its
 * source (count and last digest); builds the missing and stale ones in time order.
 */
export async function ensureRollups(store: EvidenceStore, range: TimeRange, options: RollupOptions): Promise<RollupReport> {
  const queries = rollupQueries();
  const sources = await store.hourSummaries(range);
  const before = { fromMs: range.fromMs - DAY_MS, toMs: range.toMs };
  await store.load({ range: before, rollups: true });
  const hours = [...sources.keys()];
  let open = 0;
  let fresh = 0;
  const stale: string[] = [];
  for (const hour of hours) {
    if (hourStartMs(hour) + HOUR_MS > options.nowMs) {
      open++;
      continue;
    }
    const src = sources.get(hour)!;
    const have = rollupSource(store, hour);
    if (options.rebuild !== true && have !== undefined && have.count === src.count && have.digest === src.lastDigest) fresh++;
    else stale.push(hour);
  }
  const built: string[] = [];
  let folded = 0;
  let carry: RollupCarry | undefined;
  let prevHour: string | undefined;
  // Hours whose receipts this writer gathered as it appended fold those; the others go through SPARQL,
  // many of them in the store's worker threads, as many as there are cores.
  const gatheredOf = new Map<string, FoldedHour>();
  for (const hour of stale) {
    const src = sources.get(hour)!;
    const gathered = options.folds?.take(hour);
    if (gathered !== undefined && gathered.count === src.count && gathered.lastDigest === src.lastDigest) gatheredOf.set(hour, gathered);
  }
  const viaSparql = stale.filter((h) => !gatheredOf.has(h));
  const parallel = viaSparql.length >= PARALLEL_MIN_HOURS ? store.queryRawHoursInParallel?.(viaSparql, [queries.columns.text, queries.transitions.text], ROLLUP_PREDICATES) : undefined;
  try {
    for (const hour of stale) {
      // The state at the start of the hour is what the rollup of the hour before left open.
      const previous = new Date(hourStartMs(hour) - HOUR_MS).toISOString().slice(0, 13);
      if (prevHour !== previous || carry === undefined) carry = carryOfRollup(store, previous) ?? latestCarryBefore(store, hour);
      const src = sources.get(hour)!;
      const gathered = gatheredOf.get(hour);
      let rows: HourRows;
      if (gathered !== undefined) {
        rows = rowsOfGathered(gathered);
        folded++;
      } else if (parallel !== undefined) {
        const [columns, transitions] = await parallel.rowsOf(hour);
        rows = hourRows(columns ?? [], transitions ?? []);
      } else {
        const hourRange = { fromMs: hourStartMs(hour), toMs: hourStartMs(hour) + HOUR_MS };
        await store.load({ range: hourRange, raw: true });
        rows = await queryHour(store, queries, hour);
        store.release({ range: hourRange, raw: true });
      }
      const summary = summariseHour({ hour, sourceCount: src.count, sourceDigest: src.lastDigest, carry, ...rows });
      await store.appendReceipts([(seq, iri, prev) => rollupReceipt(summary, seq, iri, prev)]);
      carry = summary.carryOut;
      prevHour = hour;
      built.push(hour);
      options.onProgress?.(built.length, stale.length, hour);
    }
  } finally {
    await parallel?.close();
  }
  return { built, folded, fresh, open, workers: parallel?.workers ?? 0 };
}

/** The carry of the latest loaded rollup in the 24 hours before an hour, or none. */
function latestCarryBefore(store: EvidenceStore, hour: string): RollupCarry {
  for (let back = 2; back <= 24; back++) {
    const h = new Date(hourStartMs(hour) - back * HOUR_MS).toISOString().slice(0, 13);
    const carry = carryOfRollup(store, h);
    if (carry !== undefined) return carry;
  }
  return EMPTY_CARRY;
}
