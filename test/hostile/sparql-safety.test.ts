// The SPARQL endpoint and `kaizen query` over hostile queries: updates refused; SERVICE, LOAD,
// FROM and FROM NAMED refused before the engine runs, reaching neither the network (a local
// server counts every request) nor the file system; keywords inside IRIs, strings and comments
// are not mistaken for them, nor hidden by them; an expensive query stops at the timeout.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKaizenError } from '../../src/errors.js';
import { bareSparql, checkQueryScope, looksLikeUpdate } from '../../src/query/query-scope.js';
import { kaizen } from '../cli/run-cli.js';
import { clockFrom, startTestServer, type TestServer } from '../server/support.js';

const NOW = '2026-11-23T00:30:00.000Z';
const q = (text: string) => encodeURIComponent(text);
let server: TestServer;
let trap: http.Server;
let trapUrl = '';
let hits = 0;

beforeAll(async () => {
  trap = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/turtle' });
    res.end('<urn:leak> <urn:leak> "reached" .');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  server = await startTestServer({ fixture: true, clock: clockFrom(NOW), options: { sparqlTimeoutMs: 500, sparqlMaxRawHours: 7 * 24 } });
}, 120_000);

afterAll(async () => {
  await server.close();
  await new Promise((resolve) => trap.close(resolve));
});

describe('queries that would reach past the evidence', () => {
  const reaching = (): [string, string, number][] => [
    ['SERVICE', `SELECT * WHERE { SERVICE <${trapUrl}/sparql> { ?s ?p ?o } }`, 403],
    ['SERVICE SILENT', `SELECT * WHERE { SERVICE SILENT <${trapUrl}/sparql> { ?s ?p ?o } }`, 403],
    ['SERVICE in lower case after a comment', `SELECT * WHERE { # a comment\n service <${trapUrl}/> { ?s ?p ?o } }`, 403],
    ['FROM <file:...>', 'SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }', 403],
    ['FROM NAMED <http://...>', `SELECT * FROM NAMED <${trapUrl}/graph> WHERE { GRAPH ?g { ?s ?p ?o } }`, 403],
    ['FROM <http://...>', `ASK FROM <${trapUrl}/data.ttl> { ?s ?p ?o }`, 403],
    ['LOAD', `LOAD <${trapUrl}/data.ttl>`, 403],
    ['LOAD INTO GRAPH', `LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:x>`, 403],
    ['INSERT DATA', 'INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }', 403],
    ['DELETE WHERE', 'DELETE WHERE { GRAPH ?g { ?s ?p ?o } }', 403],
    ['a SERVICE hidden between long quotes in two comments', `SELECT * WHERE { # '''\n SERVICE <${trapUrl}/> { ?s ?p ?o } # '''\n }`, 403],
  ];

  it('refuses each over GET and POST with 403 and a code, and none reaches the network', async () => {
    for (const [name, text, status] of reaching()) {
      for (const req of [
        { method: 'GET' as const, url: `/sparql?query=${q(text)}` },
        { method: 'POST' as const, url: '/sparql', payload: text, headers: { 'content-type': 'application/sparql-query' } },
        { method: 'POST' as const, url: '/sparql', payload: `query=${q(text)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      ]) {
        const res = await server.app.inject(req);
        expect(res.statusCode, `${name} (${req.method}): ${res.body}`).toBe(status);
        expect(['KZN_QUERY_SCOPE', 'KZN_SPARQL_UPDATE']).toContain(res.json().code);
      }
    }
    expect(hits).toBe(0);
  });

  it('names what was refused', async () => {
    const service = await server.app.inject({ method: 'GET', url: `/sparql?query=${q(reaching()[0]![1])}` });
    expect(service.json()).toMatchObject({ code: 'KZN_QUERY_SCOPE', detail: 'the query uses SERVICE (another endpoint): a query reads the loaded evidence only' });
    const from = await server.app.inject({ method: 'GET', url: `/sparql?query=${q(reaching()[3]![1])}` });
    expect(from.json()).toMatchObject({ code: 'KZN_QUERY_SCOPE', detail: 'the query uses FROM (a dataset named by IRI): a query reads the loaded evidence only' });
  });

  it('refuses them in kaizen query too, with exit 2, before reading the store', async () => {
    for (const [name, text] of reaching()) {
      const r = await kaizen(server.dataDir, ['query', '--text', text, '--week', '2026-W47']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error KZN_(QUERY_SCOPE|QUERY_FAILED|QUERY_SYNTAX): /);
    }
    expect(hits).toBe(0);
  });

  it('does not take a keyword inside an IRI, a string, a comment, a variable or a prefixed name for one', async () => {
    const text = `PREFIX from: <urn:from:> PREFIX service: <https://example.org/SERVICE#>
      SELECT ?from ?service (COUNT(*) AS ?n) WHERE { # FROM <file:///etc/passwd> SERVICE <x>
        BIND("FROM <file:///x> SERVICE" AS ?from) BIND(from:LOAD AS ?service) BIND('''INSERT DATA''' AS ?insert)
        FILTER(?from != <urn:SERVICE/FROM>) } GROUP BY ?from ?service`;
    expect(() => checkQueryScope(text)).not.toThrow();
    expect(looksLikeUpdate(text)).toBe(false);
    const res = await server.app.inject({ method: 'GET', url: `/sparql?query=${q(text)}` });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('reads IRIs, strings and comments as the SPARQL lexer does', () => {
    expect(bareSparql('SELECT * WHERE { ?s <urn:a#b> "x\\"#y" } # tail')).toBe('SELECT * WHERE { ?s <> "" }  ');
    expect(bareSparql("a '''b\n'c''' d")).toBe('a "" d');
    // A short string ends at the end of its line; a < that starts no IRI is an operator.
    expect(bareSparql('"open\nSERVICE')).toBe('""\nSERVICE');
    expect(bareSparql('FILTER(?a<?b && ?c > 1)')).toBe('FILTER(?a<?b && ?c > 1)');
  });

  it('throws KZN_QUERY_SCOPE from the engine wrapper itself, so that no entry point can skip it', () => {
    try {
      checkQueryScope('SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }');
      expect.unreachable();
    } catch (error) {
      expect(isKaizenError(error, 'KZN_QUERY_SCOPE')).toBe(true);
    }
  });
});

describe('an expensive query', () => {
  it('is stopped at the timeout with 503 KZN_QUERY_TIMEOUT, and the server answers at once after', async () => {
    const cartesian = 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } GRAPH ?i { ?x ?y ?z } }';
    const started = Date.now();
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(cartesian)}` });
    const tookMs = Date.now() - started;
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toMatchObject({ code: 'KZN_QUERY_TIMEOUT', detail: 'the query was stopped at the timeout of 500 ms' });
    // Generous: the machine is shared; the point is that it does not run on to the end.
    expect(tookMs).toBeLessThan(30_000);
    const health = await server.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe('request bodies the protocol does not define', () => {
  it.each([
    ['a JSON query that is not text', '{"query":null}'],
    ['a JSON array', '[]'],
    ['a JSON update', '{"update":"CLEAR ALL"}'],
  ])('answers %s with a 4xx problem', async (_name, body) => {
    const res = await server.app.inject({ method: 'POST', url: '/sparql', payload: body, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
