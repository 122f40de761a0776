// A receipt's journal lines are put together directly from its fields for speed; they must be,
// byte for byte, what N3's Writer writes for the receipt's quads.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KaizenEvent, parseEvent } from '../../src/evidence/event.js';
import { digestOf, GENESIS_DIGEST, quadLine, toReceipt, toReceiptBytes, visitReceiptFields } from '../../src/evidence/receipt.js';
import { ReceiptBytes } from '../../src/evidence/receipt-bytes.js';
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
      expect(r.lineCount).toBe(r.lines.length);
    });
  });

  it('equal N3 Writer output for any valid event, strings that need escaping included', () => {
    fc.assert(
      fc.property(eventJson(), fc.integer({ min: 1, max: 2 ** 40 }), (json, seq) => {
        const r = toReceipt(parseEvent(json, 'event'), at(seq));
        expect(r.lines).toEqual(r.quads.map(quadLine));
        expect(r.lineCount).toBe(r.lines.length);
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

  it('are written in sorted order, so that the digest is SHA-256 over the previous digest and the body as written', () => {
    fc.assert(
      fc.property(eventJson(), fc.integer({ min: 1, max: 2 ** 40 }), fc.boolean(), (json, seq, informed) => {
        const prev = createHash('sha256').update(String(seq)).digest('hex');
        const r = toReceipt(parseEvent(json, 'event'), { seq, prevDigest: prev, instance: 'local' }, informed ? 'urn:kaizen:receipt:local:1' : undefined);
        const body = r.lines.slice(0, -1);
        expect(body).toEqual([...body].sort());
        expect(r.text).toBe(r.lines.join(''));
        expect(r.digest).toBe(createHash('sha256').update(`${prev}\n${body.join('')}`).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['keys out of order', { zeta: 1, alpha: 'a', mid: 2.5 }],
    ['keys that are array indexes', { '10': 'ten', '9': 'nine', b: 1, a: 2 }],
    ['numbers JSON writes as null, and -0', { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -0 }],
    ['values JSON or N-Quads escape', { a: 'say "hi"', b: 'back\\slash', c: 'tab\tnewline\n', d: 'del\u007f', e: '😀', f: 'lone \ud800' }],
    ['keys JSON or N-Quads escape', { 'a"b': 1, 'c\\d': 2, 'e\u0001': 3 }],
  ])('equal N3 Writer output for attributes with %s', (_, attributes) => {
    const e = { type: 'task.started', timeMs: Date.UTC(2026, 10, 17, 10), component: 'checkout', pillar: 'kanban', attributes } as KaizenEvent;
    const r = toReceipt(e, at(3));
    expect(r.lines).toEqual(r.quads.map(quadLine));
    expect(r.digest).toBe(digestOf(r.lines.slice(0, -1), GENESIS_DIGEST));
    // Twice into bytes: once as its keys and values are first seen, once from the bytes kept for them.
    for (let i = 0; i < 2; i++) {
      const bytes = new ReceiptBytes(8);
      const b = toReceiptBytes(e, at(3), undefined, bytes);
      expect(bytes.receipts(0, 1).toString('utf8')).toBe(r.text);
      expect(b.digest).toBe(r.digest);
    }
  });

  it('are the same bytes, digest and line count when sealed into a byte buffer, escapes and non-ASCII included', () => {
    // A small buffer, so that it has to grow while receipts are sealed into it.
    const bytes = new ReceiptBytes(16);
    fc.assert(
      fc.property(fc.array(eventJson(), { minLength: 1, maxLength: 5 }), fc.constantFrom('local', 'node "a"', 'nœud'), (jsons, instance) => {
        bytes.reset();
        let prevText = GENESIS_DIGEST;
        let prevBytes = GENESIS_DIGEST;
        const texts: string[] = [];
        jsons.forEach((json, i) => {
          const e = parseEvent(json, 'event');
          const informedBy = i > 0 ? `urn:kaizen:receipt:${instance}:${i}` : undefined;
          const t = toReceipt(e, { seq: i + 1, prevDigest: prevText, instance }, informedBy);
          const b = toReceiptBytes(e, { seq: i + 1, prevDigest: prevBytes, instance }, informedBy, bytes);
          expect(b.digest).toBe(t.digest);
          expect(b.lineCount).toBe(t.lineCount);
          // Written again from the event when asked for.
          expect(b.text).toBe(t.text);
          expect(bytes.receipts(i, i + 1).toString('utf8')).toBe(t.text);
          texts.push(t.text as string);
          prevText = t.digest;
          prevBytes = b.digest;
        });
        expect(bytes.ends.length).toBe(jsons.length);
        expect(bytes.receipts(0, jsons.length).toString('utf8')).toBe(texts.join(''));
        expect(bytes.length).toBe(Buffer.byteLength(texts.join('')));
      }),
      { numRuns: 200 },
    );
  });
});
