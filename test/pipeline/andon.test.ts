// Tests of the Andon board: rules that fire and clear with hysteresis, MTTD, and the lights.

import { describe, expect, it } from 'vitest';
import { Andon, type AndonMetrics, DEFAULT_ANDON_THRESHOLDS, defaultAlertRules, lightsFor } from '../../src/pipeline/andon.js';

const calm: AndonMetrics = {
  p99Ms: 90,
  latencySamples: 100,
  errorRate: 0,
  outcomes: 100,
  circuit: 'closed',
  queueDepth: 0,
  queueCapacity: 1000,
  workersDown: 0,
  workersTotal: 4,
  loadBalance: 0.95,
  stalledMs: 0,
};

const board = () => new Andon(defaultAlertRules(DEFAULT_ANDON_THRESHOLDS), 100);

/** Evaluates every 5 s from `fromMs` to `toMs` (inclusive) with the same metrics; returns the changes. */
function run(andon: Andon, fromMs: number, toMs: number, m: Partial<AndonMetrics>) {
  const changes = [];
  for (let t = fromMs; t <= toMs; t += 5000) changes.push(...andon.evaluate(t, { ...calm, ...m }));
  return changes.map((c) => ({ change: c.change, alert: c.rule.name, atMs: c.atMs }));
}

describe('andon', () => {
  describe('the high p99 latency rule', () => {
    it('fires only once p99 has stayed above 200 ms for a minute', () => {
      const a = board();
      expect(run(a, 0, 55_000, { p99Ms: 250 })).toEqual([]);
      expect(run(a, 60_000, 60_000, { p99Ms: 250 })).toEqual([{ change: 'fired', alert: 'high-latency-p99', atMs: 60_000 }]);
    });

    it('starts counting again when p99 dips below the threshold', () => {
      const a = board();
      run(a, 0, 50_000, { p99Ms: 250 });
      run(a, 55_000, 55_000, { p99Ms: 180 });
      expect(run(a, 60_000, 115_000, { p99Ms: 250 })).toEqual([]);
      expect(run(a, 120_000, 120_000, { p99Ms: 250 })).toEqual([{ change: 'fired', alert: 'high-latency-p99', atMs: 120_000 }]);
    });

    it('does not clear while p99 sits between the clear and fire levels (hysteresis)', () => {
      const a = board();
      run(a, 0, 60_000, { p99Ms: 250 });
      expect(run(a, 65_000, 600_000, { p99Ms: 180 })).toEqual([]);
      expect(a.active().map((x) => x.name)).toEqual(['high-latency-p99']);
    });

    it('clears once p99 has stayed below 150 ms for a minute', () => {
      const a = board();
      run(a, 0, 60_000, { p99Ms: 250 });
      expect(run(a, 65_000, 120_000, { p99Ms: 100 })).toEqual([]);
      expect(run(a, 125_000, 125_000, { p99Ms: 100 })).toEqual([{ change: 'cleared', alert: 'high-latency-p99', atMs: 125_000 }]);
      expect(a.active()).toEqual([]);
    });
  });

  it('fires circuit-open at once and clears it only after 30 s closed', () => {
    const a = board();
    expect(run(a, 0, 0, { circuit: 'open' })).toEqual([{ change: 'fired', alert: 'circuit-open', atMs: 0 }]);
    expect(run(a, 5000, 10_000, { circuit: 'half-open' })).toEqual([]);
    expect(run(a, 15_000, 40_000, { circuit: 'closed' })).toEqual([]);
    expect(run(a, 45_000, 45_000, { circuit: 'closed' })).toEqual([{ change: 'cleared', alert: 'circuit-open', atMs: 45_000 }]);
  });

  it('fires the backlog alert above 80 % of capacity and keeps it until below 60 %', () => {
    const a = board();
    expect(run(a, 0, 0, { queueDepth: 800 })).toEqual([]);
    expect(run(a, 5000, 5000, { queueDepth: 801 })).toEqual([{ change: 'fired', alert: 'queue-backlog', atMs: 5000 }]);
    expect(run(a, 10_000, 100_000, { queueDepth: 700 })).toEqual([]);
    expect(run(a, 105_000, 135_000, { queueDepth: 500 })).toEqual([{ change: 'cleared', alert: 'queue-backlog', atMs: 135_000 }]);
  });

  it('does not judge the error rate on too few outcomes', () => {
    const a = board();
    expect(run(a, 0, 120_000, { errorRate: 0.5, outcomes: 10 })).toEqual([]);
    expect(run(a, 125_000, 155_000, { errorRate: 0.5, outcomes: 200 })).toEqual([
      { change: 'fired', alert: 'high-error-rate', atMs: 155_000 },
    ]);
  });

  it('measures the time to detect a fault from its start to the first alert after it', () => {
    const a = board();
    a.faultStarted('chaos-1', 'worker-crash', 1000);
    a.faultStarted('chaos-2', 'added-latency', 100_000);
    expect(a.detect('worker-down', 4000).map((f) => f.id)).toEqual(['chaos-1']);
    expect(a.detect('worker-down', 5000)).toEqual([]);
    a.faultEnded('chaos-2', 200_000);
    expect(a.detect('high-latency-p99', 160_000).map((f) => f.id)).toEqual(['chaos-2']);
    expect(a.mttdMs()).toBe((3000 + 60_000) / 2);
  });

  it('keeps only the last history-size changes', () => {
    const a = new Andon(defaultAlertRules(DEFAULT_ANDON_THRESHOLDS), 2);
    run(a, 0, 0, { circuit: 'open', workersDown: 1 });
    run(a, 5000, 45_000, { circuit: 'closed' });
    // Fired: circuit-open, worker-down at 0; cleared: worker-down at 15 s, circuit-open at 35 s.
    expect(a.history().map((c) => `${c.change}:${c.rule.name}`)).toEqual(['cleared:worker-down', 'cleared:circuit-open']);
  });

  describe('lights', () => {
    it.each([
      { when: 'all is calm', m: {}, light: { jidoka: 'GREEN', kanban: 'GREEN', heijunka: 'GREEN', overall: 'GREEN' } },
      { when: 'the circuit is open', m: { circuit: 'open' }, light: { jidoka: 'RED', overall: 'RED' } },
      { when: 'the circuit is half-open', m: { circuit: 'half-open' }, light: { jidoka: 'YELLOW', overall: 'YELLOW' } },
      { when: 'p99 is 300 ms', m: { p99Ms: 300 }, light: { kanban: 'YELLOW' } },
      { when: 'the queue is 96 % full', m: { queueDepth: 960 }, light: { kanban: 'RED' } },
      { when: 'one worker of four is down', m: { workersDown: 1 }, light: { heijunka: 'YELLOW' } },
      { when: 'two workers of four are down', m: { workersDown: 2 }, light: { heijunka: 'RED' } },
      { when: 'errors are at 3 %', m: { errorRate: 0.03 }, light: { jidoka: 'YELLOW' } },
    ] as const)('when $when', ({ m, light }) => {
      expect(lightsFor({ ...calm, ...m }, [], DEFAULT_ANDON_THRESHOLDS)).toMatchObject(light);
    });

    it('shows the andon light red while a critical alert fires', () => {
      const lights = lightsFor(calm, [{ name: 'circuit-open', severity: 'critical', firedAtMs: 0 }], DEFAULT_ANDON_THRESHOLDS);
      expect(lights.andon).toBe('RED');
      expect(lights.overall).toBe('RED');
    });
  });
});
