// fast-check generators of valid events in their JSON form (src/evidence/event.schema.json).

import fc from 'fast-check';
import { EVENT_TYPES, type EventType, PILLARS } from '../../src/evidence/event-types.js';

const TYPES = Object.keys(EVENT_TYPES) as EventType[];
const MEASURED: readonly string[] = ['task.completed', 'task.failed', 'queue.depth', 'worker.load'];
const UNIT_OF: Readonly<Record<string, string>> = {
  'task.completed': 'ms',
  'task.failed': 'ms',
  'queue.depth': 'tasks',
  'worker.load': 'tasks',
};

/** Well-formed Unicode text (whole graphemes), never empty. */
export const text = (maxLength = 12): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', minLength: 1, maxLength });

/** A finite number; -0 is written as 0 (JSON has no way to say -0 and mean it). */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((v) => (v === 0 ? 0 : v));

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** An ISO-8601 time with a zone: Z or an offset, with or without milliseconds. */
export const zonedTime = (fromMs: number, toMs: number): fc.Arbitrary<string> =>
  fc
    .record({
      ms: fc.integer({ min: fromMs, max: toMs - 1 }),
      offsetMin: fc.constantFrom(0, 60, -300, 330, 345, -720, 840),
      z: fc.boolean(),
    })
    .map(({ ms, offsetMin, z }) => {
      if (z && offsetMin === 0) return new Date(ms).toISOString();
      const local = new Date(ms + offsetMin * 60_000);
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      return (
        `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
        `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}` +
        `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
      );
    });

const hex = (length: number): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...'0123456789abcdef'), { minLength: length, maxLength: length })
    .map((a) => a.join(''))
    .filter((s) => !/^0+$/.test(s));

const attributeKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/);

const attributes = fc.dictionary(attributeKey, fc.oneof(text(8), finite), {
  minKeys: 1,
  maxKeys: 4,
  noNullPrototype: true,
});

/**
 * Any valid event in its JSON form, times between `fromMs` and `toMs` (default: the fixture week).
 */
export function eventJson(
  fromMs = Date.UTC(2026, 10, 16),
  toMs = Date.UTC(2026, 10, 23),
): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom(...TYPES).chain((type) => {
    const measured = MEASURED.includes(type);
    const alerting = type === 'alert.fired' || type === 'alert.cleared';
    return fc
      .record({
          type: fc.constant(type),
          time: zonedTime(fromMs, toMs),
          component: text(),
          measure: measured
            ? fc.record({ value: finite, unit: fc.option(fc.constant(UNIT_OF[type]!), { nil: undefined }) })
            : fc.option(fc.record({ value: finite, unit: fc.option(text(6), { nil: undefined }) }), { nil: undefined }),
          pillar: fc.option(fc.constantFrom(...PILLARS), { nil: undefined }),
          id: fc.option(text(), { nil: undefined }),
          signal_id: fc.option(text(), { nil: undefined }),
          trace_id: fc.option(hex(32), { nil: undefined }),
          span_id: fc.option(hex(16), { nil: undefined }),
          worker: fc.option(text(), { nil: undefined }),
          alert: alerting ? text() : fc.option(text(), { nil: undefined }),
          severity: fc.option(fc.constantFrom('info', 'warning', 'critical'), { nil: undefined }),
          reason: fc.option(text(20), { nil: undefined }),
          caused_by: fc.option(text(), { nil: undefined }),
          attributes: fc.option(attributes, { nil: undefined }),
      })
      .map(({ measure, ...r }) => {
        // A unit only comes with a value: a unit alone is a separate case (event.test.ts).
        const all: Record<string, unknown> = { ...r, ...measure };
        return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
      });
  });
}
