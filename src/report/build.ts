// Builds the weekly review from a store: the analysis of the week and the week before from the
// rollups, then the week's incidents drilled into from the raw hours around them.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import type { Facts } from '../analysis/facts.js';
import { hourTally } from '../analysis/slo.js';
import type { SloSpec } from '../analysis/slo-spec.js';
import { KaizenError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, parseWeekInZone, type TimeRange, WEEK_MS } from '../evidence/time.js';
import { kzLocal, V } from '../evidence/vocabulary.js';
import { analyzeWindow } from '../query/analyze.js';
import { loadCatalogue } from '../query/catalogue.js';
import { signalReceipts } from '../query/lifecycle.js';
import { findAlertReceipt, whyOfReceipt } from '../query/why.js';
import { type AbandonedSignal, REVIEW_SCHEMA_ID, type ReviewIncident, type ReviewModel, reviewWeek, sloDecision, verdictOf, whysOf } from './model.js';

const { literal } = DataFactory;

/** How many incidents get a 5-Whys chain (each one reads the raw hours around it). */
export const INCIDENTS_WITH_WHYS = 5;
export const MAX_INCIDENTS = 10;

/** The most abandoned signals a review lists (the count in the flow table is exact). */
export const MAX_ABANDONED_LISTED = 50;

const iso = (ms: number): string => new Date(ms).toISOString();
const local = (t: RDF.Term | undefined): string => kzLocal(t?.value);

interface Opening {
  component: string;
  startMs: number;
  endMs: number | null;
  receipt: string;
}

/** The circuit openings of the hours whose rollups show open time, from their raw graphs. */
async function circuitOpenings(store: EvidenceStore, hours: readonly string[], window: TimeRange): Promise<(Opening & { reopenings: number })[]> {
  const q = loadCatalogue().get('circuit-timeline');
  if (q === undefined || hours.length === 0) return [];
  const openings: Opening[] = [];
  const open = new Map<string, Opening>();
  for (const hour of hours) {
    const start = Date.parse(`${hour}:00:00Z`);
    const range = { fromMs: start, toMs: start + HOUR_MS };
    await store.load({ range, raw: true });
    const r = await store.query(q.text, {
      bindings: { from: literal(String(range.fromMs), V.xsdInteger), to: literal(String(range.toMs), V.xsdInteger) },
    });
    if (r.kind !== 'bindings') continue;
    for (const row of r.rows) {
      const type = local(row.type);
      const component = row.component?.value ?? '';
      const t = Date.parse(row.time?.value ?? '');
      if (type === 'CircuitOpened' && !open.has(component)) {
        const o = { component, startMs: t, endMs: null, receipt: row.r?.value ?? '' };
        open.set(component, o);
        openings.push(o);
      } else if (type !== 'CircuitOpened' && open.has(component)) {
        open.get(component)!.endMs = t;
        open.delete(component);
      }
    }
    store.release({ range, raw: true });
  }
  return mergeFlapping(openings.filter((o) => o.startMs >= window.fromMs && o.startMs < window.toMs));
}

/** Openings of one component less than this apart are one incident (failed half-open probes). */
export const FLAP_GAP_MS = 120_000;

/** Folds a circuit that reopens after failed probes into one opening that lasts until it stays closed. */
function mergeFlapping(openings: readonly Opening[]): (Opening & { reopenings: number })[] {
  const out: (Opening & { reopenings: number })[] = [];
  const last = new Map<string, Opening & { reopenings: number }>();
  for (const o of [...openings].sort((a, b) => a.startMs - b.startMs)) {
    const prev = last.get(o.component);
    if (prev !== undefined && prev.endMs !== null && o.startMs - prev.endMs < FLAP_GAP_MS) {
      prev.endMs = o.endMs;
      prev.reopenings++;
      continue;
    }
    const merged = { ...o, reopenings: 0 };
    out.push(merged);
    last.set(o.component, merged);
  }
  return out;
}

/** Builds the review of an ISO week (`2026-W48`, `last`, `this` or a date in it). */
export async function buildReview(
  store: EvidenceStore,
  weekArg: string,
  options: { nowMs: number; slos: readonly SloSpec[]; timeZone?: string },
): Promise<ReviewModel> {
  const week = parseWeekInZone(weekArg, options.nowMs, options.timeZone);
  const summaries = await store.hourSummaries(week.range);
  if (summaries.size === 0) {
    throw new KaizenError('KZN_USAGE', `the week ${week.label} has no evidence: no receipts between ${iso(week.range.fromMs)} and ${iso(week.range.toMs)}`, {
      hint: 'kaizen stats shows which days the store holds; import events or run kaizen demo first.',
    });
  }
  const analysis = await analyzeWindow(store, week.range, options.slos);
  if (analysis.facts.hours.size === 0) {
    throw new KaizenError('KZN_USAGE', `the week ${week.label} has receipts but no rollups yet`, { hint: 'Run kaizen rollup --week ' + week.label });
  }
  const prevWeek = parseWeekInZone(new Date(week.range.fromMs - WEEK_MS / 2).toISOString().slice(0, 10), options.nowMs, options.timeZone);
  const prevRange = { fromMs: prevWeek.range.fromMs, toMs: week.range.fromMs };
  const prevLabel = prevWeek.label;
  const prevSummaries = await store.hourSummaries(prevRange);
  const previousAnalysis = prevSummaries.size === 0 ? undefined : await analyzeWindow(store, prevRange, options.slos);
  store.release({ range: prevRange, rollups: true });
  const thisWeek = reviewWeek(week.label, analysis);
  const previous = previousAnalysis === undefined ? null : reviewWeek(prevLabel, previousAnalysis);

  const openHours = [...analysis.facts.hours].filter(([, f]) => [...f.circuitOpenSeconds.values()].some((s) => s > 0)).map(([h]) => h);
  const openings = await circuitOpenings(store, openHours, week.range);
  const incidents: (ReviewIncident & { _receipt?: string })[] = openings.map((o) => ({
    kind: 'circuit-opening',
    title: `Circuit open on ${o.component}${o.reopenings > 0 ? ` (reopened ${o.reopenings} time${o.reopenings === 1 ? '' : 's'} after failed probes)` : ''}`,
    component: o.component,
    start: iso(o.startMs),
    end: o.endMs === null ? null : iso(o.endMs),
    duration_s: o.endMs === null ? null : (o.endMs - o.startMs) / 1000,
    detected_after_s: null,
    resolved_after_s: o.endMs === null ? null : (o.endMs - o.startMs) / 1000,
    whys: [],
    root_cause: null,
    conclusion: null,
    receipt: o.receipt,
  }));
  for (const e of analysis.facts.episodes) {
    if (e.startMs < week.range.fromMs || e.startMs >= week.range.toMs) continue;
    const during = openings.find((o) => o.component === e.component && e.startMs >= o.startMs - 60_000 && e.startMs <= (o.endMs ?? week.range.toMs));
    if (during !== undefined) continue; // the alert that announced a circuit opening belongs to it
    incidents.push({
      kind: 'alert-episode',
      title: `Alert ${e.alert}${e.severity === undefined ? '' : ` (${e.severity})`}`,
      component: e.component,
      start: iso(e.startMs),
      end: e.endMs === undefined ? null : iso(e.endMs),
      duration_s: e.endMs === undefined ? null : (e.endMs - e.startMs) / 1000,
      detected_after_s: null,
      resolved_after_s: e.endMs === undefined ? null : (e.endMs - e.startMs) / 1000,
      whys: [],
      root_cause: null,
      conclusion: null,
      receipt: null,
      _receipt: e.alert,
    });
  }
  incidents.sort((a, b) => (b.duration_s ?? Number.POSITIVE_INFINITY) - (a.duration_s ?? Number.POSITIVE_INFINITY));
  const kept = incidents.slice(0, MAX_INCIDENTS);
  const queries = new Set(analysis.queries);
  if (openHours.length > 0) queries.add('circuit-timeline');
  for (const inc of kept.slice(0, INCIDENTS_WITH_WHYS)) {
    const startMs = Date.parse(inc.start);
    const receipt = inc.receipt ?? (inc._receipt === undefined ? undefined : await findAlertReceipt(store, inc._receipt, startMs, inc.component));
    if (inc._receipt !== undefined) queries.add('alert-timeline');
    if (receipt === undefined) continue;
    inc.receipt = receipt;
    const { chain, queries: used } = await whyOfReceipt(store, receipt);
    for (const q of used) queries.add(q);
    Object.assign(inc, whysOf(chain));
    if (chain.rootCause !== null) inc.detected_after_s = Math.max(0, (startMs - chain.rootCause.timeMs) / 1000);
    // An alert that says how long after the fault it fired (its value, in seconds) is taken at its word.
    if (inc.kind === 'alert-episode' && chain.problem.value !== undefined) inc.detected_after_s = chain.problem.value;
    store.release({ range: { fromMs: startMs - 2 * HOUR_MS, toMs: startMs + HOUR_MS }, raw: true });
  }
  for (const s of analysis.slos) {
    if (s.status !== 'breached') continue;
    kept.push({
      kind: 'slo-breach',
      title: `SLO ${s.name} breached: ${(s.attainment * 100).toFixed(3)} % against ${(s.target * 100).toFixed(2)} %`,
      component: 'all',
      start: iso(week.range.fromMs),
      end: iso(week.range.toMs),
      duration_s: null,
      detected_after_s: null,
      resolved_after_s: null,
      whys: [],
      root_cause: null,
      conclusion: 'See the SLO section: the breach is the sum of the incidents and of the bad hours of the week.',
      receipt: null,
    });
  }
  let receipts = 0;
  let lastSeq = 0;
  let lastDigest = '';
  for (const s of summaries.values()) receipts += s.count;
  for (const s of summaries.values()) {
    if (s.lastSeq >= lastSeq) {
      lastSeq = s.lastSeq;
      lastDigest = s.lastDigest;
    }
  }
  const burndown = options.slos.flatMap((spec) => {
    const result = analysis.slos.find((r) => r.name === spec.name);
    if (result === undefined || result.status === 'no-data' || result.errorBudget.total === 0) return [];
    let bad = 0;
    const points: { hour: string; remaining: number }[] = [];
    for (const [hour, f] of analysis.facts.hours) {
      const t = hourTally(spec, f);
      if (t !== undefined) bad += t.total - t.good;
      points.push({ hour, remaining: Math.round((1 - bad / result.errorBudget.total) * 10_000) / 10_000 });
    }
    return [{ slo: spec.name, points }];
  });
  const cleaned = kept.map(({ _receipt, ...rest }) => rest);
  const abandoned = await abandonedSignals(store, analysis.facts.hours, week.range);
  return {
    $schema: REVIEW_SCHEMA_ID,
    generated_at: iso(options.nowMs),
    ...thisWeek,
    verdict: verdictOf(thisWeek, previous, cleaned.filter((i) => i.kind !== 'slo-breach').length),
    slo_decision: sloDecision(analysis.slos),
    incidents: cleaned,
    abandoned_signals: abandoned,
    recommendations: analysis.recommendations.map((r) => ({ priority: r.priority, title: r.title, action: r.action, expected_effect: r.expectedEffect, evidence: [...r.evidence] })),
    burndown,
    evidence: { receipts, rollups: analysis.facts.hours.size, last_digest: lastDigest, last_seq: lastSeq, queries: [...queries].sort() },
    previous,
  };
}

/** The week's abandoned signals, from the raw hours whose rollups count any (each loaded, then released). */
async function abandonedSignals(store: EvidenceStore, hours: ReadonlyMap<string, Facts>, range: TimeRange): Promise<AbandonedSignal[]> {
  const out: AbandonedSignal[] = [];
  for (const [hour, f] of hours) {
    if ((f.counts.get('SignalAbandoned') ?? 0) === 0 || out.length >= MAX_ABANDONED_LISTED) continue;
    const hourRange = { fromMs: Date.parse(`${hour}:00:00Z`), toMs: Date.parse(`${hour}:00:00Z`) + HOUR_MS };
    await store.load({ range: hourRange, raw: true });
    try {
      for (const r of signalReceipts(store)) {
        if (r.type !== 'SignalAbandoned' || r.t === undefined || r.t < range.fromMs || r.t >= range.toMs) continue;
        const waited = r.attributes?.['waited_ms'];
        const because = r.attributes?.['because'];
        out.push({
          signal_id: r.signal ?? '',
          time: iso(r.t),
          reason: r.reason ?? 'crash-recovery',
          because: typeof because === 'string' ? because : null,
          waited_s: typeof waited === 'number' ? waited / 1000 : null,
          receipt: r.iri,
        });
      }
    } finally {
      store.release({ range: hourRange, raw: true });
    }
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)).slice(0, MAX_ABANDONED_LISTED);
}
