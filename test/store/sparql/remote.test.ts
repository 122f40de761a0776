// A SELECT's values fetched as SPARQL 1.1 CSV results: quoting, unbound cells, what the server
// sent when it cannot be read, and forms that give no rows. (The same against a real Virtuoso is
// in test/integration/virtuoso.test.ts.)

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKaizenError } from '../../../src/errors.js';
import { SparqlHttp } from '../../../src/store/sparql/http.js';
import { prepareQuery } from '../../../src/store/sparql/prepare.js';
import { SparqlRemote } from '../../../src/store/sparql/remote.js';

let server: http.Server;
let remote: SparqlRemote;
let answer = '';
let accepted = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    accepted = req.headers.accept ?? '';
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sparql`;
  const h = new SparqlHttp(url, undefined, { attempts: 1, firstDelayMs: 1 });
  remote = new SparqlRemote(h, h);
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the values of a SELECT from a server', () => {
  it('asks for CSV and reads quoted cells, commas, quotes and newlines in them, and empty cells', async () => {
    answer = '"s","o","n"\r\n"urn:x","a,""b""\nc",1.5\r\nurn:y,,\r\n';
    const r = await remote.selectValues(prepareQuery('SELECT ?s ?o ?n WHERE { ?s ?p ?o }'));
    expect(accepted).toBe('text/csv');
    expect(r.variables).toEqual(['s', 'o', 'n']);
    expect(r.rows).toEqual([
      { s: 'urn:x', o: 'a,"b"\nc', n: '1.5' },
      { s: 'urn:y', o: '', n: '' },
    ]);
  });

  it('reads a single column with semicolons and tabs in it as one column', async () => {
    answer = 'o\r\na;b\r\nc\td\r\n';
    expect((await remote.selectValues(prepareQuery('SELECT ?o WHERE { ?s ?p ?o }'))).rows).toEqual([{ o: 'a;b' }, { o: 'c\td' }]);
  });

  it('gives no rows for a result with only its header', async () => {
    answer = 's,o\r\n';
    expect((await remote.selectValues(prepareQuery('SELECT ?s ?o WHERE { ?s ?p ?o }'))).rows).toEqual([]);
  });

  it('names CSV it cannot read (a quote left open, a row of the wrong width)', async () => {
    for (const bad of ['s,o\r\n"urn:x,1\r\n', 's,o\r\nurn:x,1,2\r\n']) {
      answer = bad;
      const error = await remote.selectValues(prepareQuery('SELECT ?s ?o WHERE { ?s ?p ?o }')).catch((e: unknown) => e);
      expect(isKaizenError(error, 'KZN_ENDPOINT_ERROR')).toBe(true);
      expect((error as Error).message).toMatch(/answered with CSV that cannot be read/);
    }
  });

  it('refuses a query that gives no rows', async () => {
    const error = await remote.selectValues(prepareQuery('ASK { ?s ?p ?o }')).catch((e: unknown) => e);
    expect(isKaizenError(error, 'KZN_QUERY_FAILED')).toBe(true);
  });
});
