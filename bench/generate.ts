// A deterministic generator of a synthetic week of pipeline events for the benchmarks, streamed
// hour by hour so that a million events never need to be in memory at once.
//
//   node dist/bench/generate.js --events 100000 --out week.jsonl [--seed 1] [--week-start 2026-11-02]

import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type KaizenEvent, toEventJson } from '../src/evidence/event.js';
import { EVENT_TYPES, type EventType } from '../src/evidence/event-types.js';

export const HOUR_MS = 3_600_000;
export const HOURS_PER_WEEK = 168;
/** Monday of ISO week 2026-W45: a closed week in the past, so every hour of it can be rolled up. */
export const DEFAULT_WEEK_START = '2026-11-02';
export const DEFAULT_SEED = 20261102;

export interface WeekOptions {
  /** Events in the whole week (exactly this many are generated). */
  readonly events: number;
  readonly seed?: number;
  /** Monday 00:00 UTC of the week, epoch ms (default DEFAULT_WEEK_START). */
  readonly weekStartMs?: number;
}

/** A small, fast seeded PRNG (mulberry32, public domain) with the draws the generator needs. */
export class Prng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal draw with the given median and log-spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  hex(digits: number): string {
    let out = '';
    for (let i = 0; i < digits; i += 8) out += this.uint32().toString(16).padStart(8, '0');
    return out.slice(0, digits);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

interface Component {
  readonly name: string;
  /** Share of the traffic. */
  readonly weight: number;
  readonly workers: readonly string[];
  /** Median task latency (ms) and the spread of its logarithm. */
  readonly medianMs: number;
  readonly sigma: number;
}

export const COMPONENTS: readonly Component[] = [
  { name: 'checkout', weight: 0.3, workers: ['w-1', 'w-2', 'w-3'], medianMs: 120, sigma: 0.55 },
  { name: 'payments', weight: 0.25, workers: ['w-4', 'w-5', 'w-6'], medianMs: 180, sigma: 0.6 },
  { name: 'search', weight: 0.2, workers: ['w-7', 'w-8', 'w-9'], medianMs: 45, sigma: 0.5 },
  { name: 'inventory', weight: 0.15, workers: ['w-10', 'w-11'], medianMs: 60, sigma: 0.45 },
  { name: 'shipping', weight: 0.1, workers: ['w-12'], medianMs: 250, sigma: 0.7 },
];
const COMPONENT_WEIGHT_TOTAL = COMPONENTS.reduce((s, c) => s + c.weight, 0);

/** The mix of background event types (fractions of an hour's events). */
const MIX: readonly [EventType, number][] = [
  ['task.completed', 0.8],
  ['task.failed', 0.035],
  ['signal.rejected', 0.025],
  ['queue.depth', 0.07],
  ['worker.load', 0.07],
];
const FAIL_REASONS = ['timeout', 'downstream-5xx', 'validation'] as const;
const REJECT_REASONS = ['queue-full', 'rate-limited', 'circuit-open'] as const;

/** Traffic by UTC hour of day (peak at 14:00) and by weekday (Monday first; Wednesday busiest). */
function hourWeight(hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  const hod = hourOfWeek % 24;
  const weekday = [1.0, 1.05, 1.1, 1.05, 1.0, 0.75, 0.7][day]!;
  return weekday * (1 + 0.35 * Math.sin((2 * Math.PI * (hod - 8)) / 24));
}

/** How many events each hour of the week gets: proportional to its weight, summing to `total`. */
export function hourCounts(total: number): number[] {
  const weights = Array.from({ length: HOURS_PER_WEEK }, (_, h) => hourWeight(h));
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  let rest = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (rest-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

/** The busiest hour of the week (Wednesday 14:00 UTC), where the benchmarks look at one hour. */
export function busiestHourOfWeek(): number {
  let best = 0;
  for (let h = 1; h < HOURS_PER_WEEK; h++) if (hourWeight(h) > hourWeight(best)) best = h;
  return best;
}

export function weekStartOf(options: WeekOptions): number {
  return options.weekStartMs ?? Date.parse(`${DEFAULT_WEEK_START}T00:00:00Z`);
}

/**
 * Incidents: a circuit opens on a component (its alert fires right after), is probed half-open,
 * sometimes re-opens, then closes and the alert clears. About three a day, at random times, plus
 * one in the busiest hour at :35 so that that hour always holds a circuit opening to look back
 * from. Incidents may cross hour boundaries (the rollups carry their state over).
 */
function incidentEvents(rng: Prng, weekStartMs: number): KaizenEvent[] {
  const starts: { atMs: number; component: Component }[] = [];
  for (let day = 0; day < 7; day++) {
    const n = 2 + rng.int(3);
    for (let i = 0; i < n; i++) {
      starts.push({ atMs: weekStartMs + day * 24 * HOUR_MS + rng.int(24 * HOUR_MS - 30 * 60_000), component: rng.pick(COMPONENTS) });
    }
  }
  starts.push({ atMs: weekStartMs + busiestHourOfWeek() * HOUR_MS + 35 * 60_000, component: COMPONENTS[1]! });
  const out: KaizenEvent[] = [];
  let n = 0;
  for (const { atMs, component } of starts) {
    const c = component.name;
    const circuitId = `circuit-${++n}`;
    const alertId = `alert-${n}`;
    const severity = rng.next() < 0.6 ? 'critical' : 'warning';
    const durationMs = 2 * 60_000 + rng.int(18 * 60_000);
    const ev = (type: EventType, t: number, extra: Partial<KaizenEvent> = {}): KaizenEvent => ({
      type,
      timeMs: t,
      component: c,
      pillar: EVENT_TYPES[type].pillar,
      ...extra,
    });
    out.push(ev('circuit.opened', atMs, { id: circuitId, reason: 'failure-threshold' }));
    out.push(ev('alert.fired', atMs + 1000, { id: alertId, alert: 'error-rate-high', severity, causedBy: circuitId }));
    let t = atMs + 30_000;
    out.push(ev('circuit.half_opened', t));
    if (rng.next() < 0.5) {
      out.push(ev('circuit.opened', t + 1000, { reason: 'probe-failed' }));
      t += 31_000;
      out.push(ev('circuit.half_opened', t));
    }
    out.push(ev('circuit.closed', Math.max(t + 5000, atMs + durationMs)));
    out.push(ev('alert.cleared', Math.max(t + 35_000, atMs + durationMs + 30_000), { alert: 'error-rate-high', severity, causedBy: alertId }));
  }
  return out.sort((a, b) => a.timeMs - b.timeMs);
}

/** One hour of the week: its start, its key and its events in time order. */
export interface GeneratedHour {
  readonly index: number;
  readonly startMs: number;
  readonly hour: string;
  readonly events: KaizenEvent[];
}

/** Which component has an incident going on at a time (failures and rejections rise then). */
function incidentWindows(incidents: readonly KaizenEvent[]): { component: string; fromMs: number; toMs: number }[] {
  const out: { component: string; fromMs: number; toMs: number }[] = [];
  const open = new Map<string, number>();
  for (const e of incidents) {
    if (e.type === 'circuit.opened' && !open.has(e.component)) open.set(e.component, e.timeMs);
    if (e.type === 'circuit.closed') {
      const from = open.get(e.component);
      if (from !== undefined) out.push({ component: e.component, fromMs: from - 60_000, toMs: e.timeMs });
      open.delete(e.component);
    }
  }
  return out;
}

/**
 * The week, hour by hour. Deterministic: the same options give the same events. Each hour's
 * events are built, sorted by time and handed over before the next hour is made.
 */
export function* generateWeekByHour(options: WeekOptions): Generator<GeneratedHour> {
  const seed = options.seed ?? DEFAULT_SEED;
  const weekStartMs = weekStartOf(options);
  const rng = new Prng(seed);
  const incidents = incidentEvents(new Prng(seed ^ 0x5eed), weekStartMs);
  const windows = incidentWindows(incidents);
  const counts = hourCounts(options.events);
  let nextIncident = 0;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const startMs = weekStartMs + h * HOUR_MS;
    const endMs = startMs + HOUR_MS;
    const events: KaizenEvent[] = [];
    while (nextIncident < incidents.length && incidents[nextIncident]!.timeMs < endMs) events.push(incidents[nextIncident++]!);
    const background = Math.max(0, counts[h]! - events.length);
    const active = windows.filter((w) => w.toMs > startMs && w.fromMs < endMs);
    for (let i = 0; i < background; i++) events.push(backgroundEvent(rng, startMs + rng.int(HOUR_MS), active));
    events.sort((a, b) => a.timeMs - b.timeMs);
    yield { index: h, startMs, hour: new Date(startMs).toISOString().slice(0, 13), events };
  }
}

/** The week as a stream of events in time order. */
export function* generateWeek(options: WeekOptions): Generator<KaizenEvent> {
  for (const hour of generateWeekByHour(options)) yield* hour.events;
}

function pickComponent(rng: Prng): Component {
  let x = rng.next() * COMPONENT_WEIGHT_TOTAL;
  for (const c of COMPONENTS) {
    x -= c.weight;
    if (x < 0) return c;
  }
  return COMPONENTS[COMPONENTS.length - 1]!;
}

function pickType(rng: Prng, inIncident: boolean): EventType {
  if (inIncident) {
    const x = rng.next();
    if (x < 0.25) return 'task.failed';
    if (x < 0.35) return 'signal.rejected';
  }
  let x = rng.next();
  for (const [type, share] of MIX) {
    x -= share;
    if (x < 0) return type;
  }
  return 'task.completed';
}

function uuid(rng: Prng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function backgroundEvent(rng: Prng, timeMs: number, active: readonly { component: string; fromMs: number; toMs: number }[]): KaizenEvent {
  const c = pickComponent(rng);
  const inIncident = active.some((w) => w.component === c.name && timeMs >= w.fromMs && timeMs < w.toMs);
  const type = pickType(rng, inIncident);
  const pillar = EVENT_TYPES[type].pillar;
  const worker = rng.pick(c.workers);
  switch (type) {
    case 'task.completed':
    case 'task.failed': {
      const slow = type === 'task.failed' ? 3 : inIncident ? 1.8 : 1;
      const value = Math.max(0.1, Math.round(rng.logNormal(c.medianMs * slow, c.sigma) * 10) / 10);
      return {
        type,
        timeMs,
        component: c.name,
        pillar,
        value,
        unit: 'ms',
        signalId: uuid(rng),
        traceId: rng.hex(32),
        spanId: rng.hex(16),
        worker,
        ...(type === 'task.failed' && { reason: inIncident ? 'downstream-5xx' : rng.pick(FAIL_REASONS) }),
      };
    }
    case 'signal.rejected':
      return {
        type,
        timeMs,
        component: c.name,
        pillar,
        signalId: uuid(rng),
        traceId: rng.hex(32),
        reason: inIncident ? 'circuit-open' : rng.pick(REJECT_REASONS),
      };
    case 'queue.depth': {
      const base = inIncident ? 60 : 8;
      return { type, timeMs, component: c.name, pillar, value: Math.round(rng.logNormal(base, 0.6)), unit: 'tasks' };
    }
    default: {
      const base = inIncident ? 9 : 4;
      return { type, timeMs, component: c.name, pillar, value: Math.round(rng.logNormal(base, 0.4)), unit: 'tasks', worker };
    }
  }
}

/**
 * Writes the week — or the hours of it that start in `range` — as JSON Lines (the event
 * contract) to a file; returns the number of lines.
 */
export function writeWeekJsonl(options: WeekOptions, path: string, range?: { fromMs: number; toMs: number }): number {
  const fd = openSync(path, 'w');
  let n = 0;
  try {
    for (const hour of generateWeekByHour(options)) {
      if (range !== undefined && (hour.startMs < range.fromMs || hour.startMs >= range.toMs)) continue;
      let chunk = '';
      for (const e of hour.events) {
        chunk += `${JSON.stringify(toEventJson(e))}\n`;
        n++;
      }
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

function main(argv: readonly string[]): void {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const events = Number(get('--events') ?? '100000');
  const out = get('--out');
  const seed = Number(get('--seed') ?? DEFAULT_SEED);
  const weekStart = get('--week-start') ?? DEFAULT_WEEK_START;
  const weekStartMs = Date.parse(`${weekStart}T00:00:00Z`);
  if (out === undefined || !Number.isInteger(events) || events <= 0 || !Number.isFinite(weekStartMs) || !Number.isInteger(seed)) {
    process.stderr.write('usage: node dist/bench/generate.js --events N --out FILE.jsonl [--seed S] [--week-start YYYY-MM-DD (a Monday)]\n');
    process.exitCode = 2;
    return;
  }
  const n = writeWeekJsonl({ events, seed, weekStartMs }, resolve(out));
  process.stdout.write(`wrote ${n} events of the week from ${weekStart} to ${out}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
