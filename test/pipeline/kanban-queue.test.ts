// Tests of the Kanban queue: capacity and backpressure, priority order, aging against starvation.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KanbanQueue, type QueueItem } from '../../src/pipeline/kanban-queue.js';
import type { Priority } from '../../src/pipeline/signal.js';

interface Item extends QueueItem {
  readonly n: number;
}

const item = (n: number, priority: Priority, enqueuedMs = 0, lane: 'fast' | 'slow' = 'fast'): Item => ({ n, priority, enqueuedMs, lane });
const priority = fc.constantFrom<Priority>(1, 2, 3, 4);

describe('kanban queue', () => {
  it('never holds more than its capacity and refuses exactly when full (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), priority, slow: fc.boolean() }),
      fc.record({ kind: fc.constant('poll' as const), slow: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
        const q = new KanbanQueue<Item>({ capacity, agingMs: 1000 });
        let model = 0;
        ops.forEach((o, i) => {
          const lane = o.slow ? 'slow' : 'fast';
          if (o.kind === 'offer') {
            const wasFull = model === capacity;
            const r = q.offer(item(i, o.priority, i, lane));
            expect(r.accepted).toBe(!wasFull);
            if (!r.accepted) expect(r.reason).toBe('queue-full');
            if (r.accepted) model += 1;
          } else if (q.poll(lane) !== undefined) {
            model -= 1;
          }
          expect(q.size).toBe(model);
          expect(q.size).toBeLessThanOrEqual(capacity);
          expect(q.isFull).toBe(model === capacity);
        });
      }),
    );
  });

  it('pulls higher priority first among work that arrived together, FIFO within a priority', () => {
    const q = new KanbanQueue<Item>({ capacity: 10, agingMs: 5000 });
    for (const [n, p] of [[1, 4], [2, 2], [3, 1], [4, 2], [5, 3]] as const) q.offer(item(n, p));
    const order = [1, 2, 3, 4, 5].map(() => q.poll('fast')?.n);
    expect(order).toEqual([3, 2, 4, 5, 1]);
  });

  it('keeps lanes apart', () => {
    const q = new KanbanQueue<Item>({ capacity: 10, agingMs: 5000 });
    q.offer(item(1, 1, 0, 'slow'));
    q.offer(item(2, 4, 0, 'fast'));
    expect(q.poll('fast')?.n).toBe(2);
    expect(q.poll('fast')).toBeUndefined();
    expect(q.sizeOf('slow')).toBe(1);
  });

  it('lets low-priority work that has waited long enough go ahead of fresh critical work', () => {
    const q = new KanbanQueue<Item>({ capacity: 10, agingMs: 5000 });
    q.offer(item(1, 4, 0));
    q.offer(item(2, 1, 14_999));
    q.offer(item(3, 1, 15_001));
    expect([q.poll('fast')?.n, q.poll('fast')?.n, q.poll('fast')?.n]).toEqual([2, 1, 3]);
  });

  it('never lets work be overtaken by work that arrived more than (p − 1) × aging later (property)', () => {
    const agingMs = 1000;
    const arrival = fc.record({ gapMs: fc.integer({ min: 0, max: 700 }), priority, polls: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 200 }), (arrivals) => {
        const q = new KanbanQueue<Item>({ capacity: 1000, agingMs });
        const served: Item[] = [];
        let now = 0;
        arrivals.forEach((a, n) => {
          now += a.gapMs;
          q.offer(item(n, a.priority, now));
          for (let k = 0; k < a.polls; k++) {
            const got = q.poll('fast');
            if (got !== undefined) served.push(got);
          }
        });
        for (let got = q.poll('fast'); got !== undefined; got = q.poll('fast')) served.push(got);
        expect(served).toHaveLength(arrivals.length);
        served.forEach((first, i) => {
          for (const second of served.slice(i + 1)) {
            // `first` went ahead of `second`, so it cannot have arrived much later than `second`.
            expect(first.enqueuedMs - second.enqueuedMs).toBeLessThanOrEqual((second.priority - 1) * agingMs);
          }
        });
      }),
    );
  });

  it('takes back requeued work even when full, at the front of its priority', () => {
    const q = new KanbanQueue<Item>({ capacity: 2, agingMs: 5000 });
    q.offer(item(1, 3, 10));
    q.offer(item(2, 3, 20));
    q.requeue(item(0, 3, 5));
    expect(q.size).toBe(3);
    expect(q.offer(item(9, 1, 30)).accepted).toBe(false);
    expect(q.poll('fast')?.n).toBe(0);
  });
});
