// Event → receipt: its quads in the hour graph, the precomputed literals, the chained digest.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { DataFactory, type NamedNode, Parser, type Quad } from 'n3';
import { describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { parseEvent } from '../../src/evidence/event.js';
import { bucketOf } from '../../src/evidence/histogram.js';
import { digestOf, GENESIS_DIGEST, receiptToEvent, sealReceipt, toReceipt } from '../../src/evidence/receipt.js';
import { event } from '../store/support.js';
import { eventJson } from './arbitraries.js';

const KZ = 'https://w3id.org/kaizen/ns#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const PROV_AT_TIME = 'http://www.w3.org/ns/prov#atTime';
const PROV_INFORMED_BY = 'http://www.w3.org/ns/prov#wasInformedBy';

const at = (seq: number, prevDigest = GENESIS_DIGEST) => ({ seq, prevDigest, instance: 'local' });

/** The object of the one quad with this predicate. */
function objectOf(quads: readonly Quad[], predicate: string): Quad['object'] {
  const found = quads.filter((q) => q.predicate.value === predicate);
  expect(found, predicate).toHaveLength(1);
  return found[0]!.object;
}

/** SHA-256 over the previous digest, a newline, then the body lines in sorted order. */
function expectedDigest(bodyLines: readonly string[], prev: string): string {
  return createHash('sha256')
    .update(`${prev}\n${[...bodyLines].sort().join('')}`)
    .digest('hex');
}

const completed = event({
  type: 'task.completed',
  time: '2026-11-17T10:02:03.456Z',
  component: 'payments',
  value: 185.5,
  worker: 'w-3',
  id: 'e-7',
  caused_by: 'e-6',
  attributes: { route: '/pay', 'http.status': 503 },
});

describe('receipt', () => {
  describe('of a task.completed event', () => {
    const r = toReceipt(completed, at(42), 'urn:kaizen:receipt:local:41');

    it('is named by its writer and sequence number', () => {
      expect(r.iri).toBe('urn:kaizen:receipt:local:42');
      expect(r.seq).toBe(42);
      expect(new Set(r.quads.map((q) => q.subject.value))).toEqual(new Set([r.iri]));
    });

    it('puts every quad in the graph of its UTC hour', () => {
      expect(r.graph).toBe('urn:kaizen:hour:2026-11-17T10');
      expect(new Set(r.quads.map((q) => q.graph.value))).toEqual(new Set([r.graph]));
    });

    it('has its class, pillar and component', () => {
      expect(objectOf(r.quads, RDF_TYPE).value).toBe(`${KZ}TaskCompleted`);
      expect(objectOf(r.quads, `${KZ}pillar`).value).toBe(`${KZ}Kanban`);
      expect(objectOf(r.quads, `${KZ}component`).value).toBe('payments');
    });

    it('has its time as xsd:dateTime and precomputed epoch-ms, hour and day literals', () => {
      const time = objectOf(r.quads, PROV_AT_TIME);
      expect(time.value).toBe('2026-11-17T10:02:03.456Z');
      expect(time.termType === 'Literal' && time.datatype.value).toBe(`${XSD}dateTime`);
      const epoch = objectOf(r.quads, `${KZ}epochMs`);
      expect(epoch.value).toBe(String(Date.UTC(2026, 10, 17, 10, 2, 3, 456)));
      expect(epoch.termType === 'Literal' && epoch.datatype.value).toBe(`${XSD}integer`);
      expect(objectOf(r.quads, `${KZ}hour`).value).toBe('2026-11-17T10');
      expect(objectOf(r.quads, `${KZ}day`).value).toBe('2026-11-17');
      expect(objectOf(r.quads, `${KZ}seq`).value).toBe('42');
    });

    it('has its value as xsd:double, its unit and its histogram bucket', () => {
      const value = objectOf(r.quads, `${KZ}value`);
      expect(Number(value.value)).toBe(185.5);
      expect(value.termType === 'Literal' && value.datatype.value).toBe(`${XSD}double`);
      expect(objectOf(r.quads, `${KZ}unit`).value).toBe('ms');
      expect(Number(objectOf(r.quads, `${KZ}bucket`).value)).toBe(bucketOf(185.5));
    });

    it('cites the receipt it follows from with prov:wasInformedBy', () => {
      expect(objectOf(r.quads, PROV_INFORMED_BY).value).toBe('urn:kaizen:receipt:local:41');
      expect(objectOf(r.quads, `${KZ}causedBy`).value).toBe('e-6');
    });

    it('ends with its digest quad, and its lines are the N-Quads of its quads', () => {
      const last = r.quads[r.quads.length - 1]!;
      expect(last.predicate.value).toBe(`${KZ}digest`);
      expect(last.object.value).toBe(r.digest);
      expect(r.lines).toHaveLength(r.quads.length);
      for (const line of r.lines) expect(line).toMatch(/^<[^>]+> <[^>]+> .+ <[^>]+> \.\n$/);
      const parsed = new Parser({ format: 'N-Quads' }).parse(r.lines.join(''));
      expect(parsed).toHaveLength(r.quads.length);
      for (const [i, q] of parsed.entries()) expect(q.equals(r.quads[i]!), r.lines[i]).toBe(true);
    });
  });

  describe('of an event without a value', () => {
    it('has no value, unit or bucket', () => {
      const r = toReceipt(event({ type: 'circuit.opened', reason: 'failure-threshold' }), at(1));
      const predicates = r.quads.map((q) => q.predicate.value);
      expect(predicates).not.toContain(`${KZ}value`);
      expect(predicates).not.toContain(`${KZ}bucket`);
      expect(objectOf(r.quads, `${KZ}reason`).value).toBe('failure-threshold');
    });
  });

  describe('digest', () => {
    it('is SHA-256 over the previous digest and the sorted body lines', () => {
      const r = toReceipt(completed, at(1));
      expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(r.digest).toBe(expectedDigest(r.lines.slice(0, -1), GENESIS_DIGEST));
    });

    it('depends on the previous digest', () => {
      const a = toReceipt(completed, at(2, GENESIS_DIGEST));
      const b = toReceipt(completed, at(2, 'f'.repeat(64)));
      expect(a.lines.slice(0, -1)).toEqual(b.lines.slice(0, -1));
      expect(a.digest).not.toBe(b.digest);
      expect(b.digest).toBe(expectedDigest(b.lines.slice(0, -1), 'f'.repeat(64)));
    });

    it('chains each receipt to the one before', () => {
      const first = toReceipt(someEvent(0), at(1));
      const second = toReceipt(someEvent(1), at(2, first.digest));
      const third = toReceipt(someEvent(2), at(3, second.digest));
      expect(third.digest).toBe(expectedDigest(third.lines.slice(0, -1), expectedDigest(second.lines.slice(0, -1), first.digest)));
    });

    it('does not depend on the order the body lines were written in', () => {
      const lines = toReceipt(completed, at(1)).lines.slice(0, -1);
      fc.assert(
        fc.property(fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }), (shuffled) => {
          expect(digestOf(shuffled, GENESIS_DIGEST)).toBe(digestOf(lines, GENESIS_DIGEST));
        }),
      );
    });

    it('changes when any body line changes', () => {
      const r = toReceipt(completed, at(1));
      const body = r.lines.slice(0, -1);
      body.forEach((line, i) => {
        const changed = body.map((l, j) => (j === i ? line.replace(/" |> \./, (m) => m.replace(' ', '  ')) : l));
        expect(changed[i]).not.toBe(line);
        expect(digestOf(changed, GENESIS_DIGEST)).not.toBe(r.digest);
      });
    });

    it('seals any body quads the same way (sealReceipt)', () => {
      const body = toReceipt(completed, at(5)).quads.slice(0, -1);
      const sealed = sealReceipt('urn:kaizen:receipt:local:5', 'urn:kaizen:hour:2026-11-17T10', 5, 0, body, GENESIS_DIGEST);
      expect(sealed.digest).toBe(toReceipt(completed, at(5)).digest);
    });
  });

  describe('receiptToEvent', () => {
    it('gives back the event of any receipt', () => {
      fc.assert(
        fc.property(eventJson(), fc.integer({ min: 1, max: 1_000_000 }), (json, seq) => {
          const e = parseEvent(json, 'x');
          const r = toReceipt(e, at(seq));
          expect(receiptToEvent(r.quads)).toEqual(e);
        }),
        { numRuns: 300 },
      );
    });

    it('gives back the event from the receipt written as N-Quads and read again', () => {
      fc.assert(
        fc.property(eventJson(), (json) => {
          const e = parseEvent(json, 'x');
          const r = toReceipt(e, at(1));
          const reread = new Parser({ format: 'N-Quads' }).parse(r.lines.join(''));
          expect(receiptToEvent(reread)).toEqual(e);
        }),
        { numRuns: 300 },
      );
    });

    it('gives nothing for quads that are not an event receipt', () => {
      const r = toReceipt(completed, at(1));
      expect(receiptToEvent(r.quads.filter((q) => q.predicate.value !== RDF_TYPE))).toBeUndefined();
      expect(receiptToEvent(r.quads.filter((q) => q.predicate.value !== `${KZ}epochMs`))).toBeUndefined();
    });

    it('refuses, naming the receipt, attributes that are not a JSON object', () => {
      const r = toReceipt(completed, at(1));
      const withAttributes = (json: string): Quad[] =>
        r.quads.map((q) => (q.predicate.value === `${KZ}attributes` ? DataFactory.quad(q.subject, q.predicate, DataFactory.literal(json, (q.object as { datatype: NamedNode }).datatype), q.graph) : q));
      expect(receiptToEvent(withAttributes('{"route":"/cart"}'))?.attributes).toEqual({ route: '/cart' });
      for (const [json, why] of [
        ['{"http.status"__proto__:200}', /kz:attributes is not JSON/],
        ['[1,2]', /kz:attributes must be a JSON object/],
        ['5', /kz:attributes must be a JSON object/],
      ] as const) {
        const error = (() => {
          try {
            receiptToEvent(withAttributes(json));
          } catch (e) {
            return e;
          }
        })();
        expect(isKaizenError(error, 'KZN_RDF_SYNTAX'), json).toBe(true);
        expect((error as Error).message).toMatch(why);
        expect((error as Error).message).toContain(r.iri);
      }
    });
  });
});

function someEvent(i: number) {
  return event({ type: 'signal.received', time: new Date(Date.UTC(2026, 10, 17, 10, i)).toISOString(), signal_id: `s-${i}` });
}
