// Tests of the simulation: determinism by seed, the event contract, and the one-day outage end to end.

import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { parseEvent, toEventJson } from '../../src/evidence/event.js';
import { parseScenario } from '../../src/pipeline/scenario.js';
import { createSimulation, type SimulationProgress, simulate } from '../../src/pipeline/simulate.js';
import { configWith, Recorder } from './helpers.js';

const MONDAY = Date.UTC(2026, 10, 23);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Three hours with one of every incident, at 1 signal/s. */
const THREE_HOURS = parseScenario(
  `
name: three-hours
duration: 3h
traffic:
  shape: daily-cycle
  rate_per_second: 1
  bursts: { per_day: 48, multiplier: 4, duration: 1m }
  mix: { timeout_ms: 20000 }
incidents:
  - { kind: downstream-outage, offset: 20m, duration: 5m }
  - { kind: added-latency, offset: 50m, duration: 10m, latency_ms: 500 }
  - { kind: worker-crash, offset: 80m, duration: 5m }
  - { kind: traffic-spike, offset: 110m, duration: 3m, multiplier: 40 }
  - { kind: queue-stall, offset: 150m, duration: 2m }
`,
  'three-hours.yaml',
);

const runs = new Map<number, KaizenEvent[]>();

/** The events of a three-hour run (computed fresh when `fresh`, else once per seed). */
const WITH_ACCEPTED = configWith({ signals: { emitAccepted: true } });

function run(seed: number, fresh = false): KaizenEvent[] {
  const known = runs.get(seed);
  if (known !== undefined && !fresh) return known;
  const r = new Recorder();
  simulate({ scenario: THREE_HOURS, seed, startMs: MONDAY, sink: r.sink, config: WITH_ACCEPTED });
  runs.set(seed, r.events);
  return r.events;
}

describe('simulation', () => {
  it('gives the same events for the same seed, and different ones for another seed', () => {
    const a = run(11);
    expect(a.length).toBeGreaterThan(20_000);
    expect(JSON.stringify(run(11, true))).toBe(JSON.stringify(a));
    const b = run(12);
    expect(b.map((e) => e.traceId).filter((t) => t !== undefined).slice(0, 10)).not.toEqual(
      a.map((e) => e.traceId).filter((t) => t !== undefined).slice(0, 10),
    );
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
  });

  it('emits only events that satisfy the event contract, in time order', () => {
    const events = run(5);
    const wrong = events.flatMap((e, i) => {
      const back = parseEvent(toEventJson(e), `event ${i}`);
      const early = i > 0 && e.timeMs < (events[i - 1] as KaizenEvent).timeMs;
      return isDeepStrictEqual(back, e) && !early ? [] : [{ i, e, back }];
    });
    expect(wrong).toEqual([]);
    const types = new Set(events.map((e) => e.type));
    for (const t of ['circuit.opened', 'circuit.closed', 'alert.fired', 'alert.cleared', 'worker.crashed', 'queue.depth', 'worker.load', 'chaos.injected', 'chaos.cleared']) {
      expect(types.has(t as KaizenEvent['type'])).toBe(true);
    }
  });

  it('gives each signal one outcome receipt besides its acceptance', () => {
    const r = new Recorder();
    const summary = simulate({ scenario: THREE_HOURS, seed: 3, startMs: MONDAY, sink: r.sink, config: WITH_ACCEPTED });
    const count = (type: KaizenEvent['type']) => r.of(type).length;
    expect(summary.signals).toBe(summary.accepted + summary.rejected);
    expect(count('signal.accepted')).toBe(summary.accepted);
    expect(count('signal.rejected')).toBe(summary.rejected);
    expect(count('signal.received')).toBe(0);
    // Work still in flight at the end has no outcome yet; everything else has exactly one.
    const outcomes = count('task.completed') + count('task.failed');
    expect(outcomes).toBeLessThanOrEqual(summary.accepted);
    expect(summary.accepted - outcomes).toBeLessThan(10);
    expect(summary.mttdMs).toBeGreaterThan(0);
    // A night-time spike within the pool's capacity goes unnoticed; every other fault is detected.
    const detected = summary.faults.filter((f) => f.detectedMs !== undefined).map((f) => f.kind);
    expect(detected).toEqual(['downstream-down', 'added-latency', 'worker-crash', 'queue-stall']);
  });

  it('runs in chunks, each emitting just the events before its cut, to the same events as in one go', () => {
    const chunked = new Recorder();
    const progress: SimulationProgress[] = [];
    const sim = createSimulation({ scenario: THREE_HOURS, seed: 11, startMs: MONDAY, sink: chunked.sink, config: WITH_ACCEPTED, onProgress: (p) => progress.push(p) });
    const misplaced: number[] = [];
    let seen = 0;
    for (let cut = MONDAY + 17 * MIN, previous = MONDAY; !sim.done; previous = cut, cut += 17 * MIN) {
      sim.runUntil(cut);
      // Each chunk emits exactly the events timed in [previous cut, this cut).
      for (const e of chunked.events.slice(seen)) if (e.timeMs < previous || e.timeMs >= cut) misplaced.push(e.timeMs);
      seen = chunked.events.length;
    }
    expect(misplaced).toEqual([]);
    expect(JSON.stringify(chunked.events)).toBe(JSON.stringify(run(11)));
    expect(progress.map((p) => p.fraction)).toEqual([1 / 3, 2 / 3, 1]);
  });

  it('refuses a rate that is not a positive number, naming it', () => {
    try {
      simulate({ scenario: THREE_HOURS, seed: 1, startMs: MONDAY, rate: 0, sink: () => {} });
      expect.unreachable('a zero rate should be refused');
    } catch (e) {
      expect(isKaizenError(e, 'KZN_USAGE') && e.message).toBe('rate: expected a positive number of signals per second, got 0');
    }
  });

  describe('of the one-day outage scenario', () => {
    const r = new Recorder();
    let signals = 0;
    beforeAll(() => {
      const scenario = parseScenario(readFileSync('scenarios/outage-day.yaml', 'utf8'), 'scenarios/outage-day.yaml');
      signals = simulate({ scenario, seed: 1, startMs: MONDAY, sink: r.sink }).signals;
    });
    const outageStart = MONDAY + 10 * HOUR;
    const outageEnd = outageStart + 20 * MIN;

    it('opens the circuit within 10 s of the outage’s start, and only during the outage', () => {
      const opened = r.of('circuit.opened');
      expect(opened[0]?.timeMs).toBeGreaterThanOrEqual(outageStart);
      expect(opened[0]?.timeMs).toBeLessThanOrEqual(outageStart + 10_000);
      expect(opened.every((e) => e.timeMs >= outageStart && e.timeMs < outageEnd)).toBe(true);
      expect(signals).toBeGreaterThan(80_000);
    });

    it('raises the circuit-open alert and rejects signals while open', () => {
      const alert = r.of('alert.fired').find((e) => e.alert === 'circuit-open');
      expect(alert?.timeMs).toBe(r.of('circuit.opened')[0]?.timeMs);
      const refused = r.of('signal.rejected').filter((e) => e.reason === 'circuit-open');
      expect(refused.length).toBeGreaterThan(500);
      const closedAt = r.first('circuit.closed')?.timeMs ?? 0;
      expect(refused.every((e) => e.timeMs >= outageStart && e.timeMs <= closedAt)).toBe(true);
    });

    it('closes the circuit within a reset timeout (plus the probes) after recovery, once', () => {
      const closed = r.of('circuit.closed');
      expect(closed).toHaveLength(1);
      expect(closed[0]?.timeMs).toBeGreaterThan(outageEnd);
      expect(closed[0]?.timeMs).toBeLessThanOrEqual(outageEnd + 30_000 + 10_000);
      const cleared = r.of('alert.cleared').find((e) => e.alert === 'circuit-open');
      expect(cleared?.timeMs).toBeGreaterThan(closed[0]?.timeMs ?? 0);
    });
  });
});
