// Builds the weekly review from a store: the analysis of the week and the week before from the
// rollups, then the week's incidents drilled into from the raw hours around them.

import type { EpisodeRowIn, Facts } from '../analysis/facts.js';
import { hourTally } from '../analysis/slo.js';
import type { SloSpec } from '../analysis/slo-spec.js';
import { type WhyChain, type WhyEvent, whyChain } from '../analysis/whys.js';
import { KaizenError } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, parseWeekInZone, type TimeRange, WEEK_MS } from '../evidence/time.js';
import { type Analysis, analyzeWindow } from '../query/analyze.js';
import { signalReceipts } from '../query/lifecycle.js';
import { findAlertReceipt, LOOKBACK_MS, stateChangesBetween, whyOfReceipt } from '../query/why.js';
import { type AbandonedSignal, REVIEW_SCHEMA_ID, type ReviewIncident, type ReviewModel, reviewWeek, sloDecision, verdictOf, whysOf } from './model.js';

/** How many incidents get a 5-Whys chain (each one reads the raw hours around it). */
export const INCIDENTS_WITH_WHYS = 5;
export const MAX_INCIDENTS = 10;

/** The most abandoned signals a review lists (the count in the flow table is exact). */
export const MAX_ABANDONED_LISTED = 50;

const iso = (ms: number): string => new Date(ms).toISOString();

interface Opening {
  component: string;
  startMs: number;
  endMs: number | null;
  receipt: string;
}

/**
 * The circuit openings of the week, from the state changes of the drill partitions around its
 * open hours (the rows circuit-timeline.rq gives, in its order: by time, then receipt).
 */
function circuitOpenings(events: readonly WhyEvent[], window: TimeRange): (Opening & { reopenings: number })[] {
  const openings: Opening[] = [];
  const open = new Map<string, Opening>();
  for (const e of events) {
    if (!CIRCUIT_CLASSES.has(e.className)) continue;
    if (e.className === 'CircuitOpened' && !open.has(e.component)) {
      const o = { component: e.component, startMs: e.timeMs, endMs: null, receipt: e.iri };
      open.set(e.component, o);
      openings.push(o);
    } else if (e.className !== 'CircuitOpened' && open.has(e.component)) {
      open.get(e.component)!.endMs = e.timeMs;
      open.delete(e.component);
    }
  }
  return mergeFlapping(openings.filter((o) => o.startMs >= window.fromMs && o.startMs < window.toMs));
}

const CIRCUIT_CLASSES: ReadonlySet<string> = new Set(['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed']);

/** Sorted hours (`2026-11-03T10`) as time ranges, consecutive hours joined into one. */
function hourRuns(hours: readonly string[]): TimeRange[] {
  const runs: { fromMs: number; toMs: number }[] = [];
  for (const start of hours.map((h) => Date.parse(`${h}:00:00Z`)).sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.toMs === start) last.toMs = start + HOUR_MS;
    else runs.push({ fromMs: start, toMs: start + HOUR_MS });
  }
  return runs;
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
  // Drilling in reads the drill partitions (no bulk receipts) of the open hours and of the
  // LOOKBACK_MS before each opening and alert episode, each loaded once and kept until the
  // incidents are done; one why-columns query reads their state changes.
  const drilled: TimeRange[] = hourRuns(openHours).map((r) => ({ fromMs: r.fromMs - LOOKBACK_MS, toMs: r.toMs }));
  for (const e of analysis.facts.episodes) {
    if (e.startMs >= week.range.fromMs && e.startMs < week.range.toMs) drilled.push({ fromMs: e.startMs - LOOKBACK_MS, toMs: e.startMs + 1 });
  }
  try {
    const queries = new Set(analysis.queries);
    let events: WhyEvent[] = [];
    if (drilled.length > 0) {
      for (const range of drilled) await store.load({ range, drill: true });
      events = await stateChangesBetween(store, { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY });
      queries.add('why-columns');
    }
    const openings = circuitOpenings(events, week.range);
    const incidents = incidentsOf(openings, analysis.facts.episodes, week.range);
    const kept = incidents.slice(0, MAX_INCIDENTS);
    await explainIncidents(store, kept.slice(0, INCIDENTS_WITH_WHYS), events, drilled, queries);
    return await finishReview(store, { week, analysis, thisWeek, previous, summaries, kept, queries, slos: options.slos, nowMs: options.nowMs });
  } finally {
    for (const range of drilled) store.release({ range, drill: true });
  }
}

type DraftIncident = ReviewIncident & { _receipt?: string };

/** The week's incidents: circuit openings, then alert episodes that are not part of one, longest first. */
function incidentsOf(openings: readonly (Opening & { reopenings: number })[], episodes: readonly EpisodeRowIn[], week: TimeRange): DraftIncident[] {
  const incidents: DraftIncident[] = openings.map((o) => ({
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
  for (const e of episodes) {
    if (e.startMs < week.fromMs || e.startMs >= week.toMs) continue;
    const during = openings.find((o) => o.component === e.component && e.startMs >= o.startMs - 60_000 && e.startMs <= (o.endMs ?? week.toMs));
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
  return incidents.sort((a, b) => (b.duration_s ?? Number.POSITIVE_INFINITY) - (a.duration_s ?? Number.POSITIVE_INFINITY));
}

/**
 * Gives each incident its 5-Whys chain from the state changes read around the incidents, each
 * chain drawing on those of the LOOKBACK_MS before its problem, as whyOfReceipt would. An alert
 * whose firing is not in its hour is looked for further back, the way kaizen why does (the hours
 * that loads are added to `drilled`).
 */
async function explainIncidents(
  store: EvidenceStore,
  incidents: readonly DraftIncident[],
  events: readonly WhyEvent[],
  drilled: TimeRange[],
  queries: Set<string>,
): Promise<void> {
  for (const inc of incidents) {
    const startMs = Date.parse(inc.start);
    let receipt = inc.receipt ?? undefined;
    if (receipt === undefined && inc._receipt !== undefined) {
      // The last firing of the alert in the incident's hour, up to its start (as findAlertReceipt's first look).
      const hourStart = Math.floor(startMs / HOUR_MS) * HOUR_MS;
      receipt = events.findLast(
        (e) => e.className === 'AlertFired' && e.alert === inc._receipt && e.component === inc.component && e.timeMs >= hourStart && e.timeMs <= startMs,
      )?.iri;
    }
    let chain: WhyChain | undefined;
    const problem = receipt === undefined ? undefined : events.find((e) => e.iri === receipt);
    if (problem !== undefined) {
      const window = events.filter((e) => e.timeMs >= problem.timeMs - LOOKBACK_MS && e.timeMs < problem.timeMs + 1);
      chain = whyChain(problem, window, LOOKBACK_MS);
    } else {
      // Not among the state changes loaded: the way kaizen why finds and explains it.
      if (receipt === undefined && inc._receipt !== undefined) {
        receipt = await findAlertReceipt(store, inc._receipt, startMs, inc.component);
        queries.add('alert-timeline');
      }
      if (receipt === undefined) continue;
      const found = await whyOfReceipt(store, receipt);
      for (const q of found.queries) queries.add(q);
      chain = found.chain;
      drilled.push({ fromMs: found.chain.problem.timeMs - LOOKBACK_MS, toMs: found.chain.problem.timeMs + 1 });
    }
    inc.receipt = receipt ?? null;
    Object.assign(inc, whysOf(chain));
    if (chain.rootCause !== null) inc.detected_after_s = Math.max(0, (startMs - chain.rootCause.timeMs) / 1000);
    // An alert that says how long after the fault it fired (its value, in seconds) is taken at its word.
    if (inc.kind === 'alert-episode' && chain.problem.value !== undefined) inc.detected_after_s = chain.problem.value;
  }
}

/** The rest of the review once the incidents are explained: SLO breaches, evidence, burn-down, abandoned signals. */
async function finishReview(
  store: EvidenceStore,
  r: {
    week: { label: string; range: TimeRange };
    analysis: Analysis;
    thisWeek: ReturnType<typeof reviewWeek>;
    previous: ReturnType<typeof reviewWeek> | null;
    summaries: ReadonlyMap<string, { count: number; lastSeq: number; lastDigest: string }>;
    kept: DraftIncident[];
    queries: Set<string>;
    slos: readonly SloSpec[];
    nowMs: number;
  },
): Promise<ReviewModel> {
  const { week, analysis, thisWeek, previous, summaries, kept, queries } = r;
  const options = { slos: r.slos, nowMs: r.nowMs };
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
    await store.load({ range: hourRange, drill: true });
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
