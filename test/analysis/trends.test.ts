// Trends: a known rising latency checked against a hand computation, and the properties of the
// Mann–Kendall test and the verdicts (constant series are stable, monotone ones significant).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldFacts, type HistogramRowIn } from '../../src/analysis/facts.js';
import { METRICS, mannKendall, metricByName, type Point, seriesOf, trendOf } from '../../src/analysis/trends.js';
import { addToHistogram, bucketOf, formatHistogram, type Histogram } from '../../src/evidence/histogram.js';
import { HISTOGRAM_RELATIVE_ERROR } from './by-hand.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const START = Date.parse('2026-11-16T00:00:00Z');

/** The upper tail of the standard normal, ∫_z^∞ φ(x) dx, by Simpson's rule (no erf needed). */
function normalTail(z: number): number {
  const steps = 20_000;
  const to = z + 40;
  const h = (to - z) / steps;
  const phi = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let s = phi(z) + phi(to);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * phi(z + i * h);
  return (s * h) / 3;
}

describe('the trend of a latency that rises steadily over 7 days', () => {
  // One hour every 12 hours from Monday 00:00, 14 hours in all; in hour k every one of 50 tasks
  // takes 100 + 10·k ms, so the p99 rises by 10 ms per 12 h: 20 ms a day.
  const N = 14;
  const latencyOf = (k: number): number => 100 + 10 * k;
  const hourKey = (k: number): string => new Date(START + k * 12 * HOUR_MS).toISOString().slice(0, 13);
  const histograms: HistogramRowIn[] = Array.from({ length: N }, (_, k) => {
    const h: Histogram = new Map();
    addToHistogram(h, bucketOf(latencyOf(k)), 50);
    return { hour: hourKey(k), className: 'TaskCompleted', component: 'checkout', histogram: formatHistogram(h) };
  });
  const facts = foldFacts(
    { fromMs: START, toMs: START + 7 * DAY_MS },
    {
      stats: histograms.map((r) => ({ hour: r.hour, className: 'TaskCompleted', component: 'checkout', count: 50 })),
      histograms,
      circuits: [],
      episodes: [],
    },
  );
  const metric = metricByName('latency_p99_ms')!;
  const points = seriesOf(facts.hours, metric);
  const result = trendOf(points, metric.higherIsBetter);

  // By hand. Days since the first point: 0, 0.5, …, 6.5. Exact values 100, 110, …, 230.
  const days = Array.from({ length: N }, (_, k) => k / 2);
  const exact = days.map((_, k) => latencyOf(k));
  const exactMean = exact.reduce((a, x) => a + x, 0) / N; // 165
  const slopePerDay = 20;
  // Each point is a histogram representative, within ±ε of its value (ε ≈ 0.99 %, at most
  // ε·230 ≈ 2.28 ms). 55 of the 91 pairs are at least 2 days apart, so their slopes are within
  // 2·ε·230/2 ms/day of 20; more than half of all slopes lie there, and so does their median.
  const maxError = HISTOGRAM_RELATIVE_ERROR * latencyOf(N - 1);
  const theilSenTolerance = (2 * maxError) / 2;
  // OLS: slope = Σ wᵢ yᵢ with wᵢ = (tᵢ − t̄) / Σ (t − t̄)², so an error of at most e per point
  // moves it by at most e · Σ |wᵢ|.
  const tMean = days.reduce((a, t) => a + t, 0) / N;
  const sxx = days.reduce((a, t) => a + (t - tMean) ** 2, 0);
  const olsTolerance = maxError * days.reduce((a, t) => a + Math.abs(t - tMean) / sxx, 0);
  // Mann–Kendall on 14 strictly increasing values: S = n(n−1)/2 = 91, no ties,
  // Var S = n(n−1)(2n+5)/18, Z = (S − 1)/√Var S, two-sided p = 2·(1 − Φ(Z)).
  const S = (N * (N - 1)) / 2;
  const Z = (S - 1) / Math.sqrt((N * (N - 1) * (2 * N + 5)) / 18);
  const P = 2 * normalTail(Z);

  it('has one point per hour, at the middle of the hour', () => {
    expect(points.map((p) => p.tMs)).toEqual(days.map((d) => START + d * DAY_MS + 30 * 60_000));
    points.forEach((p, k) => {
      expect(Math.abs(p.value - exact[k]!)).toBeLessThanOrEqual(exact[k]! * HISTOGRAM_RELATIVE_ERROR);
    });
  });

  it('is DEGRADING, since lower latency is better', () => {
    expect(result.verdict).toBe('DEGRADING');
    expect(result.reason).toMatch(/rises, which is bad for this metric/);
  });

  it('has a Theil–Sen slope of +20 ms a day', () => {
    expect(result.theilSenSlopePerDay!).toBeGreaterThan(0);
    expect(Math.abs(result.theilSenSlopePerDay! - slopePerDay)).toBeLessThanOrEqual(theilSenTolerance);
  });

  it('has an OLS slope of +20 ms a day', () => {
    expect(result.olsSlopePerDay!).toBeGreaterThan(0);
    expect(Math.abs(result.olsSlopePerDay! - slopePerDay)).toBeLessThanOrEqual(olsTolerance);
  });

  it('gives the slope as about 12.1 % of the mean (165 ms) per day', () => {
    expect(Math.abs(result.mean! - exactMean)).toBeLessThanOrEqual(maxError);
    const lo = ((slopePerDay - theilSenTolerance) / (exactMean + maxError)) * 100;
    const hi = ((slopePerDay + theilSenTolerance) / (exactMean - maxError)) * 100;
    expect(result.slopePerDayPct!).toBeGreaterThanOrEqual(lo);
    expect(result.slopePerDayPct!).toBeLessThanOrEqual(hi);
  });

  it('has the Mann–Kendall S, Z and p of 14 increasing values', () => {
    expect(result.points).toBe(N);
    expect(result.mannKendallS).toBe(S);
    expect(result.mannKendallZ).toBeCloseTo(Z, 9);
    // simple-statistics' erf approximation has a relative error below 1.2e-7 on the tail.
    expect(Math.abs(result.pValue! - P) / P).toBeLessThan(1e-5);
    expect(result.pValue!).toBeLessThan(0.05);
  });
});

describe('trend slopes', () => {
  it('are measured per day of time, not per sample: unevenly spaced points on a 10-a-day line', () => {
    const atDays = [0, 1, 3, 6, 6.5];
    const r = trendOf(
      atDays.map((d) => ({ tMs: START + d * DAY_MS, value: 5 + 10 * d })),
      true,
    );
    expect(r.olsSlopePerDay).toBeCloseTo(10, 9);
    expect(r.theilSenSlopePerDay).toBeCloseTo(10, 9);
  });

  it('does not depend on the order the points are given in', () => {
    const pts: Point[] = [0, 2, 1, 4, 3].map((d) => ({ tMs: START + d * DAY_MS, value: d * d }));
    const sorted = [...pts].sort((a, b) => a.tMs - b.tMs);
    expect(trendOf(pts, false)).toEqual(trendOf(sorted, false));
  });

  it.each([0, 1, 2])('are not computed from %d points, and the verdict is STABLE', (n) => {
    const r = trendOf(
      Array.from({ length: n }, (_, k) => ({ tMs: START + k * HOUR_MS, value: k })),
      true,
    );
    expect(r.verdict).toBe('STABLE');
    expect(r.pValue).toBeNull();
    expect(r.reason).toMatch(/not enough points/);
  });
});

/** Distinct times within a month, in ms, in increasing order. */
const arbitraryTimes = (minLength: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 30 * 24 }), { minLength, maxLength: 60 }).map((hours) => [...hours].sort((a, b) => a - b).map((h) => START + h * HOUR_MS));

describe('trend verdicts', () => {
  it('find no significant trend in a constant series (STABLE, p ≥ 0.05)', () => {
    fc.assert(
      fc.property(arbitraryTimes(3), fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.boolean(), (times, value, higherIsBetter) => {
        const r = trendOf(
          times.map((tMs) => ({ tMs, value })),
          higherIsBetter,
        );
        expect(r.verdict).toBe('STABLE');
        expect(r.pValue!).toBeGreaterThanOrEqual(0.05);
        expect(r.mannKendallS).toBe(0);
      }),
    );
  });

  it('find a strictly increasing series of 10 or more points significant, with the verdict the metric’s direction gives', () => {
    fc.assert(
      fc.property(
        arbitraryTimes(10).chain((times) =>
          fc.tuple(
            fc.constant(times),
            fc.uniqueArray(fc.integer({ min: -1e9, max: 1e9 }), { minLength: times.length, maxLength: times.length }),
          ),
        ),
        fc.constantFrom(...METRICS),
        ([times, raw], metric) => {
          const values = [...raw].sort((a, b) => a - b).map((v) => v / 1000);
          const points = times.map((tMs, k) => ({ tMs, value: values[k]! }));
          const rising = trendOf(points, metric.higherIsBetter);
          expect(rising.pValue!).toBeLessThan(0.05);
          expect(rising.theilSenSlopePerDay!).toBeGreaterThan(0);
          expect(rising.verdict).toBe(metric.higherIsBetter ? 'IMPROVING' : 'DEGRADING');
          const falling = trendOf(
            points.map((p) => ({ tMs: p.tMs, value: -p.value })),
            metric.higherIsBetter,
          );
          expect(falling.pValue!).toBeLessThan(0.05);
          expect(falling.verdict).toBe(metric.higherIsBetter ? 'DEGRADING' : 'IMPROVING');
        },
      ),
    );
  });
});

describe('the Mann–Kendall test', () => {
  it('negates S (and Z) for the reversed series, with the same p', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 60 }), (values) => {
        const forward = mannKendall(values);
        const backward = mannKendall([...values].reverse());
        expect(backward.s + forward.s).toBe(0);
        expect(backward.z + forward.z).toBe(0);
        expect(backward.p).toBe(forward.p);
      }),
    );
  });

  it('has a p-value between 0 and 1', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 60 }), (values) => {
        const { p } = mannKendall(values);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('counts S as concordant minus discordant pairs: 1, 3, 2 has S = 1', () => {
    // Pairs (1,3) +1, (1,2) +1, (3,2) −1.
    expect(mannKendall([1, 3, 2]).s).toBe(1);
  });
});
