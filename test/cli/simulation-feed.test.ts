// The simulation feed of kaizen run: slices that hold, in time order, the run's events and say
// where each hour ends; a queue that hands them over in order and passes on a failure.

import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/cli/run.js';
import { SLICE_MS, type Slice, SliceQueue, Slicer } from '../../src/cli/simulation-feed.js';
import type { KaizenEvent } from '../../src/evidence/event.js';
import { HOUR_MS } from '../../src/evidence/time.js';
import { resolveConfig } from '../../src/pipeline/config.js';
import { simulate } from '../../src/pipeline/simulate.js';
import { ROOT } from '../store/support.js';

const RUN = { scenario: loadScenario('outage-day', ROOT), seed: 9, startMs: Date.parse('2026-11-23T09:00:00Z'), durationMs: 2 * HOUR_MS + 7 * 60_000, rate: 0.5 };

describe('simulation slices', () => {
  it('hold the events of the run in time order, and end each hour and the run', () => {
    const config = resolveConfig({ env: {} });
    const slicer = new Slicer({ ...RUN, config });
    const slices: Slice[] = [];
    for (let s = slicer.next(); s !== undefined; s = slicer.next()) slices.push(s);
    // Two whole hours of five-minute slices, and the seven minutes after them.
    expect(slices).toHaveLength(24 + 2);
    expect(slices.flatMap((s, i) => (s.ends === undefined ? [] : [[i, new Date(s.ends.range.fromMs).toISOString()]]))).toEqual([
      [11, '2026-11-23T09:00:00.000Z'],
      [23, '2026-11-23T10:00:00.000Z'],
      [25, '2026-11-23T11:00:00.000Z'],
    ]);
    slices.forEach((s, i) => {
      for (const e of s.events) expect(e.timeMs - RUN.startMs, `slice ${i}`).toBeGreaterThanOrEqual(i * SLICE_MS);
    });
    const whole: KaizenEvent[] = [];
    simulate({ ...RUN, config, sink: (e) => void whole.push(e) });
    expect(JSON.stringify(slices.flatMap((s) => s.events))).toBe(JSON.stringify(whole.sort((a, b) => a.timeMs - b.timeMs)));
    expect(slices[25]!.ends!.summary).toEqual(slicer.summary());
  });
});

describe('the slice queue', () => {
  const slice = (n: number): Slice => ({ events: Array.from({ length: n }, () => ({}) as KaizenEvent) });

  it('hands slices over in order, to a take that waited or one that comes later, and counts each take', async () => {
    const queue = new SliceQueue();
    let taken = 0;
    queue.onTake = () => void taken++;
    const waiting = queue.take();
    queue.put(slice(1));
    queue.put(slice(2));
    expect((await waiting).events).toHaveLength(1);
    expect((await queue.take()).events).toHaveLength(2);
    expect(taken).toBe(2);
  });

  it('passes a failure on once the slices put before it are taken', async () => {
    const queue = new SliceQueue();
    queue.put(slice(3));
    queue.fail(new Error('the simulation failed'));
    expect((await queue.take()).events).toHaveLength(3);
    await expect(queue.take()).rejects.toThrow('the simulation failed');
    const late = new SliceQueue();
    const waiting = late.take();
    late.fail(new Error('while waiting'));
    await expect(waiting).rejects.toThrow('while waiting');
  });
});
