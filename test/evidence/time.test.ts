// UTC partition keys, ISO weeks, durations and time bounds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  dayKey,
  daysIn,
  HOUR_MS,
  hourKey,
  hoursIn,
  isoWeekOf,
  parseDuration,
  parseTimeBound,
  parseWeek,
  WEEK_MS,
} from '../../src/evidence/time.js';
import { EXPECTED } from '../store/support.js';

const pad = (n: number): string => String(n).padStart(2, '0');

describe('time keys', () => {
  it('names the UTC hour and day of a time', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
        const d = new Date(ms);
        const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
        expect(dayKey(ms)).toBe(day);
        expect(hourKey(ms)).toBe(`${day}T${pad(d.getUTCHours())}`);
      }),
    );
  });

  it('lists every hour and day a range overlaps', () => {
    const range = { fromMs: Date.UTC(2026, 10, 16, 22, 30), toMs: Date.UTC(2026, 10, 17, 1, 0, 0, 1) };
    expect(hoursIn(range)).toEqual(['2026-11-16T22', '2026-11-16T23', '2026-11-17T00', '2026-11-17T01']);
    expect(daysIn(range)).toEqual(['2026-11-16', '2026-11-17']);
  });
});

describe('ISO weeks', () => {
  it('gives the fixture week its label and its Monday-to-Monday range', () => {
    const w = isoWeekOf(Date.UTC(2026, 10, 19, 15, 20));
    expect(w.label).toBe(EXPECTED.week);
    expect(w.range).toEqual({ fromMs: Date.parse(EXPECTED.range.from), toMs: Date.parse(EXPECTED.range.to) });
  });

  it.each([
    // Calendar facts: 1 Jan 2026 is a Thursday, 1 Jan 2027 a Friday, 3 Jan 2021 a Sunday.
    ['2026-01-01', '2026-W01'],
    ['2027-01-01', '2026-W53'],
    ['2021-01-03', '2020-W53'],
    ['2024-12-30', '2025-W01'],
    ['2026-11-16', '2026-W47'],
    ['2026-11-22', '2026-W47'],
    ['2026-11-23', '2026-W48'],
  ])('puts %s in %s', (day, label) => {
    expect(isoWeekOf(Date.parse(`${day}T12:00:00Z`)).label).toBe(label);
  });

  it('always starts a week on a Monday at midnight and holds the time it was asked for', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }), (ms) => {
        const { label, range } = isoWeekOf(ms);
        expect(new Date(range.fromMs).getUTCDay()).toBe(1);
        expect(range.fromMs % DAY_MS).toBe(0);
        expect(range.toMs - range.fromMs).toBe(WEEK_MS);
        expect(ms).toBeGreaterThanOrEqual(range.fromMs);
        expect(ms).toBeLessThan(range.toMs);
        // The label's year is the year of the week's Thursday, and parseWeek reads it back.
        expect(label.slice(0, 4)).toBe(String(new Date(range.fromMs + 3 * DAY_MS).getUTCFullYear()));
        expect(parseWeek(label, 0).range).toEqual(range);
      }),
    );
  });

  it('reads "this", "last" and a date inside the week from the clock it is given', () => {
    const now = Date.UTC(2026, 10, 25, 9);
    expect(parseWeek('this', now).label).toBe('2026-W48');
    expect(parseWeek('last', now).label).toBe('2026-W47');
    expect(parseWeek('2026-11-19', now).label).toBe('2026-W47');
    expect(parseWeek('2026-W53', now).range.fromMs).toBe(Date.UTC(2026, 11, 28));
  });

  it.each(['48', '2026-W54', '2026-W00', '2025-W53', '2026-w47', '2026-02-30', 'next'])('refuses the week %j by name', (text) => {
    expect(() => parseWeek(text, 0)).toThrow(
      expect.objectContaining({ code: 'KZN_TIME_INVALID', message: expect.stringContaining(`--week: expected an ISO week like 2026-W48`) }),
    );
    expect(() => parseWeek(text, 0)).toThrow(JSON.stringify(text));
  });
});

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['1.5h', 1.5 * HOUR_MS],
    ['7d', 7 * DAY_MS],
    ['2w', 2 * WEEK_MS],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text, '--window')).toBe(ms);
  });

  it.each(['', '0s', '5', 'h', '5 minutes', '-5m'])('refuses %j, naming the option', (text) => {
    expect(() => parseDuration(text, '--window')).toThrow(/^--window: expected a duration/);
  });
});

describe('time bounds', () => {
  it('reads a date as midnight UTC and a time with its zone', () => {
    expect(parseTimeBound('2026-11-23', '--from')).toBe(Date.UTC(2026, 10, 23));
    expect(parseTimeBound('2026-11-23T10:00Z', '--from')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(parseTimeBound('2026-11-23T10:00:00+02:00', '--from')).toBe(Date.UTC(2026, 10, 23, 8));
  });

  it.each(['2026-11-23T10:00', '2026-13-01', '2026-02-30', 'tomorrow', ''])('refuses %j, naming the option', (text) => {
    expect(() => parseTimeBound(text, '--to')).toThrow(
      expect.objectContaining({ code: 'KZN_TIME_INVALID', message: expect.stringMatching(/^--to: expected a date/) }),
    );
  });
});
