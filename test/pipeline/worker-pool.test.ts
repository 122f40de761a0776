// Tests of the Heijunka pool: the levelling measures, who pulls next, rebalancing and crashes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imbalance, loadBalanceCoefficient, loadOf, stddev, WorkerPool } from '../../src/pipeline/worker-pool.js';

const pool = (count = 4, slowLane = 1, prefetch = 10) => new WorkerPool<string>({ count, slowLane, prefetch });

describe('levelling measures', () => {
  it.each([
    { loads: [4, 4, 4, 4], imbalance: 0, balance: 1 },
    { loads: [6, 2], imbalance: 1, balance: 0.5 },
    { loads: [0, 0, 0], imbalance: 0, balance: 1 },
    { loads: [3, 0, 0], imbalance: 3, balance: 1 - Math.sqrt(2) },
  ])('for loads $loads: imbalance $imbalance, load balance coefficient $balance', (c) => {
    expect(imbalance(c.loads)).toBeCloseTo(c.imbalance, 10);
    expect(loadBalanceCoefficient(c.loads)).toBeCloseTo(c.balance, 10);
  });

  it('uses the population standard deviation', () => {
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
  });
});

describe('worker pool', () => {
  it('puts the last workers in the slow lane', () => {
    expect(pool().workers.map((w) => `${w.name}:${w.lane}`)).toEqual(['worker-1:fast', 'worker-2:fast', 'worker-3:fast', 'worker-4:slow']);
  });

  it('lets idle workers pull in turn before a busy worker prefetches', () => {
    const p = pool();
    const pulled: string[] = [];
    for (let i = 0; i < 5; i++) {
      const w = p.pullerFor('fast');
      if (w === undefined) throw new Error('no puller');
      pulled.push(w.name);
      if (w.current === undefined) p.begin(w, `t${i}`, 0);
      else w.local.push(`t${i}`);
    }
    // Three idle fast workers, then the idle slow worker helps, then the first fast worker prefetches.
    expect(pulled).toEqual(['worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-1']);
  });

  it('gives slow work to fast workers only when no slow worker is alive', () => {
    const p = pool();
    expect(p.pullerFor('slow')?.name).toBe('worker-4');
    p.crash(p.byName('worker-4') as NonNullable<ReturnType<typeof p.byName>>, 0);
    expect(p.pullerFor('slow')?.lane).toBe('fast');
  });

  it('hands back a crashed worker’s task in progress and its buffer, in that order', () => {
    const p = pool();
    const w = p.workers[0];
    if (w === undefined) throw new Error('no worker');
    p.begin(w, 'running', 0);
    w.local.push('next');
    w.local.push('after');
    expect(p.crash(w, 50)).toEqual(['running', 'next', 'after']);
    expect(w.alive).toBe(false);
    expect(loadOf(w)).toBe(0);
    expect(p.pullerFor('fast')?.name).not.toBe('worker-1');
  });

  it('rebalancing lowers imbalance and leaves at most one task between the busiest and the idlest (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 3, maxLength: 3 }), (buffered) => {
        const p = pool(4, 1, 100);
        const fast = p.laneWorkers('fast');
        fast.forEach((w, i) => {
          p.begin(w, `busy${i}`, 0);
          for (let k = 0; k < (buffered[i] ?? 0); k++) w.local.push(`w${i}-${k}`);
        });
        const total = fast.reduce((sum, w) => sum + w.local.length, 0);
        const r = p.rebalance('fast');
        const loads = fast.map(loadOf);
        expect(r.imbalanceAfter).toBeLessThanOrEqual(r.imbalanceBefore);
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
        expect(fast.reduce((sum, w) => sum + w.local.length, 0)).toBe(total);
        if (Math.max(...buffered) - Math.min(...buffered) > 1) expect(r.moved).toBeGreaterThan(0);
      }),
    );
  });

  it('measures utilisation as busy time over the interval', () => {
    const p = pool();
    const w = p.workers[0];
    if (w === undefined) throw new Error('no worker');
    p.begin(w, 'a', 0);
    p.end(w, 300);
    p.begin(w, 'b', 800);
    expect(p.utilisation(w, 0, 1000)).toBeCloseTo(0.5, 10);
  });
});
