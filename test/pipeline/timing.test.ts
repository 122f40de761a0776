// Tests of Kaizen timing: quantiles, the sliding window and the stage attributes.

import { describe, expect, it } from 'vitest';
import { LatencyWindow, quantile, stageAttributes } from '../../src/pipeline/timing.js';

describe('quantile', () => {
  it.each([
    { values: [10], p: 0.99, expected: 10 },
    { values: [1, 2, 3, 4], p: 0.5, expected: 2.5 },
    { values: [0, 10], p: 0.9, expected: 9 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 0.99, expected: 9.91 },
  ])('of $values at $p is $expected (linear interpolation)', ({ values, p, expected }) => {
    expect(quantile(values, p)).toBeCloseTo(expected, 10);
  });

  it('is NaN for no values', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('latency window', () => {
  it('forgets outcomes older than the window', () => {
    const w = new LatencyWindow(60_000, 100);
    w.add(0, 500, false);
    w.add(30_000, 10, false);
    w.add(40_000, 20, true);
    expect(w.percentiles(59_999).samples).toBe(2);
    expect(w.percentiles(60_000)).toMatchObject({ samples: 1, p50: 10, p99: 10 });
    expect(w.outcomes(60_000)).toEqual({ completed: 1, failed: 1, errorRate: 0.5 });
    expect(w.outcomes(100_000)).toEqual({ completed: 0, failed: 0, errorRate: 0 });
  });

  it('drops the oldest samples when a burst overfills it', () => {
    const w = new LatencyWindow(60_000, 3);
    for (const [t, ms] of [[0, 1000], [1, 1], [2, 2], [3, 3]] as const) w.add(t, ms, false);
    expect(w.percentiles(3)).toMatchObject({ samples: 3, p99: expect.closeTo(2.98, 10) });
  });

  it('computes percentiles over completed tasks only', () => {
    const w = new LatencyWindow(60_000, 200);
    for (let i = 1; i <= 100; i++) w.add(i, i, false);
    w.add(101, 10_000, true);
    const p = w.percentiles(101);
    expect(p.samples).toBe(100);
    expect(p.p50).toBeCloseTo(50.5, 10);
    expect(p.p90).toBeCloseTo(90.1, 10);
    expect(p.p95).toBeCloseTo(95.05, 10);
  });
});

describe('stage attributes', () => {
  it('names every stage in ms, rounded to the microsecond', () => {
    expect(
      stageAttributes({ receiveMs: 0.1234, enqueueMs: 0, queueWaitMs: 5, processMs: 41.00004, jidokaCheckMs: 0.2, recordMs: 0.5 }),
    ).toEqual({
      stage_receive_ms: 0.123,
      stage_enqueue_ms: 0,
      stage_queue_wait_ms: 5,
      stage_process_ms: 41,
      stage_jidoka_check_ms: 0.2,
      stage_record_ms: 0.5,
    });
  });
});
