// The analyzer's figures worked out from the fixture's raw JSON lines by a separate, plain
// computation that imports nothing from src/: what the golden tests compare kaizen's answers with.
// Each function follows the input definitions documented in src/analysis/health.ts and slo.ts.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of fixtures/week-2026-W47.jsonl, as the JSON says it. */
export interface Line {
  readonly time: string;
  readonly type: string;
  readonly component: string;
  readonly id?: string;
  readonly value?: number;
  readonly unit?: string;
  readonly worker?: string;
  readonly reason?: string;
  readonly alert?: string;
  readonly severity?: string;
  readonly caused_by?: string;
}

export interface Range {
  readonly fromMs: number;
  readonly toMs: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_FILE = path.join(ROOT, 'fixtures', 'week-2026-W47.jsonl');
export const EXPECTED_FILE = path.join(ROOT, 'fixtures', 'week-2026-W47.expected.json');

export const LINES: readonly Line[] = fs
  .readFileSync(FIXTURE_FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Line);

export const HOUR_MS = 3_600_000;
export const WEEK: Range = { fromMs: Date.parse('2026-11-16T00:00:00Z'), toMs: Date.parse('2026-11-23T00:00:00Z') };

/**
 * How far a percentile read from kaizen's merged log histograms may be from the exact sample
 * value: (γ − 1)/(γ + 1) with γ = 1.02 (fixtures/README.md: "≈ 0.99 %").
 */
export const HISTOGRAM_RELATIVE_ERROR = (1.02 - 1) / (1.02 + 1);

export const msOf = (l: Line): number => Date.parse(l.time);
export const within = (lines: readonly Line[], r: Range): Line[] => lines.filter((l) => msOf(l) >= r.fromMs && msOf(l) < r.toMs);
export const ofType = (lines: readonly Line[], ...types: string[]): Line[] => lines.filter((l) => types.includes(l.type));
export const hourKeyOf = (l: Line): string => l.time.slice(0, 13);

export const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);
export const meanOf = (xs: readonly number[]): number => sum(xs) / xs.length;
/** Population standard deviation. */
export const popStd = (xs: readonly number[]): number => {
  const m = meanOf(xs);
  return Math.sqrt(sum(xs.map((x) => (x - m) ** 2)) / xs.length);
};
export const clamp100 = (x: number): number => Math.min(100, Math.max(0, x));

/** The q-percentile by nearest rank: the ⌈q·n⌉-th smallest value. */
export function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

export type HandBand = 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED';
/** GREEN >= 80, YELLOW 60–80, ORANGE 40–60, RED < 40 (the seeds' bands). */
export const bandByHand = (s: number): HandBand => (s >= 80 ? 'GREEN' : s >= 60 ? 'YELLOW' : s >= 40 ? 'ORANGE' : 'RED');

/**
 * The spans during which a circuit was open: from a circuit.opened to the next
 * circuit.half_opened or circuit.closed of the same component (half-open is not open).
 */
export function openSpans(lines: readonly Line[]): { component: string; fromMs: number; toMs: number }[] {
  const spans: { component: string; fromMs: number; toMs: number }[] = [];
  const since = new Map<string, number>();
  for (const l of lines) {
    if (l.type === 'circuit.opened' && !since.has(l.component)) since.set(l.component, msOf(l));
    if ((l.type === 'circuit.half_opened' || l.type === 'circuit.closed') && since.has(l.component)) {
      spans.push({ component: l.component, fromMs: since.get(l.component)!, toMs: msOf(l) });
      since.delete(l.component);
    }
  }
  return spans;
}

/** Seconds each component's circuit was open within a range. */
export function openSecondsByComponent(lines: readonly Line[], r: Range): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of openSpans(lines)) {
    const overlap = Math.max(0, Math.min(s.toMs, r.toMs) - Math.max(s.fromMs, r.fromMs)) / 1000;
    if (overlap > 0) out.set(s.component, (out.get(s.component) ?? 0) + overlap);
  }
  return out;
}

const maxOpenSeconds = (lines: readonly Line[], r: Range): number => Math.max(0, ...openSecondsByComponent(lines, r).values());

export interface HandHealth {
  readonly jidoka: { readonly score: number; readonly circuitOpenPct: number; readonly failureRatePerMin: number };
  /** Kanban's p99 comes from histograms, so its score is known to lie between lo and hi. */
  readonly kanban: { readonly scoreLo: number; readonly scoreHi: number; readonly p99Ms: number; readonly throughputPerMin: number };
  readonly andon: { readonly score: number; readonly alertsPerMin: number; readonly mttdSeconds: number | null };
  readonly heijunka: { readonly score: number; readonly loadBalance: number; readonly utilisationPct: number; readonly workers: number };
  readonly overall: { readonly scoreLo: number; readonly scoreHi: number };
}

/**
 * The four pillars of a window by the seeds' formulas (kaizen-metrics-framework.md) over the
 * inputs as health.ts defines them, with a throughput target of 10/min and a worker capacity of 1.
 */
export function healthByHand(all: readonly Line[], r: Range, targetPerMin = 10, capacity = 1): HandHealth {
  const lines = within(all, r);
  const minutes = (r.toMs - r.fromMs) / 60_000;
  const completed = ofType(lines, 'task.completed');
  const failed = ofType(lines, 'task.failed');

  // Jidoka = 100 − (circuit open % × 2 + failure rate per minute × 0.5)
  const circuitOpenPct = (maxOpenSeconds(all, r) / (minutes * 60)) * 100;
  const failureRatePerMin = failed.length / minutes;
  const jidoka = clamp100(100 - (circuitOpenPct * 2 + failureRatePerMin * 0.5));

  // Kanban = (100 − p99 / 5) × min(1, throughput / target)
  const p99Ms = nearestRank(
    completed.map((l) => l.value!),
    0.99,
  );
  const throughputPerMin = completed.length / minutes;
  const kanbanAt = (p99: number): number => clamp100((100 - p99 / 5) * Math.min(1, throughputPerMin / targetPerMin));
  const kanban = {
    scoreLo: kanbanAt(p99Ms * (1 + HISTOGRAM_RELATIVE_ERROR)),
    scoreHi: kanbanAt(p99Ms * (1 - HISTOGRAM_RELATIVE_ERROR)),
    p99Ms,
    throughputPerMin,
  };

  // Andon = 100 − (alerts per minute × 10 + MTTD seconds / 30); MTTD = mean alert.fired value.
  const fired = ofType(lines, 'alert.fired');
  const delays = fired.filter((l) => l.value !== undefined).map((l) => l.value!);
  const mttdSeconds = delays.length === 0 ? null : meanOf(delays);
  const alertsPerMin = fired.length / minutes;
  const andon = clamp100(100 - (alertsPerMin * 10 + (mttdSeconds ?? 0) / 30));

  // Heijunka = load balance coefficient × 100 × utilisation % / 80
  const outcomesByWorker = new Map<string, number>();
  for (const l of [...completed, ...failed]) if (l.worker !== undefined) outcomesByWorker.set(l.worker, (outcomesByWorker.get(l.worker) ?? 0) + 1);
  const loads = [...outcomesByWorker.values()];
  const loadBalance = 1 - popStd(loads) / meanOf(loads);
  const samplesByWorker = new Map<string, number[]>();
  for (const l of ofType(lines, 'worker.load')) samplesByWorker.set(l.worker!, [...(samplesByWorker.get(l.worker!) ?? []), l.value!]);
  const perWorker = [...samplesByWorker.values()].map((xs) => meanOf(xs) / capacity);
  const utilisationPct = perWorker.length === 0 ? 80 : Math.min(100, meanOf(perWorker) * 100);
  const heijunka = clamp100(loadBalance * 100 * (utilisationPct / 80));

  return {
    jidoka: { score: jidoka, circuitOpenPct, failureRatePerMin },
    kanban,
    andon: { score: andon, alertsPerMin, mttdSeconds },
    heijunka: { score: heijunka, loadBalance, utilisationPct, workers: loads.length },
    overall: { scoreLo: (jidoka + kanban.scoreLo + andon + heijunka) / 4, scoreHi: (jidoka + kanban.scoreHi + andon + heijunka) / 4 },
  };
}

/** The UTC hours of a range that hold at least one event (the hours kaizen keeps a rollup of). */
export function hoursWithEvents(all: readonly Line[], r: Range): string[] {
  return [...new Set(within(all, r).map(hourKeyOf))].sort();
}

/** good / total of an SLO as the numbers of the attainment and the error budget. */
export interface HandSlo {
  readonly good: number;
  readonly total: number;
  readonly attainment: number;
  readonly budget: number;
  readonly consumed: number;
  readonly remaining: number;
}

export function sloFigures(good: number, total: number, target: number): HandSlo {
  const budget = (1 - target) * total;
  return { good, total, attainment: good / total, budget, consumed: total - good, remaining: budget - (total - good) };
}

/** signal-success: task.completed over task.completed + task.failed + signal.rejected. */
export function signalSuccessByHand(all: readonly Line[], r: Range): HandSlo {
  const lines = within(all, r);
  const good = ofType(lines, 'task.completed').length;
  return sloFigures(good, good + ofType(lines, 'task.failed', 'signal.rejected').length, 0.99);
}

/**
 * availability: seconds of observed time (3600 per hour that holds evidence) during which no
 * circuit was open: per hour, 3600 minus the seconds of its most-open circuit.
 */
export function availabilityByHand(all: readonly Line[], r: Range): HandSlo {
  const hours = hoursWithEvents(all, r);
  let good = 0;
  for (const h of hours) {
    const fromMs = Date.parse(`${h}:00:00Z`);
    good += 3600 - Math.min(3600, maxOpenSeconds(all, { fromMs, toMs: fromMs + HOUR_MS }));
  }
  return sloFigures(good, 3600 * hours.length, 0.999);
}

/** queue-depth: hours whose mean queue.depth sample is at most 50, of the hours with samples. */
export function queueDepthByHand(all: readonly Line[], r: Range): HandSlo {
  const byHour = new Map<string, number[]>();
  for (const l of ofType(within(all, r), 'queue.depth')) byHour.set(hourKeyOf(l), [...(byHour.get(hourKeyOf(l)) ?? []), l.value!]);
  const means = [...byHour.values()].map(meanOf);
  return sloFigures(means.filter((m) => m <= 50).length, means.length, 0.99);
}

/** The recorded cause chain of an event: its caused_by, that event's caused_by, and so on. */
export function recordedCauses(all: readonly Line[], from: Line): Line[] {
  const out: Line[] = [];
  let at: Line | undefined = from;
  while (at?.caused_by !== undefined && out.length < 5) {
    const id: string = at.caused_by;
    at = all.find((l) => l.id === id);
    if (at !== undefined) out.push(at);
  }
  return out;
}
