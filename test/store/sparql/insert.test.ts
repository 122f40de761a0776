// The INSERT DATA requests of a batch: cut to a size the server takes, a receipt's journal entry
// in the request that completes it.

import { describe, expect, it } from 'vitest';
import { insertRequests } from '../../../src/store/sparql/insert.js';
import type { OutgoingReceipt } from '../../../src/store/sparql/spool.js';

function receipt(seq: number, quads: number): OutgoingReceipt {
  const iri = `urn:kaizen:receipt:local:${seq}`;
  const lines = Array.from({ length: quads }, (_, i) => `<${iri}> <urn:p:${i}> "v ${i}" <urn:kaizen:hour:2026-11-16T10> .\n`);
  return { iri, seq, timeMs: 0, kind: 'raw', hour: '2026-11-16T10', digest: 'd'.repeat(64), serverGraph: 'urn:kaizen:hour:2026-11-16T10', lines };
}

describe('the INSERT DATA requests of a batch', () => {
  it('writes each line as a triple of its server graph and one journal entry per receipt', () => {
    const [only] = insertRequests([receipt(1, 2)], 'urn:kaizen:journal');
    expect(only!.complete).toBe(1);
    expect(only!.text).toContain('GRAPH <urn:kaizen:hour:2026-11-16T10> {\n<urn:kaizen:receipt:local:1> <urn:p:0> "v 0" .\n<urn:kaizen:receipt:local:1> <urn:p:1> "v 1" .\n}');
    expect(only!.text).toMatch(/GRAPH <urn:kaizen:journal> \{\n<urn:kaizen:receipt:local:1> <https:\/\/w3id.org\/kaizen\/ns#seq> "1"\^\^<http:\/\/www.w3.org\/2001\/XMLSchema#integer> ;/);
  });

  it('cuts a batch at the triple limit and says how many receipts each request completes', () => {
    const requests = insertRequests([1, 2, 3, 4].map((s) => receipt(s, 11)), 'urn:kaizen:journal', 45);
    expect(requests.map((r) => r.complete)).toEqual([2, 4]);
  });

  it('splits a receipt larger than the limit, its journal entry in its last request', () => {
    const requests = insertRequests([receipt(1, 100)], 'urn:kaizen:journal', 40);
    expect(requests.length).toBe(3);
    expect(requests.slice(0, -1).every((r) => r.complete === 0 && !r.text.includes('urn:kaizen:journal'))).toBe(true);
    expect(requests[requests.length - 1]!.complete).toBe(1);
    expect(requests[requests.length - 1]!.text).toContain('urn:kaizen:journal');
  });
});
