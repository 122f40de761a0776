// Tests of the Jidoka circuit breaker: its transitions, its window, its probes and the dead letters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BreakerOptions, CircuitBreaker, type CircuitState, DeadLetterList } from '../../src/pipeline/circuit-breaker.js';

const OPTIONS: BreakerOptions = {
  failureThreshold: 5,
  failureRateThreshold: 0.5,
  minimumCalls: 5,
  windowMs: 10_000,
  resetTimeoutMs: 30_000,
  halfOpenProbes: 3,
};

function failTimes(b: CircuitBreaker, times: number[]) {
  return times.map((t) => b.record(t, true, b.epoch));
}

function openBreaker(): CircuitBreaker {
  const b = new CircuitBreaker(OPTIONS);
  failTimes(b, [0, 100, 200, 300, 400]);
  return b;
}

describe('circuit breaker', () => {
  describe('when 5 failures arrive within the window', () => {
    it('opens on the fifth and refuses the next signal', () => {
      const b = new CircuitBreaker(OPTIONS);
      const results = failTimes(b, [0, 1000, 2000, 3000, 4000]);
      expect(results.slice(0, 4).every((r) => r.transition === undefined)).toBe(true);
      expect(results[4]?.transition).toMatchObject({ from: 'closed', to: 'open', reason: 'failure-threshold', failures: 5 });
      expect(b.state).toBe('open');
      expect(b.admit()).toEqual({ admitted: false, reason: 'circuit-open' });
      expect(b.permitsCall(false)).toBe(false);
    });
  });

  describe('when the failures are spread wider than the window', () => {
    it('stays closed', () => {
      const b = new CircuitBreaker(OPTIONS);
      failTimes(b, [0, 3000, 6000, 9000, 12_000, 15_000, 18_000]);
      expect(b.state).toBe('closed');
      expect(b.windowCounts(18_000)).toEqual({ calls: 4, failures: 4 });
    });
  });

  describe('when failures are a small fraction of many calls', () => {
    it('stays closed, because the failure rate stays under its threshold', () => {
      const b = new CircuitBreaker(OPTIONS);
      for (let i = 0; i < 100; i++) b.record(i * 10, i % 10 === 0, b.epoch);
      expect(b.windowCounts(1000).failures).toBe(10);
      expect(b.state).toBe('closed');
    });
  });

  describe('when the circuit is open', () => {
    it('turns half-open once the reset timeout has passed, and not before', () => {
      const b = openBreaker();
      expect(b.reopensAtMs).toBe(30_400);
      expect(b.tick(30_399)).toBeUndefined();
      expect(b.state).toBe('open');
      expect(b.tick(30_400)).toMatchObject({ from: 'open', to: 'half-open', reason: 'reset-timeout' });
      expect(b.state).toBe('half-open');
    });

    it('ignores a late result of a call started before it opened', () => {
      const b = new CircuitBreaker(OPTIONS);
      const before = b.epoch;
      failTimes(b, [0, 1, 2, 3, 4]);
      b.tick(40_000);
      expect(b.record(40_001, true, before)).toEqual({ counted: false, transition: undefined });
      expect(b.state).toBe('half-open');
    });
  });

  describe('when half-open', () => {
    it('lets only the configured number of probes in', () => {
      const b = openBreaker();
      b.tick(31_000);
      const admissions = [b.admit(), b.admit(), b.admit(), b.admit()];
      expect(admissions.slice(0, 3)).toEqual([
        { admitted: true, probe: true },
        { admitted: true, probe: true },
        { admitted: true, probe: true },
      ]);
      expect(admissions[3]).toEqual({ admitted: false, reason: 'circuit-half-open' });
      expect(b.permitsCall(false)).toBe(false);
      expect(b.permitsCall(true)).toBe(true);
    });

    it('closes when the probes succeed', () => {
      const b = openBreaker();
      b.tick(31_000);
      const epoch = b.epoch;
      expect(b.record(31_010, false, epoch).transition).toBeUndefined();
      expect(b.record(31_020, false, epoch).transition).toBeUndefined();
      expect(b.record(31_030, false, epoch).transition).toMatchObject({ from: 'half-open', to: 'closed', reason: 'probes-succeeded' });
      expect(b.state).toBe('closed');
      expect(b.admit()).toEqual({ admitted: true, probe: false });
    });

    it('reopens when a probe fails, and waits a whole reset timeout again', () => {
      const b = openBreaker();
      b.tick(31_000);
      const r = b.record(31_050, true, b.epoch);
      expect(r).toMatchObject({ counted: true, transition: { from: 'half-open', to: 'open', reason: 'probe-failed' } });
      expect(b.state).toBe('open');
      expect(b.reopensAtMs).toBe(61_050);
    });

    it('gives back the slot of a probe that never reached the downstream', () => {
      const b = openBreaker();
      b.tick(31_000);
      b.admit();
      b.admit();
      b.admit();
      b.releaseProbe();
      expect(b.admit()).toEqual({ admitted: true, probe: true });
    });
  });

  it('only ever moves along closed→open→half-open→(closed|open), whatever the results (property)', () => {
    const allowed = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open']);
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 20_000 }), failed: fc.boolean(), tick: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const b = new CircuitBreaker(OPTIONS);
        let now = 0;
        let openedAt = Number.NaN;
        for (const s of steps) {
          now += s.gapMs;
          const before: CircuitState = b.state;
          const t = s.tick ? b.tick(now) : b.record(now, s.failed, b.epoch).transition;
          if (t === undefined) {
            expect(b.state).toBe(before);
            continue;
          }
          expect(allowed.has(`${t.from}>${t.to}`)).toBe(true);
          if (t.to === 'half-open') expect(now - openedAt).toBeGreaterThanOrEqual(OPTIONS.resetTimeoutMs);
          if (t.to === 'open') openedAt = now;
          if (b.state === 'open') expect(b.admit().admitted).toBe(false);
        }
      }),
    );
  });
});

describe('dead-letter list', () => {
  it('keeps the most recent letters up to its size and counts them all', () => {
    const list = new DeadLetterList(2);
    for (const id of ['a', 'b', 'c']) list.add({ timeMs: 0, signalId: id, reason: 'queue-full', input: {} });
    expect(list.total).toBe(3);
    expect(list.list().map((l) => l.signalId)).toEqual(['b', 'c']);
  });
});
