// The event contract: what parseEvent accepts, what it refuses by name, and toEventJson's inverse.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { parseEvent, parseEventLine, toEventJson } from '../../src/evidence/event.js';
import { EVENT_TYPES, type EventType } from '../../src/evidence/event-types.js';
import { GENESIS_DIGEST, receiptToEvent, toReceipt } from '../../src/evidence/receipt.js';
import { eventJson } from './arbitraries.js';

/** The error parseEvent throws for a JSON value, or a failure when it throws none. */
function refusal(json: unknown, where = 'line 3'): { code: string; message: string } {
  try {
    parseEvent(json, where);
  } catch (error) {
    if (isKaizenError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(json)} to be refused`);
}

const base = { type: 'task.completed', time: '2026-11-23T10:00:00.123Z', component: 'checkout', value: 185.5 };

describe('event contract', () => {
  describe('when an event is valid', () => {
    it('is parsed with its time in UTC epoch milliseconds', () => {
      const e = parseEvent({ ...base, time: '2026-11-23T11:30:00.123+01:30' }, 'line 1');
      expect(e.timeMs).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
    });

    it('takes its pillar from its type when none is given', () => {
      const pillars = Object.entries(EVENT_TYPES).map(([type, info]) => {
        const measured = 'unit' in info;
        const e = parseEvent(
          { type, time: base.time, component: 'c', ...(measured && { value: 1 }), ...(type.startsWith('alert.') && { alert: 'a' }) },
          'x',
        );
        return [type, e.pillar];
      });
      expect(Object.fromEntries(pillars)).toEqual(
        Object.fromEntries(Object.entries(EVENT_TYPES).map(([type, info]) => [type, info.pillar])),
      );
    });

    it('keeps a pillar given explicitly', () => {
      expect(parseEvent({ ...base, pillar: 'heijunka' }, 'x').pillar).toBe('heijunka');
    });

    it('gives a measured value the unit of its type when it has none', () => {
      expect(parseEvent(base, 'x').unit).toBe('ms');
      expect(parseEvent({ type: 'queue.depth', time: base.time, component: 'q', value: 4 }, 'x').unit).toBe('tasks');
    });

    it('keeps the optional fields under their camel-case names', () => {
      const e = parseEvent(
        {
          ...base,
          v: 1,
          id: 'e-1',
          signal_id: 's-1',
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          span_id: '00f067aa0ba902b7',
          worker: 'w-3',
          reason: 'slow',
          caused_by: 'e-0',
          attributes: { route: '/pay', 'http.status': 200 },
        },
        'x',
      );
      expect(e).toMatchObject({
        id: 'e-1',
        signalId: 's-1',
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        worker: 'w-3',
        reason: 'slow',
        causedBy: 'e-0',
        attributes: { route: '/pay', 'http.status': 200 },
      });
    });

    it('keeps milliseconds and drops finer fractions', () => {
      expect(parseEvent({ ...base, time: '2026-11-23T10:00:00.123987Z' }, 'x').timeMs).toBe(Date.UTC(2026, 10, 23, 10, 0, 0, 123));
    });
  });

  describe('when an event breaks the contract', () => {
    it.each([
      ['an unknown field', { ...base, colour: 'red' }, /unknown field "colour"/],
      ['an unknown field inside attributes names', { ...base, attributes: { 'no spaces allowed': 1 } }, /attributes/],
      ['an unknown event type', { ...base, type: 'task.exploded' }, /field "type".*"task\.exploded"/],
      ['a missing component', { type: 'task.started', time: base.time }, /missing required field "component"/],
      ['a missing time', { type: 'task.started', component: 'c' }, /missing required field "time"/],
      ['a measured type without its value', { ...base, value: undefined }, /missing required field "value"/],
      ['an alert without its rule', { type: 'alert.fired', time: base.time, component: 'c' }, /missing required field "alert"/],
      ['a value that is a string', { ...base, value: '185' }, /field "value"/],
      ['a unit other than its type measures in', { ...base, unit: 's' }, /field "unit".*ms.*"s"/],
      ['a trace id that is not 32 hex digits', { ...base, trace_id: 'XYZ' }, /trace_id/],
      ['an all-zero span id', { ...base, span_id: '0000000000000000' }, /span_id/],
      ['a nested attribute', { ...base, attributes: { nested: { a: 1 } } }, /attributes/],
      ['an unknown severity', { type: 'alert.fired', time: base.time, component: 'c', alert: 'a', severity: 'bad' }, /severity/],
      ['an empty component', { ...base, component: '' }, /component/],
      ['a JSON array', [base], /expected a JSON object/],
    ])('refuses %s, naming the field', (_what, json, message) => {
      const { code, message: text } = refusal(JSON.parse(JSON.stringify(json)));
      expect(code).toBe('KZN_EVENT_INVALID');
      expect(text).toMatch(/^line 3: /);
      expect(text).toMatch(message);
    });

    it.each([
      ['a time without a zone', '2026-11-23T10:00:00'],
      ['a time with a space for the T', '2026-11-23 10:00:00Z'],
      ['a time with a zone without its colon', '2026-11-23T10:00:00+0100'],
      ['a day that does not exist', '2026-02-30T10:00:00Z'],
      ['a word', 'yesterday'],
      ['an hour 24', '2026-11-23T24:00:00Z'],
    ])('refuses %s, naming the time field', (_what, time) => {
      const { code, message } = refusal({ ...base, time });
      expect(code).toMatch(/^KZN_(EVENT|TIME)_INVALID$/);
      expect(message).toMatch(/^line 3: field "time"/);
    });

    it('names a line that is not JSON by its number and source', () => {
      expect(() => parseEventLine('{"type": "task', 7)).toThrow(/^line 7: expected a JSON object, found "\{\\"type\\": \\"task"/);
      expect(() => parseEventLine('nope', 12, 'events.jsonl')).toThrow(/^events\.jsonl:12: /);
    });
  });

  describe('when an event has a unit but no value', () => {
    // A unit describes a value: the contract must either refuse a unit alone or keep it, but not
    // accept it and then lose it on the way into the receipt.
    it('is refused, or its receipt keeps the unit', () => {
      const json = { type: 'slo.evaluated', time: base.time, component: 'checkout', unit: 'percent' };
      let parsed: ReturnType<typeof parseEvent> | undefined;
      try {
        parsed = parseEvent(json, 'line 1');
      } catch (error) {
        expect(isKaizenError(error, 'KZN_EVENT_INVALID')).toBe(true);
        return;
      }
      const r = toReceipt(parsed, { seq: 1, prevDigest: GENESIS_DIGEST, instance: 'local' });
      expect(receiptToEvent(r.quads)).toEqual(parsed);
    });
  });

  describe('toEventJson', () => {
    it('is the inverse of parseEvent for every valid event', () => {
      fc.assert(
        fc.property(eventJson(), (json) => {
          const e = parseEvent(json, 'x');
          const back = toEventJson(e);
          expect(back.time).toBe(new Date(e.timeMs).toISOString());
          expect(parseEvent(JSON.parse(JSON.stringify(back)), 'y')).toEqual(e);
        }),
        { numRuns: 200 },
      );
    });

    it('always writes the type, a UTC time and the pillar', () => {
      const e = parseEvent({ ...base, time: '2026-11-23T05:00:00.000-05:00' }, 'x');
      expect(toEventJson(e)).toMatchObject({ type: 'task.completed' as EventType, time: '2026-11-23T10:00:00.000Z', pillar: 'kanban' });
    });
  });
});
