// Weeks in a time zone: Monday 00:00 to Monday 00:00 local time, as UTC instants.

import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { parseWeekInZone, zoneOffsetMs } from '../../src/evidence/time.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('weeks in a time zone', () => {
  it('starts 2026-W48 at Monday 00:00 in Berlin, which is Sunday 23:00 UTC in winter', () => {
    const w = parseWeekInZone('2026-W48', NOW, 'Europe/Berlin');
    expect(w.label).toBe('2026-W48');
    expect(iso(w.range.fromMs)).toBe('2026-11-22T23:00:00.000Z');
    expect(iso(w.range.toMs)).toBe('2026-11-29T23:00:00.000Z');
  });

  it('starts it at 05:00 UTC in New York, and keeps UTC as it is', () => {
    expect(iso(parseWeekInZone('2026-W48', NOW, 'America/New_York').range.fromMs)).toBe('2026-11-23T05:00:00.000Z');
    expect(iso(parseWeekInZone('2026-W48', NOW, 'UTC').range.fromMs)).toBe('2026-11-23T00:00:00.000Z');
  });

  it('spans a daylight-saving change with a week one hour short', () => {
    // Europe/Berlin leaves summer time on Sunday 2026-10-25: that week lasts 169 hours.
    const w = parseWeekInZone('2026-W43', NOW, 'Europe/Berlin');
    expect(iso(w.range.fromMs)).toBe('2026-10-18T22:00:00.000Z');
    expect((w.range.toMs - w.range.fromMs) / 3_600_000).toBe(169);
  });

  it('measures the offset of a zone at an instant', () => {
    expect(zoneOffsetMs('Asia/Kolkata', NOW)).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs('UTC', NOW)).toBe(0);
  });

  it('refuses an unknown zone, naming --tz', () => {
    try {
      parseWeekInZone('last', NOW, 'Mars/Olympus');
      expect.unreachable('an unknown zone must be refused');
    } catch (e) {
      expect(isKaizenError(e, 'KZN_TIME_INVALID') && e.message).toMatch(/^--tz: expected an IANA time zone .*"Mars\/Olympus"/);
    }
  });
});
