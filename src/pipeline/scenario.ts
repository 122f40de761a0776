// Scenario files: a traffic shape and timed incidents, parsed from YAML or JSON and validated.

import { quoteInput } from '../errors.js';
import { yamlValue } from '../yaml-text.js';
import type { SimulatedDownstreamOptions } from './downstream.js';
import { Fields } from './scenario-fields.js';
import { SIGNAL_TYPES } from './signal.js';

const DAY_MS = 86_400_000;

/** How traffic varies: steady, a daily cycle (with quieter weekends), or steady with bursts. */
export interface TrafficShape {
  readonly shape: 'steady' | 'daily-cycle' | 'bursts';
  /** Mean signals per second over the run, before bursts and spikes. */
  readonly ratePerSecond: number;
  readonly daily: { readonly peakHourUtc: number; readonly amplitude: number; readonly weekendFactor: number };
  /** Random short bursts: how many a day on average, how much they multiply the rate, how long. */
  readonly bursts: { readonly perDay: number; readonly multiplier: number; readonly durationMs: number } | undefined;
  readonly mix: {
    readonly slowFraction: number;
    /** Weights of validate, execute, report. */
    readonly signalTypes: readonly number[];
    /** Weights of priorities 1..4. */
    readonly priorities: readonly number[];
    readonly timeoutMs: number | undefined;
  };
}

/** The kinds of incident a scenario can schedule. */
export const INCIDENT_KINDS = ['downstream-outage', 'added-latency', 'worker-crash', 'traffic-spike', 'queue-stall'] as const;
/** What goes wrong. */
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** When an incident starts: an offset from the start, an absolute time, or a weekday and time (UTC). */
export type IncidentTime =
  | { readonly kind: 'offset'; readonly ms: number }
  | { readonly kind: 'absolute'; readonly ms: number }
  | { readonly kind: 'weekday'; readonly weekday: number; readonly minuteOfDay: number };

/** A timed incident of a scenario. */
export interface Incident {
  readonly kind: IncidentKind;
  /** Where it is in the file, e.g. `incidents[1]`. */
  readonly label: string;
  readonly at: IncidentTime;
  readonly durationMs: number;
  readonly latencyMs?: number;
  readonly multiplier?: number;
  readonly worker?: string;
}

/** An incident placed in a run. */
export interface ResolvedIncident extends Incident {
  readonly startMs: number;
  readonly endMs: number;
}

/** A validated scenario. */
export interface Scenario {
  readonly name: string;
  readonly source: string;
  readonly description: string | undefined;
  readonly durationMs: number;
  readonly traffic: TrafficShape;
  readonly downstream: Partial<SimulatedDownstreamOptions>;
  readonly incidents: readonly Incident[];
}

/** Weekday names as scenario files write them; index 0 is Monday. */
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAY_AT = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2}):(\d{2})$/i;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses a scenario file's text (YAML, of which JSON is a subset). `source` names the file in
 * messages. Throws KZN_INPUT_FILE naming the file, the field and what was expected.
 */
export function parseScenario(text: string, source: string): Scenario {
  const value = yamlValue(text, source, 'KZN_INPUT_FILE');
  const root = Fields.root(source, value, ['name', 'description', 'duration', 'traffic', 'downstream', 'incidents']);
  const stem = source.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '');
  const traffic = root.section('traffic', ['shape', 'rate_per_second', 'daily_cycle', 'bursts', 'mix']);
  if (traffic === undefined) return root.fail('traffic', 'a traffic section (shape, rate_per_second, …)');
  return {
    name: root.has('name') ? root.string('name') : stem,
    source,
    description: root.has('description') ? root.string('description') : undefined,
    durationMs: root.duration('duration', '7d'),
    traffic: readTraffic(traffic),
    downstream: readDownstream(root.section('downstream', DOWNSTREAM_KEYS)),
    incidents: root.list('incidents', ['kind', 'at', 'offset', 'duration', 'latency_ms', 'multiplier', 'worker']).map(readIncident),
  };
}

function readTraffic(t: Fields): TrafficShape {
  const shape = t.oneOf('shape', ['steady', 'daily-cycle', 'bursts'] as const);
  const daily = t.section('daily_cycle', ['peak_hour_utc', 'amplitude', 'weekend_factor']);
  const bursts = t.section('bursts', ['per_day', 'multiplier', 'duration']);
  const mix = t.section('mix', ['slow_fraction', 'signal_types', 'priorities', 'timeout_ms']);
  return {
    shape,
    ratePerSecond: t.number('rate_per_second', undefined, { above: 0 }),
    daily: {
      peakHourUtc: daily?.number('peak_hour_utc', 14, { min: 0, max: 24 }) ?? 14,
      amplitude: daily?.number('amplitude', 0.6, { min: 0, max: 1 }) ?? 0.6,
      weekendFactor: daily?.number('weekend_factor', 1, { above: 0 }) ?? 1,
    },
    bursts:
      bursts === undefined && shape !== 'bursts'
        ? undefined
        : {
            perDay: bursts?.number('per_day', 12, { min: 0 }) ?? 12,
            multiplier: bursts?.number('multiplier', 3, { above: 0 }) ?? 3,
            durationMs: bursts?.duration('duration', '2m') ?? 120_000,
          },
    mix: {
      slowFraction: mix?.number('slow_fraction', 0.05, { min: 0, max: 1 }) ?? 0.05,
      signalTypes: mix?.weights('signal_types', SIGNAL_TYPES, [0.5, 0.4, 0.1]) ?? [0.5, 0.4, 0.1],
      priorities: mix?.weights('priorities', ['1', '2', '3', '4'], [0.05, 0.15, 0.6, 0.2]) ?? [0.05, 0.15, 0.6, 0.2],
      timeoutMs: mix?.has('timeout_ms') ? mix.number('timeout_ms', undefined, { above: 0, integer: true }) : undefined,
    },
  };
}

const DOWNSTREAM_KEYS = ['quick_median_ms', 'slow_median_ms', 'quick_sigma', 'slow_sigma', 'error_rate', 'fail_fast_ms'];

function readDownstream(d: Fields | undefined): Partial<SimulatedDownstreamOptions> {
  if (d === undefined) return {};
  const pick = (key: string, name: keyof SimulatedDownstreamOptions, range: { min?: number; max?: number; above?: number }) =>
    d.has(key) ? { [name]: d.number(key, undefined, range) } : {};
  return {
    ...pick('quick_median_ms', 'quickMedianMs', { above: 0 }),
    ...pick('slow_median_ms', 'slowMedianMs', { above: 0 }),
    ...pick('quick_sigma', 'quickSigma', { min: 0 }),
    ...pick('slow_sigma', 'slowSigma', { min: 0 }),
    ...pick('error_rate', 'errorRate', { min: 0, max: 1 }),
    ...pick('fail_fast_ms', 'failFastMs', { above: 0 }),
  };
}

function readIncident(f: Fields): Incident {
  const kind = f.oneOf('kind', INCIDENT_KINDS);
  if (f.has('at') === f.has('offset')) {
    f.fail(f.has('at') ? 'offset' : 'at', 'exactly one of "at" (like "tue 10:00" or 2026-11-24T10:00Z) and "offset" (like 1d10h)');
  }
  return {
    kind,
    label: f.path,
    at: f.has('offset') ? { kind: 'offset', ms: f.duration('offset') } : readAt(f),
    durationMs: f.duration('duration'),
    ...(kind === 'added-latency' && { latencyMs: f.number('latency_ms', undefined, { above: 0 }) }),
    ...(kind === 'traffic-spike' && { multiplier: f.number('multiplier', undefined, { above: 0 }) }),
    ...(kind === 'worker-crash' && f.has('worker') && { worker: f.string('worker') }),
  };
}

function readAt(f: Fields): IncidentTime {
  const raw = f.raw('at');
  const text = raw instanceof Date ? raw.toISOString() : typeof raw === 'string' ? raw.trim() : '';
  const weekday = WEEKDAY_AT.exec(text);
  if (weekday !== null) {
    const hour = Number(weekday[2]);
    const minute = Number(weekday[3]);
    if (hour < 24 && minute < 60) {
      const day = WEEKDAYS.indexOf((weekday[1] as string).toLowerCase() as (typeof WEEKDAYS)[number]);
      return { kind: 'weekday', weekday: day, minuteOfDay: hour * 60 + minute };
    }
  }
  const ms = ZONED.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isFinite(ms)) return { kind: 'absolute', ms };
  return f.fail('at', 'a weekday and UTC time like "tue 10:00", or an ISO time with a zone like 2026-11-24T10:00Z');
}

/** Monday = 0 … Sunday = 6, for a UTC time (1970-01-01 was a Thursday). */
export function weekdayOf(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 3) % 7;
}

/** When an incident starts in a run beginning at `startMs` (a weekday means its first one at or after the start). */
export function incidentStartMs(at: IncidentTime, startMs: number): number {
  if (at.kind === 'offset') return startMs + at.ms;
  if (at.kind === 'absolute') return at.ms;
  const dayStart = Math.floor(startMs / DAY_MS) * DAY_MS;
  let t = dayStart + ((at.weekday - weekdayOf(startMs) + 7) % 7) * DAY_MS + at.minuteOfDay * 60_000;
  if (t < startMs) t += 7 * DAY_MS;
  return t;
}

/** The incidents that start within [startMs, endMs), placed in time and sorted by start. */
export function resolveIncidents(scenario: Scenario, startMs: number, endMs: number): ResolvedIncident[] {
  return scenario.incidents
    .map((i) => {
      const s = incidentStartMs(i.at, startMs);
      return { ...i, startMs: s, endMs: s + i.durationMs };
    })
    .filter((i) => i.startMs >= startMs && i.startMs < endMs)
    .sort((a, b) => a.startMs - b.startMs);
}

/** Describes an incident for a person: `downstream-outage at 2026-11-24T10:00:00.000Z for 20 min`. */
export function describeIncident(i: ResolvedIncident): string {
  return `${i.kind} at ${new Date(i.startMs).toISOString()} for ${Math.round(i.durationMs / 60_000)} min (${quoteInput(i.label)})`;
}
