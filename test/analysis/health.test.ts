// Properties of the four-pillar health scores: every score stays within 0–100 and its band
// follows it, whatever the facts of the window; empty facts are no-data, never 0 or 100.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyFacts, type Facts, foldFacts, type WindowFacts } from '../../src/analysis/facts.js';
import { bandOf, type HealthConfig, PILLAR_NAMES, type PillarScore, scoreHealth } from '../../src/analysis/health.js';
import { addToHistogram, bucketOf } from '../../src/evidence/histogram.js';

const WINDOW_FROM = Date.parse('2026-11-16T00:00:00Z');

const stat = (values: readonly number[]) => ({
  count: values.length,
  sum: values.reduce((a, x) => a + x, 0),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** Facts of a window as the rollups could report them: non-negative counts, seconds and samples. */
const arbitraryFacts = fc
  .record({
    completed: fc.nat({ max: 1_000_000 }),
    failed: fc.nat({ max: 1_000_000 }),
    rejected: fc.nat({ max: 1_000_000 }),
    alerts: fc.nat({ max: 100_000 }),
    detectionSeconds: fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { maxLength: 20 }),
    latenciesMs: fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { maxLength: 50 }),
    circuitOpenSeconds: fc.dictionary(fc.constantFrom('checkout', 'payments', 'search'), fc.double({ min: 0, max: 1e8, noNaN: true })),
    workerTasks: fc.dictionary(fc.constantFrom('w-1', 'w-2', 'w-3', 'w-4', 'w-5'), fc.nat({ max: 100_000 })),
    workerLoads: fc.dictionary(fc.constantFrom('w-1', 'w-2', 'w-3', 'w-4', 'w-5'), fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 10 })),
  })
  .map((r): Facts => {
    const f = emptyFacts();
    for (const [cls, n] of [
      ['TaskCompleted', r.completed],
      ['TaskFailed', r.failed],
      ['SignalRejected', r.rejected],
      ['AlertFired', r.alerts],
    ] as const) {
      if (n > 0) f.counts.set(cls, n);
    }
    if (r.detectionSeconds.length > 0) {
      f.values.set('AlertFired', stat(r.detectionSeconds));
      f.counts.set('AlertFired', Math.max(r.alerts, r.detectionSeconds.length));
    }
    for (const v of r.latenciesMs) addToHistogram(f.latency, bucketOf(v));
    for (const [c, s] of Object.entries(r.circuitOpenSeconds)) f.circuitOpenSeconds.set(c, s);
    for (const [w, n] of Object.entries(r.workerTasks)) f.workerTasks.set(w, n);
    for (const [w, xs] of Object.entries(r.workerLoads)) f.workerLoad.set(w, stat(xs));
    return f;
  });

const arbitraryWindow = fc.record({
  facts: arbitraryFacts,
  minutes: fc.integer({ min: 1, max: 60 * 24 * 31 }),
  config: fc.record({
    throughputTargetPerMin: fc.double({ min: 0.001, max: 1e6, noNaN: true }),
    workerCapacity: fc.double({ min: 0.01, max: 1000, noNaN: true }),
  }),
});

const windowFacts = (total: Facts, minutes: number): WindowFacts => ({
  window: { fromMs: WINDOW_FROM, toMs: WINDOW_FROM + minutes * 60_000 },
  hours: new Map(),
  total,
  episodes: [],
});

const inRange = (s: number): boolean => Number.isFinite(s) && s >= 0 && s <= 100;

describe('health scores', () => {
  it('stay within 0–100, with the band of the score, for arbitrary facts', () => {
    fc.assert(
      fc.property(arbitraryWindow, ({ facts, minutes, config }) => {
        const report = scoreHealth(windowFacts(facts, minutes), config as HealthConfig);
        for (const name of PILLAR_NAMES) {
          const p: PillarScore = report.pillars[name];
          if (p.status === 'ok') {
            expect(inRange(p.score), `${name} scored ${p.score}`).toBe(true);
            expect(p.band).toBe(bandOf(p.score));
          }
        }
        if (report.overall.status === 'ok') {
          expect(inRange(report.overall.score), `overall scored ${report.overall.score}`).toBe(true);
          expect(report.overall.band).toBe(bandOf(report.overall.score));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('give an overall score exactly when at least one pillar has one', () => {
    fc.assert(
      fc.property(arbitraryWindow, ({ facts, minutes, config }) => {
        const report = scoreHealth(windowFacts(facts, minutes), config as HealthConfig);
        const scored = PILLAR_NAMES.filter((n) => report.pillars[n].status === 'ok');
        expect(report.overall.status).toBe(scored.length > 0 ? 'ok' : 'no-data');
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    [100, 'GREEN'],
    [80, 'GREEN'],
    [79.99, 'YELLOW'],
    [60, 'YELLOW'],
    [59.99, 'ORANGE'],
    [40, 'ORANGE'],
    [39.99, 'RED'],
    [0, 'RED'],
  ])('put a score of %d in the %s band', (score, band) => {
    expect(bandOf(score)).toBe(band);
  });

  it('report every pillar and the overall score as no-data for a window without evidence', () => {
    const empty = foldFacts({ fromMs: WINDOW_FROM, toMs: WINDOW_FROM + 86_400_000 }, { stats: [], histograms: [], circuits: [], episodes: [] });
    const report = scoreHealth(empty);
    expect(report.overall).toEqual({ status: 'no-data' });
    for (const name of PILLAR_NAMES) {
      const p = report.pillars[name];
      expect(p.status).toBe('no-data');
      expect(p).not.toHaveProperty('score');
      if (p.status === 'no-data') expect(p.reason).toMatch(/^no .* in the window$/);
    }
  });
});
