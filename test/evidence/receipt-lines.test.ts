// A receipt's journal lines are put together directly from its fields for speed; they must be,
// byte for byte, what N3's Writer writes for the receipt's quads.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/evidence/event.js';
import { digestOf, GENESIS_DIGEST, quadLine, toReceipt, visitReceiptFields } from '../../src/evidence/receipt.js';
import { fixtureEvents } from '../store/support.js';
import { eventJson } from './arbitraries.js';

const at = (seq: number, instance = 'local') => ({ seq, prevDigest: GENESIS_DIGEST, instance });

describe('receipt lines', () => {
  it('equal N3 Writer output for every receipt of the fixture week', () => {
    const events = fixtureEvents();
    expect(events.length).toBeGreaterThan(400);
    events.forEach((e, i) => {
      const r = toReceipt(e, at(i + 1), i > 0 ? `urn:kaizen:receipt:local:${i}` : undefined);
      expect(r.lines).toEqual(r.quads.map(quadLine));
    });
  });

  it('equal N3 Writer output for any valid event, strings that need escaping included', () => {
    fc.assert(
      fc.property(eventJson(), fc.integer({ min: 1, max: 2 ** 40 }), (json, seq) => {
        const r = toReceipt(parseEvent(json, 'event'), at(seq));
        expect(r.lines).toEqual(r.quads.map(quadLine));
        expect(r.digest).toBe(digestOf(r.lines.slice(0, -1), GENESIS_DIGEST));
      }),
      { numRuns: 300 },
    );
  });

  it('escape quotes, backslashes, control characters and astral characters as N3 does', () => {
    const e = parseEvent(
      {
        type: 'circuit.opened',
        time: '2026-11-17T10:00:00Z',
        component: 'say "hi"\\\n\t\u0001 😀',
        reason: 'x\r\u007f\uFFFE',
        attributes: { note: 'a "quoted" \\ value' },
      },
      'event',
    );
    for (const instance of ['local', 'node "a"']) {
      const r = toReceipt(e, at(7, instance));
      expect(r.lines).toEqual(r.quads.map(quadLine));
      expect(r.lines.join('')).toContain('\\"hi\\"');
      expect(r.lines.join('')).toContain(String.raw`a \\\"quoted\\\" \\\\ value`);
    }
  });

  it('give the same fields from the event as from the quads', () => {
    for (const e of fixtureEvents().slice(0, 50)) {
      const r = toReceipt(e, at(1));
      const direct: string[] = [];
      visitReceiptFields(r, (p, v) => direct.push(`${p} ${v}`));
      const fromQuads = r.quads.slice(0, -1).map((q) => `${q.predicate.value} ${q.object.value}`);
      expect(direct).toEqual(fromQuads);
    }
  });
});
