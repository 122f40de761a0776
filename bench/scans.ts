// Hand-written answers to every shipped query: `getQuads` scans over the index of what is
// loaded, to compare with Comunica's answer (the same rows) and its time.

import type * as RDF from '@rdfjs/types';
import { DataFactory, type Quad } from 'n3';
import { KZ, V } from '../src/evidence/vocabulary.js';

const { namedNode } = DataFactory;

/** A result row as plain values: numbers for numeric literals, strings for the rest. */
export type Row = Record<string, string | number | undefined>;
export type Params = Readonly<Record<string, RDF.Term>>;
/** A scan gets the loaded store, the bound parameters and the query text (for its LIMIT). */
/** What a scan reads: the quads that match a pattern (the embedded store's index, or an N3 Store). */
export interface Scannable {
  getQuads(s: RDF.Term | null, p: RDF.Term | null, o: RDF.Term | null, g: RDF.Term | null): Quad[];
  countQuads(s: RDF.Term | null, p: RDF.Term | null, o: RDF.Term | null, g: RDF.Term | null): number;
}

export type Scan = (store: Scannable, params: Params, text: string) => Row[];

const kz = (local: string): RDF.NamedNode => namedNode(KZ + local);
const NUMERIC = new Set(['integer', 'double', 'decimal', 'float', 'int', 'long'].map((t) => `http://www.w3.org/2001/XMLSchema#${t}`));

/** A term as a comparable value. */
export function termValue(t: RDF.Term | undefined): string | number | undefined {
  if (t === undefined) return undefined;
  if (t.termType === 'Literal' && NUMERIC.has(t.datatype.value)) return Number(t.value);
  return t.value;
}

/** The first object of (s, p, ?, g), or undefined. */
function one(store: Scannable, s: RDF.Term, p: RDF.Term, g: RDF.Term): RDF.Term | undefined {
  return store.getQuads(s as never, p as never, null, g as never)[0]?.object;
}

function num(t: RDF.Term | undefined): number {
  return t === undefined ? Number.NaN : Number(t.value);
}

/** Every hour rollup whose hour starts in [from, to), with its graph. */
function rollupsIn(store: Scannable, params: Params): { r: RDF.Term; g: RDF.Term; hour: string }[] {
  const from = num(params.from);
  const to = num(params.to);
  const out: { r: RDF.Term; g: RDF.Term; hour: string }[] = [];
  for (const q of store.getQuads(null, V.type, V.HourRollup, null)) {
    const h = num(one(store, q.subject, V.epochMs, q.graph));
    const hour = one(store, q.subject, V.hour, q.graph)?.value;
    if (h >= from && h < to && hour !== undefined) out.push({ r: q.subject, g: q.graph, hour });
  }
  return out;
}

/** The parts of a rollup of one row class. */
function partsOf(store: Scannable, r: RDF.Term, g: RDF.Term, cls: RDF.NamedNode): RDF.Term[] {
  const out: RDF.Term[] = [];
  for (const q of store.getQuads(r as never, V.part, null, g as never)) {
    if (store.countQuads(q.object as never, V.type, cls, g as never) > 0) out.push(q.object);
  }
  return out;
}

/** Sums `count` into a map keyed by a tuple. */
function addTo<K extends string>(map: Map<string, Row>, key: string, row: () => Row, field: K, n: number): void {
  const have = map.get(key);
  if (have === undefined) map.set(key, { ...row(), [field]: n });
  else have[field] = (have[field] as number) + n;
}

function receiptsOfTypes(store: Scannable, types: readonly RDF.NamedNode[], g: RDF.Term | null): Quad[] {
  const out: Quad[] = [];
  for (const t of types) for (const q of store.getQuads(null, V.type, t, g as never)) out.push(q);
  return out;
}

const countsByType: Scan = (store, params) => {
  const agg = new Map<string, Row>();
  for (const { r, g } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.StatsRow)) {
      const type = one(store, p, V.eventType, g);
      const pillar = one(store, p, V.pillar, g);
      const n = one(store, p, V.count, g);
      if (type === undefined || pillar === undefined || n === undefined) continue;
      addTo(agg, `${type.value} ${pillar.value}`, () => ({ type: type.value, pillar: pillar.value }), 'count', num(n));
    }
  }
  return [...agg.values()];
};

const workerLoads: Scan = (store, params) => {
  const outcomes = new Set([kz('TaskCompleted').value, kz('TaskFailed').value]);
  const agg = new Map<string, Row>();
  for (const { r, g } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.StatsRow)) {
      const type = one(store, p, V.eventType, g);
      const worker = one(store, p, V.worker, g);
      const n = one(store, p, V.count, g);
      if (type === undefined || !outcomes.has(type.value) || worker === undefined || n === undefined) continue;
      addTo(agg, worker.value, () => ({ worker: worker.value }), 'tasks', num(n));
    }
  }
  return [...agg.values()];
};

const queueDepthSeries: Scan = (store, params) => {
  const qd = kz('QueueDepthSampled').value;
  const agg = new Map<string, { hour: string; component: string; n: number; sum: number; min: number; max: number }>();
  for (const { r, g, hour } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.StatsRow)) {
      if (one(store, p, V.eventType, g)?.value !== qd) continue;
      const component = one(store, p, V.component, g)?.value;
      const [n, sum, min, max] = [V.count, V.sum, V.min, V.max].map((pr) => one(store, p, pr, g));
      if (component === undefined || n === undefined || sum === undefined || min === undefined || max === undefined) continue;
      const key = `${hour} ${component}`;
      const a = agg.get(key);
      if (a === undefined) agg.set(key, { hour, component, n: num(n), sum: num(sum), min: num(min), max: num(max) });
      else {
        a.n += num(n);
        a.sum += num(sum);
        a.min = Math.min(a.min, num(min));
        a.max = Math.max(a.max, num(max));
      }
    }
  }
  return [...agg.values()].map((a) => ({ hour: a.hour, component: a.component, samples: a.n, mean: a.sum / a.n, min: a.min, max: a.max }));
};

const hourlyStats: Scan = (store, params) => {
  const valueCount = kz('valueCount');
  const agg = new Map<string, { row: Row; n: number; values: number; withValues: number; sum: number; min: number; max: number }>();
  for (const { r, g, hour } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.StatsRow)) {
      const [type, component, n, worker, vn, sum, min, max] = [V.eventType, V.component, V.count, V.worker, valueCount, V.sum, V.min, V.max].map((pr) => one(store, p, pr, g));
      if (type === undefined || component === undefined || n === undefined) continue;
      const key = `${hour} ${type.value} ${component.value} ${worker?.value ?? ''}`;
      let a = agg.get(key);
      if (a === undefined) {
        a = { row: { hour, type: type.value, component: component.value, worker: worker?.value }, n: 0, values: 0, withValues: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
        agg.set(key, a);
      }
      a.n += num(n);
      // OPTIONAL { ?row kz:valueCount ?vn ; kz:sum ?s ; kz:min ?mn ; kz:max ?mx }: all four or none.
      if (vn !== undefined && sum !== undefined && min !== undefined && max !== undefined) {
        a.withValues++;
        a.values += num(vn);
        a.sum += num(sum);
        a.min = Math.min(a.min, num(min));
        a.max = Math.max(a.max, num(max));
      }
    }
  }
  // SPARQL 1.1 §18.5.1: SUM over no values is 0; MIN and MAX of no values are unbound.
  return [...agg.values()].map((a) => ({
    ...a.row,
    count: a.n,
    values: a.values,
    sum: a.sum,
    min: a.withValues > 0 ? a.min : undefined,
    max: a.withValues > 0 ? a.max : undefined,
  }));
};

const latencyHistogram: Scan = (store, params) => {
  const out: Row[] = [];
  for (const { r, g, hour } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.HistogramRow)) {
      const [type, component, n, histogram] = [V.eventType, V.component, V.count, V.histogram].map((pr) => one(store, p, pr, g));
      if (type === undefined || component === undefined || n === undefined || histogram === undefined) continue;
      out.push({ hour, type: type.value, component: component.value, n: num(n), histogram: histogram.value });
    }
  }
  return out;
};

const circuitOpenSeconds: Scan = (store, params) => {
  const out: Row[] = [];
  for (const { r, g, hour } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.CircuitRow)) {
      const [component, openSeconds, stateAtEnd] = [V.component, V.openSeconds, V.stateAtEnd].map((pr) => one(store, p, pr, g));
      if (component === undefined || openSeconds === undefined || stateAtEnd === undefined) continue;
      out.push({ hour, component: component.value, openSeconds: num(openSeconds), stateAtEnd: stateAtEnd.value });
    }
  }
  return out;
};

const alertEpisodes: Scan = (store, params) => {
  const seen = new Map<string, Row>();
  for (const { r, g } of rollupsIn(store, params)) {
    for (const p of partsOf(store, r, g, V.AlertEpisode)) {
      const [alert, component, start, severity, end] = [V.alert, V.component, V.start, V.severity, V.end].map((pr) => one(store, p, pr, g));
      if (alert === undefined || component === undefined || start === undefined) continue;
      const row: Row = { alert: alert.value, severity: severity?.value, component: component.value, start: num(start), end: end === undefined ? undefined : num(end) };
      seen.set(JSON.stringify(row), row);
    }
  }
  return [...seen.values()];
};

const hourLatencies: Scan = (store, params) => {
  const g = params.g!;
  const out: Row[] = [];
  for (const q of store.getQuads(null, V.type, kz('TaskCompleted'), g as never)) {
    const component = one(store, q.subject, V.component, g);
    const latency = one(store, q.subject, V.value, g);
    if (component !== undefined && latency !== undefined) out.push({ r: q.subject.value, component: component.value, latency: num(latency) });
  }
  return out;
};

const rawCountsByType: Scan = (store, params) => {
  const from = num(params.from);
  const to = num(params.to);
  const agg = new Map<string, Row>();
  for (const q of store.getQuads(null, V.epochMs, null, null)) {
    const t = num(q.object);
    if (!(t >= from && t < to)) continue;
    const type = one(store, q.subject, V.type, q.graph);
    const pillar = one(store, q.subject, V.pillar, q.graph);
    if (type === undefined || pillar === undefined) continue;
    addTo(agg, `${type.value} ${pillar.value}`, () => ({ type: type.value, pillar: pillar.value }), 'count', 1);
  }
  return [...agg.values()];
};

function timeline(types: readonly string[], withAlert: boolean): Scan {
  return (store, params) => {
    const from = num(params.from);
    const to = num(params.to);
    const out: Row[] = [];
    for (const q of receiptsOfTypes(store, types.map(kz), null)) {
      const t = num(one(store, q.subject, V.epochMs, q.graph));
      if (!(t >= from && t < to)) continue;
      const time = one(store, q.subject, V.atTime, q.graph);
      const component = one(store, q.subject, V.component, q.graph);
      if (time === undefined || component === undefined) continue;
      if (withAlert) {
        const alert = one(store, q.subject, V.alert, q.graph);
        if (alert === undefined) continue;
        const severity = one(store, q.subject, V.severity, q.graph);
        out.push({ r: q.subject.value, time: time.value, type: q.object.value, alert: alert.value, severity: severity?.value, component: component.value });
      } else {
        const reason = one(store, q.subject, V.reason, q.graph);
        out.push({ r: q.subject.value, time: time.value, type: q.object.value, component: component.value, reason: reason?.value });
      }
    }
    return out;
  };
}

/** The optional fields of a receipt that the 5-Whys queries return, as plain values. */
function receiptFields(store: Scannable, r: RDF.Term, g: RDF.Term): Row {
  const get = (p: RDF.Term): string | number | undefined => termValue(one(store, r, p, g));
  return { reason: get(V.reason), alert: get(V.alert), value: get(V.value), eventId: get(V.eventId), causedBy: get(V.causedBy) };
}

/** The LIMIT of a query text, so that the scan cuts its answer where the query does. */
function limitOf(text: string): number {
  const m = /\bLIMIT\s+(\d+)\s*$/i.exec(text.trim());
  return m === null ? Number.POSITIVE_INFINITY : Number(m[1]);
}

const eventsBefore: Scan = (store, params, text) => {
  const receipt = params.receipt!;
  const spanMs = num(params.spanMs);
  const t0Term = store.getQuads(receipt as never, V.epochMs, null, null)[0]?.object;
  if (t0Term === undefined) return [];
  const t0 = num(t0Term);
  const rows: (Row & { t: number; r: string })[] = [];
  for (const q of store.getQuads(null, V.epochMs, null, null)) {
    const t = num(q.object);
    if (!(t <= t0 && t >= t0 - spanMs) || q.subject.equals(receipt)) continue;
    const type = one(store, q.subject, V.type, q.graph);
    const component = one(store, q.subject, V.component, q.graph);
    if (type === undefined || component === undefined) continue;
    rows.push({ r: q.subject.value, t, type: type.value, component: component.value, ...receiptFields(store, q.subject, q.graph) });
  }
  rows.sort((a, b) => b.t - a.t || (a.r < b.r ? -1 : a.r > b.r ? 1 : 0));
  return rows.slice(0, limitOf(text));
};

const STATE_CHANGES = [
  'AlertFired', 'AlertCleared', 'SignalRejected', 'CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed', 'FailureRecorded',
  'TaskFailed', 'HealthCheckFailed', 'HealthCheckPassed', 'ChaosInjected', 'ChaosCleared', 'WorkerCrashed', 'WorkerActivated',
  'WorkerDeactivated', 'QueueDepthSampled', 'RebalancePerformed',
];

const eventsBetween: Scan = (store, params) => {
  const from = num(params.from);
  const to = num(params.to);
  const out: Row[] = [];
  for (const q of receiptsOfTypes(store, STATE_CHANGES.map(kz), null)) {
    const t = num(one(store, q.subject, V.epochMs, q.graph));
    const component = one(store, q.subject, V.component, q.graph);
    if (!(t >= from && t < to) || component === undefined) continue;
    out.push({ r: q.subject.value, t, type: q.object.value, component: component.value, ...receiptFields(store, q.subject, q.graph) });
  }
  return out;
};

const receiptDetail: Scan = (store, params) => {
  const receipt = params.receipt!;
  const out: Row[] = [];
  for (const q of store.getQuads(receipt as never, V.type, null, null)) {
    const t = one(store, receipt, V.epochMs, q.graph);
    const time = one(store, receipt, V.atTime, q.graph);
    const component = one(store, receipt, V.component, q.graph);
    if (t === undefined || time === undefined || component === undefined) continue;
    const severity = one(store, receipt, V.severity, q.graph)?.value;
    out.push({ type: q.object.value, t: num(t), time: time.value, component: component.value, severity, ...receiptFields(store, receipt, q.graph) });
  }
  return out;
};

const rollupHistogram: Scan = (store, params) => {
  const g = params.g!;
  const agg = new Map<string, Row>();
  for (const q of store.getQuads(null, V.bucket, null, g as never)) {
    const type = one(store, q.subject, V.type, g);
    const component = one(store, q.subject, V.component, g);
    if (type === undefined || component === undefined) continue;
    const bucket = num(q.object);
    addTo(agg, `${type.value} ${component.value} ${bucket}`, () => ({ type: type.value, component: component.value, bucket }), 'n', 1);
  }
  return [...agg.values()];
};

const rollupStats: Scan = (store, params) => {
  const g = params.g!;
  const agg = new Map<string, { row: Row; n: number; values: number; sum: number; min: number; max: number }>();
  for (const q of store.getQuads(null, V.type, null, g as never)) {
    const pillar = one(store, q.subject, V.pillar, g);
    const component = one(store, q.subject, V.component, g);
    if (pillar === undefined || component === undefined) continue;
    const worker = one(store, q.subject, V.worker, g)?.value;
    const value = one(store, q.subject, V.value, g);
    const key = `${q.object.value} ${pillar.value} ${component.value} ${worker ?? ''}`;
    let a = agg.get(key);
    if (a === undefined) {
      a = { row: { type: q.object.value, pillar: pillar.value, component: component.value, worker }, n: 0, values: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
      agg.set(key, a);
    }
    a.n++;
    if (value !== undefined) {
      const v = num(value);
      a.values++;
      a.sum += v;
      a.min = Math.min(a.min, v);
      a.max = Math.max(a.max, v);
    }
  }
  // SPARQL 1.1 §18.5.1.3: SUM over no values is 0; MIN and MAX of no values are unbound.
  return [...agg.values()].map((a) => ({
    ...a.row,
    n: a.n,
    values: a.values,
    sum: a.sum,
    min: a.values > 0 ? a.min : undefined,
    max: a.values > 0 ? a.max : undefined,
  }));
};

const ROLLUP_COLUMNS = [V.type, V.pillar, V.component, V.worker, V.value, V.bucket];

const rollupColumns: Scan = (store, params) => {
  const g = params.g!;
  const out: Row[] = [];
  for (const p of ROLLUP_COLUMNS) {
    for (const q of store.getQuads(null, p, null, g as never)) out.push({ r: q.subject.value, p: p.value, o: termValue(q.object) });
  }
  return out;
};

const ROLLUP_ROW_PROPERTIES = [
  'hour', 'sourceCount', 'eventType', 'component', 'worker', 'count', 'valueCount', 'sum', 'min', 'max', 'histogram',
  'openSeconds', 'stateAtEnd', 'alert', 'severity', 'start', 'end',
];

const rollupRows: Scan = (store) => {
  const out: Row[] = [];
  for (const p of [V.type, ...ROLLUP_ROW_PROPERTIES.map(kz)]) {
    for (const q of store.getQuads(null, p, null, null)) out.push({ s: q.subject.value, p: p.value, o: termValue(q.object) });
  }
  return out;
};

const TRANSITIONS = ['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed', 'AlertFired', 'AlertCleared'];

const rollupTransitions: Scan = (store, params) => {
  const g = params.g!;
  const out: Row[] = [];
  for (const q of receiptsOfTypes(store, TRANSITIONS.map(kz), g)) {
    const t = one(store, q.subject, V.epochMs, g);
    const component = one(store, q.subject, V.component, g);
    if (t === undefined || component === undefined) continue;
    out.push({
      r: q.subject.value,
      type: q.object.value,
      component: component.value,
      alert: one(store, q.subject, V.alert, g)?.value,
      severity: one(store, q.subject, V.severity, g)?.value,
      t: num(t),
    });
  }
  return out;
};

/** The hand-written scan of each shipped query, by name. */
export const SCANS: ReadonlyMap<string, Scan> = new Map<string, Scan>([
  ['alert-episodes', alertEpisodes],
  ['alert-timeline', timeline(['AlertFired', 'AlertCleared'], true)],
  ['circuit-open-seconds', circuitOpenSeconds],
  ['circuit-timeline', timeline(['CircuitOpened', 'CircuitHalfOpened', 'CircuitClosed'], false)],
  ['counts-by-type', countsByType],
  ['events-before', eventsBefore],
  ['events-between', eventsBetween],
  ['hour-latencies', hourLatencies],
  ['hourly-stats', hourlyStats],
  ['latency-histogram', latencyHistogram],
  ['queue-depth-series', queueDepthSeries],
  ['raw-counts-by-type', rawCountsByType],
  ['receipt-detail', receiptDetail],
  ['rollup-columns', rollupColumns],
  ['rollup-histogram', rollupHistogram],
  ['rollup-rows', rollupRows],
  ['rollup-stats', rollupStats],
  ['rollup-transitions', rollupTransitions],
  ['worker-loads', workerLoads],
]);

function keyOf(row: Row, columns: readonly string[]): string {
  return columns
    .map((c) => {
      const v = row[c];
      return v === undefined ? '\u2205' : typeof v === 'number' ? Number(v.toPrecision(9)).toString() : v;
    })
    .join('\u0001');
}

function same(a: string | number | undefined, b: string | number | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

/**
 * Compares two answers as multisets of rows over the given columns (numbers to a relative
 * 1e-9, for sums of doubles taken in another order). Returns undefined when they agree, or
 * what differs.
 */
export function compareAnswers(sparql: readonly Row[], scan: readonly Row[], columns: readonly string[]): string | undefined {
  const a = [...sparql].sort((x, y) => (keyOf(x, columns) < keyOf(y, columns) ? -1 : 1));
  const b = [...scan].sort((x, y) => (keyOf(x, columns) < keyOf(y, columns) ? -1 : 1));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || columns.some((c) => !same(x[c], y[c]))) {
      const show = (r: Row | undefined): string => (r === undefined ? '(none)' : JSON.stringify(Object.fromEntries(columns.map((c) => [c, r[c]]))));
      return `${a.length} SPARQL rows vs ${b.length} scan rows; first difference at sorted row ${i}: SPARQL ${show(x)} vs scan ${show(y)}`;
    }
  }
  return undefined;
}
