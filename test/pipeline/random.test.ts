// Tests of the seeded random source and the id generator: repeatable, and of the right shape.

import { describe, expect, it } from 'vitest';
import { seededIds } from '../../src/pipeline/ids.js';
import { deriveSeed, Random } from '../../src/pipeline/random.js';

describe('random source', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Random(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('derives different streams from one seed', () => {
    expect(deriveSeed(1, 1)).not.toBe(deriveSeed(1, 2));
    expect(deriveSeed(1, 1)).not.toBe(deriveSeed(2, 1));
  });

  it('draws Poisson counts with the asked mean, also for large means', () => {
    const r = new Random(9);
    for (const lambda of [0.5, 4, 120]) {
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += r.poisson(lambda);
      expect(sum / 20_000).toBeCloseTo(lambda, lambda > 10 ? 0 : 1);
    }
  });

  it('draws uniform numbers in [0, 1)', () => {
    const r = new Random(3);
    const xs = Array.from({ length: 10_000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe('seeded ids', () => {
  it('gives W3C trace and span ids and UUID-shaped signal ids, the same for the same seed', () => {
    const a = seededIds(5);
    const b = seededIds(5);
    const ids = [a.signalId(), a.traceId(), a.spanId(), a.eventId('chaos')];
    expect(ids).toEqual([b.signalId(), b.traceId(), b.spanId(), b.eventId('chaos')]);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[2]).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[3]).toMatch(/^chaos-[0-9a-f]{16}$/);
  });
});
