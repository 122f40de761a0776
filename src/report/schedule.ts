// Scheduled generation of the weekly review: at each cron time (croner), the review of the last
// complete week is written once to DIR/<week>.<ext>; a failed run is logged and the next tick
// tries again. Time and timers are injected, so a fake clock drives it in tests.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { KaizenError, quoteInput } from '../errors.js';
import { parseWeek } from '../evidence/time.js';

export interface ScheduleClock {
  now(): number;
  setTimer(run: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface ScheduleOptions {
  readonly cron: string;
  readonly outDir: string;
  readonly formats: readonly string[];
  readonly force?: boolean;
  readonly timezone?: string;
  /** Writes the review of a week in one format to a path (atomically). */
  readonly write: (week: string, format: string, path: string) => Promise<void>;
  readonly log: (line: string) => void;
  readonly clock: ScheduleClock;
}

/** What one run did. */
export interface RunRecord {
  readonly atMs: number;
  readonly week: string;
  readonly written: readonly string[];
  readonly skipped: readonly string[];
  readonly error?: string;
}

/** Checks a cron pattern, naming it in the error. */
export function parseCron(pattern: string, timezone = 'UTC', option = '--cron'): Cron {
  try {
    return new Cron(pattern, { timezone, paused: true });
  } catch (error) {
    throw new KaizenError('KZN_USAGE', `${option}: expected a cron pattern like "0 9 * * MON", got ${quoteInput(pattern)}: ${(error as Error).message}`);
  }
}

/** The longest delay a timer takes (2^31 − 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long after a failed run it is tried again. */
export const RETRY_AFTER_MS = 15 * 60_000;

export class ReviewSchedule {
  private readonly cron: Cron;
  private timer: unknown;
  private stopped = true;
  readonly runs: RunRecord[] = [];

  constructor(private readonly o: ScheduleOptions) {
    this.cron = parseCron(o.cron, o.timezone);
  }

  /** The next time the schedule fires after `afterMs`. */
  nextRunMs(afterMs: number): number | undefined {
    return this.cron.nextRun(new Date(afterMs))?.getTime();
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const next = this.nextRunMs(now);
    if (next === undefined) {
      this.o.log('schedule: the cron pattern has no further run times; stopping');
      return;
    }
    const delay = Math.max(0, next - now);
    if (delay > MAX_TIMER_MS) {
      // Timers cannot wait longer than about 24.8 days: wake up on the way and look again.
      this.timer = this.o.clock.setTimer(() => this.arm(), MAX_TIMER_MS);
      return;
    }
    this.timer = this.o.clock.setTimer(() => {
      void this.runOnce().then((record) => {
        if (record.error !== undefined && !this.stopped) {
          // A failed run is tried again soon, not only at the next cron time.
          this.timer = this.o.clock.setTimer(() => void this.runOnce().finally(() => this.arm()), RETRY_AFTER_MS);
        } else this.arm();
      });
    }, delay);
  }

  /** Writes the review of the last complete week (as of now) in every format not yet written. */
  async runOnce(): Promise<RunRecord> {
    const atMs = this.o.clock.now();
    const week = parseWeek('last', atMs).label;
    const written: string[] = [];
    const skipped: string[] = [];
    try {
      for (const format of this.o.formats) {
        const path = join(this.o.outDir, `${week}.${format}`);
        if (!this.o.force && existsSync(path)) {
          skipped.push(path);
          continue;
        }
        await this.o.write(week, format, path);
        written.push(path);
      }
      const record = { atMs, week, written, skipped };
      this.o.log(
        `schedule ${new Date(atMs).toISOString()}: ${week} — ${written.length > 0 ? `wrote ${written.join(', ')}` : 'nothing to write'}${skipped.length > 0 ? `; already there: ${skipped.join(', ')}` : ''}`,
      );
      this.runs.push(record);
      return record;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const record = { atMs, week, written, skipped, error: message };
      this.o.log(`schedule ${new Date(atMs).toISOString()}: ${week} failed: ${message} (the next run tries again)`);
      this.runs.push(record);
      return record;
    }
  }
}
