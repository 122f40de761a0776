// Hour rollups: the derived receipt that summarises one closed hour (counts, histograms, circuit
// open time, alert episodes), built from the rows of the rollup queries. Pure.

import { DataFactory, type Quad, type Quad_Object } from 'n3';
import type { Pillar } from './event-types.js';
import { addToHistogram, formatHistogram, type Histogram } from './histogram.js';
import { type Receipt, sealReceipt } from './receipt.js';
import { HOUR_MS, hourStartMs } from './time.js';
import { classNode, hourGraphIri, kzLocal, pillarNode, rollupGraphIri, V } from './vocabulary.js';

const { namedNode, literal, quad } = DataFactory;

export type CircuitState = 'closed' | 'open' | 'half-open';

/** State carried from one hour into the next: circuits not closed, alerts still firing. */
export interface RollupCarry {
  readonly circuits: Readonly<Record<string, CircuitState>>;
  readonly alerts: readonly AlertEpisode[];
}

export const EMPTY_CARRY: RollupCarry = { circuits: {}, alerts: [] };

export interface StatsRow {
  readonly className: string;
  readonly pillar: Pillar;
  readonly component: string;
  readonly worker?: string;
  readonly count: number;
  readonly values: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface HistogramRow {
  readonly className: string;
  readonly component: string;
  readonly bucket: number;
  readonly count: number;
}

export interface Transition {
  readonly className: string;
  readonly component: string;
  readonly alert?: string;
  readonly severity?: string;
  readonly timeMs: number;
}

export interface AlertEpisode {
  readonly alert: string;
  readonly component: string;
  readonly severity?: string;
  readonly startMs: number;
  readonly endMs?: number;
}

export interface CircuitHour {
  readonly component: string;
  readonly openSeconds: number;
  readonly stateAtEnd: CircuitState;
}

/** Everything a rollup receipt says about its hour. */
export interface HourSummary {
  readonly hour: string;
  readonly sourceCount: number;
  readonly sourceDigest: string;
  readonly stats: readonly StatsRow[];
  readonly histograms: ReadonlyMap<string, { className: string; component: string; histogram: Histogram }>;
  readonly circuits: readonly CircuitHour[];
  readonly episodes: readonly AlertEpisode[];
  readonly carryOut: RollupCarry;
}

/** One row of rollup-columns.rq: a property of a receipt (predicate IRI, object value). */
export interface ColumnRow {
  readonly receipt: string;
  readonly predicate: string;
  readonly value: string;
}

/** The columns of one receipt that its hour's stats and histogram rows are folded from. */
export interface ReceiptColumns {
  className?: string;
  pillar?: string;
  component?: string;
  worker?: string;
  value?: number;
  bucket?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The stats rows (per class, pillar, component and worker: count, and count, sum, min and max of
 * values) and histogram rows (per class and component: count per bucket) of an hour, folded one
 * receipt at a time in sequence order: the rows' order and the sums' rounding depend on it.
 */
export class ColumnFold {
  readonly #stats = new Map<string, Mutable<StatsRow>>();
  readonly #histograms = new Map<string, Mutable<HistogramRow>>();

  /** Adds the next receipt; one without a class, component or pillar counts nowhere. */
  add(c: Readonly<ReceiptColumns>): void {
    if (c.className === undefined || c.component === undefined || c.pillar === undefined) return;
    const key = `${c.className}\u0000${c.pillar}\u0000${c.component}\u0000${c.worker ?? ''}`;
    let s = this.#stats.get(key);
    if (s === undefined) {
      s = { className: c.className, pillar: c.pillar as Pillar, component: c.component, count: 0, values: 0 };
      if (c.worker !== undefined) s.worker = c.worker;
      this.#stats.set(key, s);
    }
    s.count++;
    if (c.value !== undefined && Number.isFinite(c.value)) {
      s.values++;
      s.sum = (s.sum ?? 0) + c.value;
      s.min = Math.min(s.min ?? c.value, c.value);
      s.max = Math.max(s.max ?? c.value, c.value);
    }
    if (c.bucket !== undefined) {
      const hk = `${c.className}\u0000${c.component}\u0000${c.bucket}`;
      const h = this.#histograms.get(hk);
      if (h === undefined) this.#histograms.set(hk, { className: c.className, component: c.component, bucket: c.bucket, count: 1 });
      else h.count++;
    }
  }

  /** The rows folded so far, in the order their keys first occurred. */
  rows(): { stats: StatsRow[]; histogramRows: HistogramRow[] } {
    return { stats: [...this.#stats.values()], histogramRows: [...this.#histograms.values()] };
  }
}

/**
 * Folds the column rows of an hour into its stats and histogram rows (see ColumnFold), in
 * sequence order whatever order the engine gave the rows in (Comunica gives insertion order, a
 * server its index order). Columns a writer folded as it appended them come as their ColumnFold.
 */
export function foldColumns(rows: readonly ColumnRow[] | ColumnFold): { stats: StatsRow[]; histogramRows: HistogramRow[] } {
  if (rows instanceof ColumnFold) return rows.rows();
  const byReceipt = new Map<string, ReceiptColumns>();
  for (const row of rows) {
    let c = byReceipt.get(row.receipt);
    if (c === undefined) byReceipt.set(row.receipt, (c = {}));
    const local = kzLocal(row.value);
    switch (row.predicate) {
      case V.type.value:
        c.className = local;
        break;
      case V.pillar.value:
        c.pillar = local.toLowerCase();
        break;
      case V.component.value:
        c.component = row.value;
        break;
      case V.worker.value:
        c.worker = row.value;
        break;
      case V.value.value:
        c.value = Number(row.value);
        break;
      case V.bucket.value:
        c.bucket = Number(row.value);
        break;
    }
  }
  const seqOf = (iri: string): number => Number(iri.slice(iri.lastIndexOf(':') + 1));
  const ordered = [...byReceipt].sort(([a], [b]) => seqOf(a) - seqOf(b) || (a < b ? -1 : a > b ? 1 : 0));
  const fold = new ColumnFold();
  for (const [, c] of ordered) fold.add(c);
  return fold.rows();
}

const STATE_AFTER: Record<string, CircuitState> = {
  CircuitOpened: 'open',
  CircuitHalfOpened: 'half-open',
  CircuitClosed: 'closed',
};

/**
 * Folds one hour's transitions into circuit open time per component (open = from
 * circuit.opened to the next half-open or close) and alert episodes, starting from the state
 * carried in from the hour before.
 */
export function foldTransitions(
  hour: string,
  transitions: readonly Transition[],
  carry: RollupCarry,
): { circuits: CircuitHour[]; episodes: AlertEpisode[]; carryOut: RollupCarry } {
  const start = hourStartMs(hour);
  const end = start + HOUR_MS;
  const state = new Map<string, { state: CircuitState; since: number; openMs: number }>();
  for (const [c, s] of Object.entries(carry.circuits)) state.set(c, { state: s, since: start, openMs: 0 });
  const open = new Map<string, AlertEpisode>();
  for (const a of carry.alerts) open.set(`${a.alert}\u0000${a.component}`, a);
  const closed: AlertEpisode[] = [];
  for (const t of [...transitions].sort((a, b) => a.timeMs - b.timeMs)) {
    const next = STATE_AFTER[t.className];
    if (next !== undefined) {
      const s = state.get(t.component) ?? { state: 'closed' as CircuitState, since: start, openMs: 0 };
      if (s.state === 'open') s.openMs += t.timeMs - s.since;
      state.set(t.component, { state: next, since: t.timeMs, openMs: s.openMs });
    } else if (t.alert !== undefined) {
      const key = `${t.alert}\u0000${t.component}`;
      const firing = open.get(key);
      if (t.className === 'AlertFired' && firing === undefined) {
        open.set(key, {
          alert: t.alert,
          component: t.component,
          startMs: t.timeMs,
          ...(t.severity !== undefined && { severity: t.severity }),
        });
      } else if (t.className === 'AlertCleared' && firing !== undefined) {
        closed.push({ ...firing, endMs: t.timeMs });
        open.delete(key);
      }
    }
  }
  const circuits: CircuitHour[] = [];
  const carried: Record<string, CircuitState> = {};
  for (const [component, s] of [...state].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const openMs = s.openMs + (s.state === 'open' ? end - s.since : 0);
    circuits.push({ component, openSeconds: openMs / 1000, stateAtEnd: s.state });
    if (s.state !== 'closed') carried[component] = s.state;
  }
  const stillOpen = [...open.values()];
  return { circuits, episodes: [...closed, ...stillOpen], carryOut: { circuits: carried, alerts: stillOpen } };
}

/** Builds an hour's summary from the rows of rollup-stats, rollup-histogram and rollup-transitions. */
export function summariseHour(input: {
  hour: string;
  sourceCount: number;
  sourceDigest: string;
  stats: readonly StatsRow[];
  histogramRows: readonly HistogramRow[];
  transitions: readonly Transition[];
  carry: RollupCarry;
}): HourSummary {
  const histograms = new Map<string, { className: string; component: string; histogram: Histogram }>();
  for (const row of input.histogramRows) {
    const key = `${row.className}\u0000${row.component}`;
    let h = histograms.get(key);
    if (h === undefined) histograms.set(key, (h = { className: row.className, component: row.component, histogram: new Map() }));
    addToHistogram(h.histogram, row.bucket, row.count);
  }
  const folded = foldTransitions(input.hour, input.transitions, input.carry);
  return {
    hour: input.hour,
    sourceCount: input.sourceCount,
    sourceDigest: input.sourceDigest,
    stats: input.stats,
    histograms,
    circuits: folded.circuits,
    episodes: folded.episodes,
    carryOut: folded.carryOut,
  };
}

const int = (n: number): Quad_Object => literal(String(n), V.xsdInteger);
const dbl = (n: number): Quad_Object => literal(String(n), V.xsdDouble);

/** The sealed rollup receipt of an hour summary at a chain position. */
export function rollupReceipt(summary: HourSummary, seq: number, iri: string, prevDigest: string): Receipt {
  const g = namedNode(rollupGraphIri(summary.hour));
  const r = namedNode(iri);
  const startMs = hourStartMs(summary.hour);
  const out: Quad[] = [
    quad(r, V.type, V.HourRollup, g),
    quad(r, V.seq, int(seq), g),
    quad(r, V.hour, literal(summary.hour), g),
    quad(r, V.day, literal(summary.hour.slice(0, 10)), g),
    quad(r, V.epochMs, int(startMs), g),
    quad(r, V.wasDerivedFrom, namedNode(hourGraphIri(summary.hour)), g),
    quad(r, V.sourceCount, int(summary.sourceCount), g),
    quad(r, V.sourceDigest, literal(summary.sourceDigest), g),
  ];
  let n = 0;
  const part = (kind: string): ReturnType<typeof namedNode> => {
    const p = namedNode(`${iri}#${kind}${++n}`);
    out.push(quad(r, V.part, p, g));
    return p;
  };
  for (const s of summary.stats) {
    const p = part('s');
    out.push(
      quad(p, V.type, V.StatsRow, g),
      quad(p, V.eventType, classNode(s.className), g),
      quad(p, V.pillar, pillarNode(s.pillar), g),
      quad(p, V.component, literal(s.component), g),
      quad(p, V.count, int(s.count), g),
    );
    if (s.worker !== undefined) out.push(quad(p, V.worker, literal(s.worker), g));
    if (s.values > 0 && s.sum !== undefined && s.min !== undefined && s.max !== undefined) {
      out.push(
        quad(p, V.valueCount, int(s.values), g),
        quad(p, V.sum, dbl(s.sum), g),
        quad(p, V.min, dbl(s.min), g),
        quad(p, V.max, dbl(s.max), g),
      );
    }
  }
  for (const h of summary.histograms.values()) {
    const p = part('h');
    let count = 0;
    for (const c of h.histogram.values()) count += c;
    out.push(
      quad(p, V.type, V.HistogramRow, g),
      quad(p, V.eventType, classNode(h.className), g),
      quad(p, V.component, literal(h.component), g),
      quad(p, V.count, int(count), g),
      quad(p, V.histogram, literal(formatHistogram(h.histogram)), g),
    );
  }
  for (const c of summary.circuits) {
    const p = part('c');
    out.push(
      quad(p, V.type, V.CircuitRow, g),
      quad(p, V.component, literal(c.component), g),
      quad(p, V.openSeconds, dbl(c.openSeconds), g),
      quad(p, V.stateAtEnd, literal(c.stateAtEnd), g),
    );
  }
  for (const e of summary.episodes) {
    const p = part('a');
    out.push(
      quad(p, V.type, V.AlertEpisode, g),
      quad(p, V.alert, literal(e.alert), g),
      quad(p, V.component, literal(e.component), g),
      quad(p, V.start, int(e.startMs), g),
    );
    if (e.severity !== undefined) out.push(quad(p, V.severity, literal(e.severity), g));
    if (e.endMs !== undefined) out.push(quad(p, V.end, int(e.endMs), g));
  }
  return sealReceipt(iri, g.value, seq, startMs, out, prevDigest);
}
