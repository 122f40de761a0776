// UTC time keys (hour, day), ISO weeks and windows: the partition arithmetic of the evidence.

import { KaizenError, quoteInput } from '../errors.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** A half-open UTC interval [fromMs, toMs). */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

// The last hour asked for and its key: receipts come in time order, so nearly every call asks
// for the same hour as the one before (formatting a Date each time cost several % of journaling).
let cachedHour = Number.NaN;
let cachedHourKey = '';

/** The UTC hour key of a time: `2026-11-23T10`. */
export function hourKey(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  if (hour !== cachedHour) {
    cachedHourKey = new Date(ms).toISOString().slice(0, 13);
    cachedHour = hour;
  }
  return cachedHourKey;
}

/** The UTC day key of a time: `2026-11-23`. */
export function dayKey(ms: number): string {
  return hourKey(ms).slice(0, 10);
}

/** Start of the UTC hour named by an hour key. */
export function hourStartMs(hour: string): number {
  return Date.parse(`${hour}:00:00.000Z`);
}

/** Start of the UTC day named by a day key. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Every hour key whose hour overlaps the range, in order. */
export function hoursIn(range: TimeRange): string[] {
  const out: string[] = [];
  for (let t = Math.floor(range.fromMs / HOUR_MS) * HOUR_MS; t < range.toMs; t += HOUR_MS) out.push(hourKey(t));
  return out;
}

/** Every day key whose day overlaps the range, in order. */
export function daysIn(range: TimeRange): string[] {
  const out: string[] = [];
  for (let t = Math.floor(range.fromMs / DAY_MS) * DAY_MS; t < range.toMs; t += DAY_MS) out.push(dayKey(t));
  return out;
}

/** ISO-8601 week of a UTC time: its label (`2026-W48`) and its Monday-to-Monday range. */
export function isoWeekOf(ms: number): { label: string; range: TimeRange } {
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7; // Monday = 0
  const monday = dayStart - weekday * DAY_MS;
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / WEEK_MS) + 1;
  return { label: `${year}-W${String(week).padStart(2, '0')}`, range: { fromMs: monday, toMs: monday + WEEK_MS } };
}

const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;

/**
 * Resolves a week argument: `2026-W48`, `last` (the last complete week), `this`, or any date
 * `YYYY-MM-DD` inside the week. `nowMs` comes from the caller's clock.
 */
export function parseWeek(text: string, nowMs: number, where = '--week'): { label: string; range: TimeRange } {
  const fail = (): never => {
    throw new KaizenError(
      'KZN_TIME_INVALID',
      `${where}: expected an ISO week like 2026-W48, "last", "this" or a date like 2026-11-25, got ${quoteInput(text)}`,
    );
  };
  if (text === 'this') return isoWeekOf(nowMs);
  if (text === 'last') return isoWeekOf(nowMs - WEEK_MS);
  const m = WEEK_LABEL.exec(text);
  if (m !== null) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    // The ISO week 1 is the week with the year's first Thursday; Jan 4 is always in it.
    const w1 = isoWeekOf(Date.UTC(year, 0, 4));
    const found = isoWeekOf(w1.range.fromMs + (week - 1) * WEEK_MS + 3 * DAY_MS);
    if (week < 1 || found.label !== text) fail();
    return found;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isFinite(ms) || dayKey(ms) !== text) fail();
    return isoWeekOf(ms);
  }
  return fail();
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS, w: WEEK_MS };

/** Parses a duration like `90s`, `20m`, `24h`, `7d` into milliseconds. */
export function parseDuration(text: string, where: string): number {
  const m = DURATION.exec(text.trim());
  const ms = m === null ? Number.NaN : Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new KaizenError(
      'KZN_TIME_INVALID',
      `${where}: expected a duration like 30s, 20m, 24h or 7d, got ${quoteInput(text)}`,
    );
  }
  return ms;
}

/**
 * Parses a time bound for --from/--to: a date (`2026-11-23`, midnight UTC) or an ISO time with
 * a zone.
 */
export function parseTimeBound(text: string, where: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    if (Number.isFinite(ms) && dayKey(ms) === text) return ms;
  } else {
    const ms = /(Z|[+-]\d{2}:\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  throw new KaizenError(
    'KZN_TIME_INVALID',
    `${where}: expected a date like 2026-11-23 or a time with a zone like 2026-11-23T10:00Z, got ${quoteInput(text)}`,
  );
}

/** The offset of a time zone from UTC at an instant, in milliseconds (UTC+01:00 → 3,600,000). */
export function zoneOffsetMs(timeZone: string, atMs: number, where = '--tz'): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(atMs));
  } catch {
    throw new KaizenError('KZN_TIME_INVALID', `${where}: expected an IANA time zone like Europe/Berlin or UTC, got ${quoteInput(timeZone)}`);
  }
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * Resolves a week argument as parseWeek does, with the week's days in a time zone: the range
 * runs from Monday 00:00 to the next Monday 00:00 local time.
 */
export function parseWeekInZone(text: string, nowMs: number, timeZone: string | undefined, where = '--week'): { label: string; range: TimeRange } {
  if (timeZone === undefined || timeZone === 'UTC') return parseWeek(text, nowMs, where);
  const localNow = nowMs + zoneOffsetMs(timeZone, nowMs);
  const local = parseWeek(text, localNow, where);
  const toUtc = (localMs: number): number => localMs - zoneOffsetMs(timeZone, localMs - zoneOffsetMs(timeZone, localMs));
  return { label: local.label, range: { fromMs: toUtc(local.range.fromMs), toMs: toUtc(local.range.toMs) } };
}
