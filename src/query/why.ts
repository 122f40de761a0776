// Finds a problem receipt (by IRI, or an alert by name and time) and builds its 5-Whys chain
// from the raw hours around it.

import type * as RDF from '@rdfjs/types';
import { DataFactory } from 'n3';
import { type WhyChain, type WhyEvent, whyChain } from '../analysis/whys.js';
import { KaizenError, quoteInput } from '../errors.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS } from '../evidence/time.js';
import { kzLocal, V } from '../evidence/vocabulary.js';
import { loadCatalogue } from './catalogue.js';

const { literal, namedNode } = DataFactory;

/** How much evidence before the problem the chain may draw on. */
export const LOOKBACK_MS = 2 * HOUR_MS;

const local = (t: RDF.Term | undefined): string => kzLocal(t?.value);

function toEvent(r: Record<string, RDF.Term>, iri: string): WhyEvent {
  return {
    iri,
    className: local(r.type),
    timeMs: Number(r.t?.value),
    component: r.component?.value ?? '',
    ...(r.reason !== undefined && { reason: r.reason.value }),
    ...(r.alert !== undefined && { alert: r.alert.value }),
    ...(r.value !== undefined && { value: Number(r.value.value) }),
    ...(r.eventId !== undefined && { eventId: r.eventId.value }),
    ...(r.causedBy !== undefined && { causedBy: r.causedBy.value }),
  };
}

async function rows(store: EvidenceStore, name: string, bindings: Record<string, RDF.Term>): Promise<readonly Record<string, RDF.Term>[]> {
  const q = loadCatalogue().get(name);
  if (q === undefined) throw new KaizenError('KZN_QUERY_UNKNOWN', `the query ${name}.rq is missing from queries/`);
  const r = await store.query(q.text, { bindings });
  return r.kind === 'bindings' ? r.rows : [];
}

const ms = (n: number): RDF.Term => literal(String(n), V.xsdInteger);

/** The 5-Whys chain of the receipt with this IRI. */
export async function whyOfReceipt(store: EvidenceStore, iri: string): Promise<{ chain: WhyChain; queries: string[] }> {
  const hour = await store.locateReceipt(iri);
  if (hour === undefined) {
    throw new KaizenError('KZN_USAGE', `no raw receipt ${quoteInput(iri)} in the store`, {
      hint: 'Receipt IRIs look like urn:kaizen:receipt:local:42; kaizen query alert-timeline lists alerts with theirs.',
    });
  }
  const detail = await rows(store, 'receipt-detail', { receipt: namedNode(iri) });
  if (detail.length === 0) throw new KaizenError('KZN_USAGE', `${quoteInput(iri)} is not an event receipt`);
  const problem = toEvent(detail[0]!, iri);
  const range = { fromMs: problem.timeMs - LOOKBACK_MS, toMs: problem.timeMs + 1 };
  await store.load({ range, drill: true });
  const events = await stateChangesBetween(store, range);
  return { chain: whyChain(problem, events, LOOKBACK_MS), queries: ['receipt-detail', 'why-columns'] };
}

/** The state-changing events of the raw hours before a time (for a metric's 5-Whys). */
export async function whyEventsBefore(store: EvidenceStore, atMs: number): Promise<WhyEvent[]> {
  const range = { fromMs: atMs - LOOKBACK_MS, toMs: atMs + 1 };
  await store.load({ range, drill: true });
  return stateChangesBetween(store, range);
}

/** The classes events-between.rq selects: what changes state, not the routine task traffic. */
export const STATE_CHANGE_CLASSES: ReadonlySet<string> = new Set([
  'AlertFired',
  'AlertCleared',
  'SignalRejected',
  'CircuitOpened',
  'CircuitHalfOpened',
  'CircuitClosed',
  'FailureRecorded',
  'TaskFailed',
  'HealthCheckFailed',
  'HealthCheckPassed',
  'ChaosInjected',
  'ChaosCleared',
  'WorkerCrashed',
  'WorkerActivated',
  'WorkerDeactivated',
  'QueueDepthSampled',
  'RebalancePerformed',
]);

/**
 * What events-between.rq answers, through why-columns.rq: one triple pattern per property over
 * the loaded raw hours, folded here into the state-changing receipts of the window, in time order
 * (then by IRI). The join of events-between costs Comunica seconds per raw hour; this, one pass.
 */
export async function stateChangesBetween(store: EvidenceStore, range: { fromMs: number; toMs: number }): Promise<WhyEvent[]> {
  const byReceipt = new Map<string, Record<string, RDF.Term>>();
  for (const row of await rows(store, 'why-columns', {})) {
    const r = row.r?.value;
    const p = row.p?.value;
    if (r === undefined || p === undefined || row.o === undefined) continue;
    let fields = byReceipt.get(r);
    if (fields === undefined) byReceipt.set(r, (fields = {}));
    const name = p === V.type.value ? 'type' : p === V.epochMs.value ? 't' : kzLocal(p);
    fields[name] = row.o;
  }
  const out: WhyEvent[] = [];
  for (const [iri, fields] of byReceipt) {
    if (fields.component === undefined || fields.t === undefined || !STATE_CHANGE_CLASSES.has(local(fields.type))) continue;
    const t = Number(fields.t.value);
    if (t >= range.fromMs && t < range.toMs) out.push(toEvent(fields, iri));
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || (a.iri < b.iri ? -1 : a.iri > b.iri ? 1 : 0));
}

/**
 * The receipt of the last firing of an alert at or before a time: first in that hour, then in
 * the day before it. `component` narrows it when several components fire the same alert.
 */
export async function findAlertReceipt(store: EvidenceStore, alert: string, atMs: number, component?: string): Promise<string | undefined> {
  const hourStart = Math.floor(atMs / HOUR_MS) * HOUR_MS;
  for (const fromMs of [hourStart, atMs - 24 * HOUR_MS]) {
    const range = { fromMs, toMs: atMs + 1 };
    await store.load({ range, drill: true });
    const found = (await rows(store, 'alert-timeline', { from: ms(range.fromMs), to: ms(range.toMs) })).filter(
      (r) => local(r.type) === 'AlertFired' && r.alert?.value === alert && (component === undefined || r.component?.value === component),
    );
    const last = found[found.length - 1]?.r?.value;
    if (last !== undefined) return last;
  }
  return undefined;
}

/** The event class that stands for a degraded metric, where its 5-Whys chain starts. */
const METRIC_EFFECT: Readonly<Record<string, string>> = {
  latency_p99_ms: 'TaskCompleted',
  latency_p50_ms: 'TaskCompleted',
  error_ratio_pct: 'TaskFailed',
  failure_rate_per_min: 'TaskFailed',
  circuit_open_pct: 'CircuitOpened',
  alerts_per_hour: 'AlertFired',
  queue_depth_mean: 'QueueDepthSampled',
  load_balance_coeff: 'WorkerLoadSampled',
  throughput_per_min: 'TaskFailed',
};

/** The 5-Whys chain of a metric (a name of the trends catalogue) that degraded at a time. */
export async function whyOfMetric(store: EvidenceStore, metric: string, atMs: number): Promise<WhyChain> {
  const events = await whyEventsBefore(store, atMs);
  const problem = { iri: '', className: METRIC_EFFECT[metric] ?? 'TaskFailed', timeMs: atMs, component: '*' };
  return whyChain(problem, events, LOOKBACK_MS);
}
