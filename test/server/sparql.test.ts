// GET|POST /sparql over the fixture week: the SPARQL 1.1 Protocol's forms, content negotiation,
// updates refused, and the timeout and result limit as clear errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeUpdate, negotiate } from '../../src/server/routes-sparql.js';
import { EXPECTED } from '../store/support.js';
import { clockFrom, startTestServer, type TestServer } from './support.js';

const NOW = '2026-11-23T00:30:00.000Z';
const COUNT = 'PREFIX kz: <https://w3id.org/kaizen/ns#> SELECT (COUNT(?r) AS ?n) WHERE { GRAPH ?g { ?r a kz:TaskCompleted } }';
const CONSTRUCT = 'PREFIX kz: <https://w3id.org/kaizen/ns#> CONSTRUCT { ?r a kz:TaskCompleted } WHERE { GRAPH ?g { ?r a kz:TaskCompleted } } LIMIT 2';
const q = (text: string) => encodeURIComponent(text);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ fixture: true, clock: clockFrom(NOW), options: { sparqlResultLimit: 50, sparqlMaxRawHours: 7 * 24 } });
});
afterAll(async () => {
  await server.close();
});

describe('GET /sparql', () => {
  it('answers a SELECT over a week in the SPARQL 1.1 Query Results JSON format', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(COUNT)}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/sparql-results\+json/);
    const body = res.json();
    expect(body.head.vars).toEqual(['n']);
    expect(Number(body.results.bindings[0].n.value)).toBe(EXPECTED.countByType['task.completed']);
  });

  it.each([
    ['text/csv', 'text/csv; charset=utf-8', `n\r\n${EXPECTED.countByType['task.completed']}\r\n`],
    ['text/tab-separated-values', 'text/tab-separated-values; charset=utf-8', `?n\n${EXPECTED.countByType['task.completed']}\n`],
    ['text/html;q=0.9, text/*;q=0.5', 'text/csv; charset=utf-8', `n\r\n${EXPECTED.countByType['task.completed']}\r\n`],
  ])('negotiates %s', async (accept, type, body) => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(COUNT)}`, headers: { accept } });
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toBe(body);
    expect(res.headers.vary).toBe('Accept');
  });

  it('answers graph results as Turtle, or N-Quads on request', async () => {
    const turtle = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(CONSTRUCT)}` });
    expect(turtle.headers['content-type']).toBe('text/turtle; charset=utf-8');
    expect(turtle.body).toMatch(/a kz:TaskCompleted/);
    const nquads = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(CONSTRUCT)}`, headers: { accept: 'application/n-quads' } });
    expect(nquads.headers['content-type']).toBe('application/n-quads');
    expect(nquads.body.trim().split('\n')).toHaveLength(2);
  });

  it('answers ASK with a boolean', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q('ASK { GRAPH ?g { ?s ?p ?o } }')}` });
    expect(res.json()).toEqual({ head: {}, boolean: true });
  });

  it('reads the current hour and the last week of rollups when no partitions are named', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?query=${q(COUNT)}` });
    expect(Number(res.json().results.bindings[0].n.value)).toBe(0);
  });
});

describe('POST /sparql', () => {
  it('takes the query as an application/sparql-query body', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/sparql?week=2026-W47', payload: COUNT, headers: { 'content-type': 'application/sparql-query' } });
    expect(Number(res.json().results.bindings[0].n.value)).toBe(EXPECTED.countByType['task.completed']);
  });

  it('takes the query as a form field', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/sparql',
      payload: `week=2026-W47&query=${q(COUNT)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(Number(res.json().results.bindings[0].n.value)).toBe(EXPECTED.countByType['task.completed']);
  });
});

describe('what /sparql refuses', () => {
  it.each([
    ['an update body', { method: 'POST', url: '/sparql', payload: 'CLEAR ALL', headers: { 'content-type': 'application/sparql-update' } }],
    ['an update form field', { method: 'POST', url: '/sparql', payload: 'update=DROP%20ALL', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['an update in the query parameter', { method: 'GET', url: `/sparql?query=${q('INSERT DATA { <urn:a> <urn:b> <urn:c> }')}` }],
  ] as const)('refuses %s with 403 KZN_SPARQL_UPDATE', async (_name, request) => {
    const res = await server.app.inject(request);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'KZN_SPARQL_UPDATE', detail: 'SPARQL updates are refused: evidence is append-only' });
  });

  it('answers 400 KZN_QUERY_SYNTAX for a query it cannot parse', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?query=${q('SELECT WHERE {')}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KZN_QUERY_SYNTAX');
  });

  it('answers 422 KZN_QUERY_LIMIT when the result has more rows than the limit', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q('SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }')}` });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/^the query gave \d+ rows, more than the limit of 50$/);
  });

  it('answers 406 for an Accept it cannot meet', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(COUNT)}`, headers: { accept: 'application/sparql-results+xml' } });
    expect(res.statusCode).toBe(406);
    expect(res.json().detail).toMatch(/offered as application\/sparql-results\+json, application\/json, text\/csv/);
  });

  it.each([
    ['no query', '/sparql', /^query: expected a SPARQL query/],
    ['a dataset', `/sparql?query=${q(COUNT)}&default-graph-uri=urn:x`, /^default-graph-uri and named-graph-uri are not supported/],
    ['too many raw hours', `/sparql?query=${q(COUNT)}&from=2026-11-01&to=2026-11-30`, /^from\/to: at most 168 hours of raw receipts per query, got 696\.0/],
    ['an unknown parameter', `/sparql?query=${q(COUNT)}&timeout=5`, /unknown field "timeout"/],
  ])('answers 400 for %s', async (_name, url, detail) => {
    const res = await server.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(detail);
  });
});

describe('the query timeout', () => {
  it('answers 503 KZN_QUERY_TIMEOUT when a query runs past it', async () => {
    const slow = await startTestServer({ fixture: true, clock: clockFrom(NOW), options: { sparqlTimeoutMs: 1, sparqlMaxRawHours: 7 * 24 } });
    try {
      const cross = 'SELECT * WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }';
      const res = await slow.app.inject({ method: 'GET', url: `/sparql?week=2026-W47&query=${q(cross)}` });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'KZN_QUERY_TIMEOUT', detail: 'the query was stopped at the timeout of 1 ms' });
    } finally {
      await slow.close();
    }
  });
});

describe('the protocol helpers', () => {
  it.each([
    ['SELECT * WHERE { ?s ?p ?o }', false],
    ['PREFIX ex: <http://ex/insert#> SELECT ?add WHERE { ?s ex:delete ?add } # DROP this', false],
    ['SELECT * WHERE { ?s ?p "INSERT DATA" }', false],
    ['INSERT DATA { <urn:a> <urn:b> <urn:c> }', true],
    ['PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }', true],
  ])('sees whether %j is an update', (text, update) => {
    expect(looksLikeUpdate(text)).toBe(update);
  });

  it('honours q-values and wildcards, and refuses what it does not offer', () => {
    expect(negotiate('text/csv;q=0.5, application/json', 'bindings')?.[0]).toBe('application/json');
    expect(negotiate('*/*', 'quads')?.[0]).toBe('text/turtle');
    expect(negotiate('application/n-quads;q=0, text/turtle;q=0.1', 'quads')?.[0]).toBe('text/turtle');
    expect(negotiate('image/png', 'bindings')).toBeUndefined();
  });
});
