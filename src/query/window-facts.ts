// Runs the analyzer's rollup queries over a window and folds their rows into facts.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import {
  type CircuitRowIn,
  type EpisodeRowIn,
  foldFacts,
  type HistogramRowIn,
  type HourStatsRow,
  type WindowFacts,
} from '../analysis/facts.js';
import { KaizenError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { TimeRange } from '../evidence/time.js';
import { KZ, V } from '../evidence/vocabulary.js';
import { loadCatalogue, type NamedQuery } from './catalogue.js';

const { literal } = DataFactory;

const local = (t: RDF.Term | undefined): string => (t === undefined ? '' : t.value.startsWith(KZ) ? t.value.slice(KZ.length) : t.value);
const num = (t: RDF.Term | undefined): number | undefined => (t === undefined ? undefined : Number(t.value));

/** The window facts and the names of the queries they came from. */
export interface FactsWithSources {
  readonly facts: WindowFacts;
  readonly queries: readonly string[];
}

/** No analyzer query may run longer than this. */
export const FACT_QUERY_TIMEOUT_MS = 120_000;

export const FACT_QUERIES = ['hourly-stats', 'latency-histogram', 'circuit-open-seconds', 'alert-episodes'] as const;

async function select(store: EvidenceStore, q: NamedQuery, range: TimeRange): Promise<readonly Record<string, RDF.Term>[]> {
  const bindings = { from: literal(String(range.fromMs), V.xsdInteger), to: literal(String(range.toMs), V.xsdInteger) };
  const r = await store.query(q.text, { bindings, timeoutMs: FACT_QUERY_TIMEOUT_MS });
  if (r.kind !== 'bindings') throw new KaizenError('KZN_QUERY_FAILED', `the query ${q.name} must be a SELECT`);
  return r.rows;
}

/** Loads the window's rollups and computes its facts through the shipped queries. */
export async function loadWindowFacts(store: EvidenceStore, range: TimeRange): Promise<FactsWithSources> {
  const catalogue = loadCatalogue();
  const q = (name: string): NamedQuery => {
    const found = catalogue.get(name);
    if (found === undefined) throw new KaizenError('KZN_QUERY_UNKNOWN', `the analyzer's query ${name}.rq is missing from queries/`);
    return found;
  };
  await store.load({ range, rollups: true });
  const [stats, histograms, circuits, episodes] = [
    await select(store, q('hourly-stats'), range),
    await select(store, q('latency-histogram'), range),
    await select(store, q('circuit-open-seconds'), range),
    await select(store, q('alert-episodes'), range),
  ];
  const facts = foldFacts(range, {
    stats: stats.map(
      (r): HourStatsRow => ({
        hour: r.hour?.value ?? '',
        className: local(r.type),
        component: r.component?.value ?? '',
        count: num(r.count) ?? 0,
        ...(r.worker !== undefined && { worker: r.worker.value }),
        ...(r.min !== undefined && r.max !== undefined && { values: num(r.values) ?? 0, sum: num(r.sum) ?? 0, min: num(r.min)!, max: num(r.max)! }),
      }),
    ),
    histograms: histograms.map(
      (r): HistogramRowIn => ({
        hour: r.hour?.value ?? '',
        className: local(r.type),
        component: r.component?.value ?? '',
        histogram: r.histogram?.value ?? '',
      }),
    ),
    circuits: circuits.map(
      (r): CircuitRowIn => ({ hour: r.hour?.value ?? '', component: r.component?.value ?? '', openSeconds: num(r.openSeconds) ?? 0 }),
    ),
    episodes: episodes.map(
      (r): EpisodeRowIn => ({
        alert: r.alert?.value ?? '',
        component: r.component?.value ?? '',
        startMs: num(r.start) ?? 0,
        ...(r.severity !== undefined && { severity: r.severity.value }),
        ...(r.end !== undefined && { endMs: num(r.end)! }),
      }),
    ),
  });
  return { facts, queries: [...FACT_QUERIES] };
}
