// The scheduled weekly review, driven by a fake clock: the delays it asks for, one write per week
// and format, idempotence, recovery after a failed run, --force, and bad cron patterns.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reviewSchedule } from '../../src/cli/schedule.js';
import { isKaizenError } from '../../src/errors.js';
import { parseCron, RETRY_AFTER_MS, ReviewSchedule, type ScheduleClock } from '../../src/report/schedule.js';
import { useTempDirs } from '../store/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONDAYS_AT_NINE = '0 9 * * MON';
/** A Wednesday after the fixture week (2026-W48). */
const WEDNESDAY = Date.parse('2026-11-25T09:00:00.000Z');

interface Timer {
  readonly run: () => void;
  readonly delayMs: number;
  readonly dueMs: number;
}

/** A clock that only moves when told: setTimer records the callback and the delay asked for. */
class ManualClock implements ScheduleClock {
  readonly pending: Timer[] = [];
  readonly delaysAsked: number[] = [];
  private onArmed: (() => void) | undefined;

  constructor(public nowMs: number) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(run: () => void, delayMs: number): Timer {
    const timer = { run, delayMs, dueMs: this.nowMs + delayMs };
    this.pending.push(timer);
    this.delaysAsked.push(delayMs);
    this.onArmed?.();
    return timer;
  }

  clearTimer(handle: unknown): void {
    const i = this.pending.indexOf(handle as Timer);
    if (i >= 0) this.pending.splice(i, 1);
  }

  /** Moves to the earliest timer's due time, runs it, and resolves once the schedule has set its next timer. */
  async fire(): Promise<void> {
    this.pending.sort((a, b) => a.dueMs - b.dueMs);
    const timer = this.pending.shift();
    if (timer === undefined) throw new Error('no timer is pending: the schedule is not armed');
    this.nowMs = timer.dueMs;
    const rearmed = new Promise<void>((resolve) => {
      this.onArmed = resolve;
    });
    timer.run();
    await rearmed;
    this.onArmed = undefined;
  }
}

interface WriteCall {
  readonly week: string;
  readonly format: string;
  readonly path: string;
  readonly atMs: number;
}

const tempDir = useTempDirs();

/** A schedule over a temp dir whose write records its calls, creates the file, and can be told to fail. */
function scheduleFixture(options: { cron?: string; startMs?: number; formats?: string[]; force?: boolean; timezone?: string } = {}) {
  const outDir = tempDir();
  const clock = new ManualClock(options.startMs ?? WEDNESDAY);
  const writes: WriteCall[] = [];
  const logs: string[] = [];
  const failures: (Error | undefined)[] = [];
  const schedule = new ReviewSchedule({
    cron: options.cron ?? MONDAYS_AT_NINE,
    outDir,
    formats: options.formats ?? ['md', 'html'],
    ...(options.force !== undefined && { force: options.force }),
    ...(options.timezone !== undefined && { timezone: options.timezone }),
    clock,
    log: (line) => logs.push(line),
    write: async (week, format, file) => {
      writes.push({ week, format, path: file, atMs: clock.now() });
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      fs.writeFileSync(file, `review of ${week} as ${format} at ${new Date(clock.now()).toISOString()}\n`);
    },
  });
  const file = (name: string): string => path.join(outDir, name);
  /** Makes a coming write throw: the next one, or the one after `succeeding` successful writes. */
  const failNextWrite = (message: string, succeeding = 0): void => {
    failures.push(...Array.from({ length: succeeding }, () => undefined), new Error(message));
  };
  return { schedule, clock, writes, logs, outDir, file, failNextWrite };
}

describe('the review schedule', () => {
  describe('with the cron pattern "0 9 * * MON" started on a Wednesday', () => {
    it('asks for a timer that ends on the next Monday at 09:00 UTC, then one week at a time', async () => {
      const { schedule, clock } = scheduleFixture();
      schedule.start();
      expect(clock.delaysAsked).toEqual([5 * DAY]);
      await clock.fire();
      expect(new Date(clock.now()).toISOString()).toBe('2026-11-30T09:00:00.000Z');
      await clock.fire();
      expect(new Date(clock.now()).toISOString()).toBe('2026-12-07T09:00:00.000Z');
      expect(clock.delaysAsked).toEqual([5 * DAY, 7 * DAY, 7 * DAY]);
      schedule.stop();
    });

    it.each([
      ['exactly at a cron time', '2026-11-30T09:00:00.000Z', 7 * DAY],
      ['a millisecond before one', '2026-11-30T08:59:59.999Z', 1],
      ['a millisecond after one', '2026-11-30T09:00:00.001Z', 7 * DAY - 1],
    ])('when started %s, asks for the delay to the next one (%s → %i ms)', (_, start, delay) => {
      const { schedule, clock } = scheduleFixture({ startMs: Date.parse(start) });
      schedule.start();
      expect(clock.delaysAsked).toEqual([delay]);
      expect(schedule.nextRunMs(Date.parse(start))).toBe(Date.parse(start) + delay);
      schedule.stop();
    });

    it('reads the pattern in the given time zone (09:00 in Berlin is 08:00 UTC in November)', () => {
      const { schedule, clock } = scheduleFixture({ timezone: 'Europe/Berlin' });
      schedule.start();
      expect(clock.delaysAsked).toEqual([5 * DAY - HOUR]);
      schedule.stop();
    });

    it('writes the last complete week at each tick, each format once, into DIR/<week>.<ext>', async () => {
      const { schedule, clock, writes, file, logs } = scheduleFixture();
      schedule.start();
      await clock.fire();
      await clock.fire();
      await clock.fire();
      schedule.stop();
      expect(writes.map((w) => [w.week, w.format, new Date(w.atMs).toISOString().slice(0, 10)])).toEqual([
        ['2026-W48', 'md', '2026-11-30'],
        ['2026-W48', 'html', '2026-11-30'],
        ['2026-W49', 'md', '2026-12-07'],
        ['2026-W49', 'html', '2026-12-07'],
        ['2026-W50', 'md', '2026-12-14'],
        ['2026-W50', 'html', '2026-12-14'],
      ]);
      expect(writes.map((w) => w.path)).toEqual(writes.map((w) => file(`${w.week}.${w.format}`)));
      for (const w of writes) expect(fs.existsSync(w.path), w.path).toBe(true);
      expect(logs).toHaveLength(3);
      expect(logs[0]).toBe(`schedule 2026-11-30T09:00:00.000Z: 2026-W48 — wrote ${file('2026-W48.md')}, ${file('2026-W48.html')}`);
      expect(schedule.runs.map((r) => r.week)).toEqual(['2026-W48', '2026-W49', '2026-W50']);
    });

    it('does not run before it is started, nor after it is stopped', async () => {
      const { schedule, clock, writes } = scheduleFixture();
      expect(clock.pending).toHaveLength(0);
      schedule.start();
      await clock.fire();
      schedule.stop();
      expect(clock.pending).toHaveLength(0);
      expect(writes).toHaveLength(2);
    });

    it('can be started again after it was stopped (a server restarting its schedule)', () => {
      const { schedule, clock } = scheduleFixture();
      schedule.start();
      schedule.stop();
      schedule.start();
      expect(clock.pending).toHaveLength(1);
      expect(clock.delaysAsked.at(-1)).toBe(5 * DAY);
      schedule.stop();
    });
  });

  describe('when the week is already written', () => {
    it('writes nothing on a second run in the same week, and logs that the files are there', async () => {
      const { schedule, clock, writes, logs, file } = scheduleFixture();
      schedule.start();
      await clock.fire();
      schedule.stop();
      expect(writes).toHaveLength(2);
      const before = fs.readFileSync(file('2026-W48.md'), 'utf8');
      clock.nowMs = Date.parse('2026-12-02T12:00:00.000Z'); // Wednesday of the same week
      const record = await schedule.runOnce();
      expect(writes).toHaveLength(2);
      expect(record).toMatchObject({ week: '2026-W48', written: [], skipped: [file('2026-W48.md'), file('2026-W48.html')] });
      expect(logs.at(-1)).toBe(`schedule 2026-12-02T12:00:00.000Z: 2026-W48 — nothing to write; already there: ${file('2026-W48.md')}, ${file('2026-W48.html')}`);
      expect(fs.readFileSync(file('2026-W48.md'), 'utf8')).toBe(before);
    });

    it('writes only the formats that are missing', async () => {
      const { schedule, clock, writes, file } = scheduleFixture({ startMs: Date.parse('2026-12-01T00:00:00.000Z') });
      fs.writeFileSync(file('2026-W48.md'), 'written by hand\n');
      const record = await schedule.runOnce();
      expect(writes.map((w) => w.format)).toEqual(['html']);
      expect(record.skipped).toEqual([file('2026-W48.md')]);
      expect(fs.readFileSync(file('2026-W48.md'), 'utf8')).toBe('written by hand\n');
      expect(clock.pending).toHaveLength(0);
    });

    it('with force, writes every format again', async () => {
      const { schedule, clock, writes, file, logs } = scheduleFixture({ force: true });
      schedule.start();
      await clock.fire();
      schedule.stop();
      clock.nowMs += HOUR;
      const record = await schedule.runOnce();
      expect(writes.map((w) => `${w.week}.${w.format}`)).toEqual(['2026-W48.md', '2026-W48.html', '2026-W48.md', '2026-W48.html']);
      expect(record.skipped).toEqual([]);
      expect(fs.readFileSync(file('2026-W48.md'), 'utf8')).toContain('2026-11-30T10:00:00.000Z');
      expect(logs.at(-1)).toContain(`wrote ${file('2026-W48.md')}, ${file('2026-W48.html')}`);
    });
  });

  describe('when a run fails', () => {
    it('logs the failure, retries the same week after RETRY_AFTER_MS, then goes back to the cron times', async () => {
      const { schedule, clock, writes, logs, file, failNextWrite } = scheduleFixture();
      failNextWrite('the store is locked');
      schedule.start();
      await clock.fire();
      expect(logs).toEqual(['schedule 2026-11-30T09:00:00.000Z: 2026-W48 failed: the store is locked (the next run tries again)']);
      expect(schedule.runs[0]).toMatchObject({ week: '2026-W48', written: [], error: 'the store is locked' });
      expect(fs.existsSync(file('2026-W48.md'))).toBe(false);
      expect(clock.pending).toHaveLength(1);
      expect(clock.delaysAsked.at(-1)).toBe(RETRY_AFTER_MS);

      await clock.fire();
      expect(schedule.runs[1]).toMatchObject({ week: '2026-W48', written: [file('2026-W48.md'), file('2026-W48.html')] });
      expect(schedule.runs[1]?.error).toBeUndefined();
      expect(writes.slice(1).map((w) => `${w.week}.${w.format}`)).toEqual(['2026-W48.md', '2026-W48.html']);
      for (const name of ['2026-W48.md', '2026-W48.html']) expect(fs.existsSync(file(name))).toBe(true);
      expect(clock.pending).toHaveLength(1);
      expect(clock.delaysAsked.at(-1)).toBe(7 * DAY - RETRY_AFTER_MS);

      await clock.fire();
      schedule.stop();
      expect(schedule.runs[2]).toMatchObject({ week: '2026-W49', written: [file('2026-W49.md'), file('2026-W49.html')] });
    });

    it('after failing halfway through the formats, a later run of the same week writes only what is missing', async () => {
      const { schedule, clock, writes, logs, file, failNextWrite } = scheduleFixture();
      failNextWrite('disk full', 1); // md is written, html fails
      schedule.start();
      await clock.fire();
      schedule.stop();
      expect(writes.map((w) => w.format)).toEqual(['md', 'html']);
      expect(schedule.runs[0]).toMatchObject({ written: [file('2026-W48.md')], error: 'disk full' });
      expect(logs.at(-1)).toBe('schedule 2026-11-30T09:00:00.000Z: 2026-W48 failed: disk full (the next run tries again)');
      expect(fs.existsSync(file('2026-W48.html'))).toBe(false);
      clock.nowMs += MINUTE;
      const retried = await schedule.runOnce();
      expect(retried).toMatchObject({ week: '2026-W48', written: [file('2026-W48.html')], skipped: [file('2026-W48.md')] });
      expect(retried.error).toBeUndefined();
      expect(writes.map((w) => w.format)).toEqual(['md', 'html', 'html']);
    });

    it('keeps running when a write throws something that is not an Error', async () => {
      const outDir = tempDir();
      const clock = new ManualClock(WEDNESDAY);
      const logs: string[] = [];
      const schedule = new ReviewSchedule({
        cron: MONDAYS_AT_NINE,
        outDir,
        formats: ['json'],
        clock,
        log: (line) => logs.push(line),
        write: () => Promise.reject('plain string'),
      });
      schedule.start();
      await clock.fire();
      schedule.stop();
      expect(logs).toEqual(['schedule 2026-11-30T09:00:00.000Z: 2026-W48 failed: plain string (the next run tries again)']);
    });
  });

  describe('parseCron', () => {
    it.each(['bogus', '0 25 * * *', '61 * * * *', '0 9 * * FUNDAY', ''])('refuses %j with KZN_USAGE naming --cron and the pattern', (pattern) => {
      let caught: unknown;
      try {
        parseCron(pattern);
      } catch (error) {
        caught = error;
      }
      expect(isKaizenError(caught, 'KZN_USAGE'), String(caught)).toBe(true);
      const message = (caught as Error).message;
      expect(message).toMatch(/^--cron: expected a cron pattern like "0 9 \* \* MON", got /);
      expect(message).toContain(JSON.stringify(pattern));
    });

    it('refuses a bad pattern when the schedule is built, before any timer', () => {
      const clock = new ManualClock(WEDNESDAY);
      expect(
        () => new ReviewSchedule({ cron: 'bogus', outDir: tempDir(), formats: ['md'], clock, log: () => undefined, write: async () => undefined }),
      ).toThrow(/--cron: .*"bogus"/);
      expect(clock.pending).toHaveLength(0);
    });

    it('accepts the documented pattern', () => {
      expect(parseCron(MONDAYS_AT_NINE).nextRun(new Date(WEDNESDAY))?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    });
  });
});

describe('the CLI schedule on real timers (kaizen schedule)', () => {
  // setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); a cron time further away must
  // still be waited for, not run early.
  beforeEach(() => {
    vi.useFakeTimers({ now: WEDNESDAY, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a cron time more than 24.8 days away at that time, not when setTimeout gives up waiting', async () => {
    const dataDir = tempDir();
    const lines: string[] = [];
    const deps = { stdout: () => undefined, stderr: (t: string) => lines.push(t), env: {}, cwd: dataDir, now: () => Date.now() };
    const schedule = reviewSchedule(deps, { data: dataDir }, { cron: '0 9 1 1 *', outDir: path.join(dataDir, 'out'), formats: ['json'] });
    schedule.start();
    await vi.advanceTimersByTimeAsync(40 * DAY);
    vi.useRealTimers();
    await vi.waitFor(() => expect(schedule.runs.length).toBeGreaterThan(0), { timeout: 10_000 });
    schedule.stop();
    expect(new Date(schedule.runs[0]!.atMs).toISOString()).toBe('2027-01-01T09:00:00.000Z');
  });
});
