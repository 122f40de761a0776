// Runs the analyzer's rollup query over a window's rollups and folds its rows into facts.

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
import { loadCatalogue } from './catalogue.js';

/** The window facts and the names of the queries they came from. */
export interface FactsWithSources {
  readonly facts: WindowFacts;
  readonly queries: readonly string[];
}

/** No analyzer query may run longer than this. */
export const FACT_QUERY_TIMEOUT_MS = 120_000;

export const FACT_QUERIES = ['rollup-rows'] as const;

/** One subject's properties from rollup-rows.rq. */
type Props = Map<string, string>;

/**
 * Folds the (subject, property, value) rows of the loaded rollups into the row shapes of the
 * analyzer, keeping the rollups whose hour lies in the window.
 */
export function foldRollupRows(
  rows: readonly { s: string; p: string; o: string }[],
  range: TimeRange,
): { stats: HourStatsRow[]; histograms: HistogramRowIn[]; circuits: CircuitRowIn[]; episodes: EpisodeRowIn[] } {
  const subjects = new Map<string, Props>();
  for (const r of rows) {
    let props = subjects.get(r.s);
    if (props === undefined) subjects.set(r.s, (props = new Map()));
    props.set(r.p, r.o);
  }
  const hourOf = new Map<string, string>();
  for (const [subject, props] of subjects) {
    const hour = props.get(V.hour.value);
    if (props.has(V.sourceCount.value) && hour !== undefined) {
      const start = Date.parse(`${hour}:00:00Z`);
      if (start >= range.fromMs && start < range.toMs) hourOf.set(subject, hour);
    }
  }
  const out = { stats: [] as HourStatsRow[], histograms: [] as HistogramRowIn[], circuits: [] as CircuitRowIn[], episodes: [] as EpisodeRowIn[] };
  const n = (props: Props, p: { value: string }): number | undefined => {
    const v = props.get(p.value);
    return v === undefined ? undefined : Number(v);
  };
  for (const [subject, props] of subjects) {
    const hash = subject.indexOf('#');
    if (hash < 0) continue;
    const hour = hourOf.get(subject.slice(0, hash));
    if (hour === undefined) continue;
    const kind = props.get(V.type.value);
    const component = props.get(V.component.value) ?? '';
    const className = (props.get(V.eventType.value) ?? '').slice(KZ.length);
    if (kind === V.StatsRow.value) {
      const worker = props.get(V.worker.value);
      const sum = n(props, V.sum);
      out.stats.push({
        hour,
        className,
        component,
        count: n(props, V.count) ?? 0,
        ...(worker !== undefined && { worker }),
        ...(sum !== undefined && { values: n(props, V.valueCount) ?? n(props, V.count) ?? 0, sum, min: n(props, V.min)!, max: n(props, V.max)! }),
      });
    } else if (kind === V.HistogramRow.value) {
      out.histograms.push({ hour, className, component, histogram: props.get(V.histogram.value) ?? '' });
    } else if (kind === V.CircuitRow.value) {
      out.circuits.push({ hour, component, openSeconds: n(props, V.openSeconds) ?? 0 });
    } else if (kind === V.AlertEpisode.value) {
      const severity = props.get(V.severity.value);
      const end = n(props, V.end);
      out.episodes.push({
        alert: props.get(V.alert.value) ?? '',
        component,
        startMs: n(props, V.start) ?? 0,
        ...(severity !== undefined && { severity }),
        ...(end !== undefined && { endMs: end }),
      });
    }
  }
  return out;
}

/** Loads the window's rollups and computes its facts through the shipped rollup-rows query. */
export async function loadWindowFacts(store: EvidenceStore, range: TimeRange): Promise<FactsWithSources> {
  const q = loadCatalogue().get('rollup-rows');
  if (q === undefined) throw new KaizenError('KZN_QUERY_UNKNOWN', "the analyzer's query rollup-rows.rq is missing from queries/");
  await store.load({ range, rollups: true });
  const r = await store.selectValues(q.text, { timeoutMs: FACT_QUERY_TIMEOUT_MS });
  const rows = r.rows.map((b) => ({ s: b.s ?? '', p: b.p ?? '', o: b.o ?? '' }));
  return { facts: foldFacts(range, foldRollupRows(rows, range)), queries: [...FACT_QUERIES] };
}
