// Hostile input over HTTP: every endpoint's body and query string, fuzzed with fast-check through
// inject() on a live server over the fixture week. No case crashes the server, answers a 5xx other
// than the intended 503, or takes past the per-case bound; every refusal is a problem+json with a
// registered code; and afterwards the fixture's journal is byte for byte what it was, the chain
// verifies, and the only new receipts are the pipeline's own and those of the signals it took.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { verifyDataDir } from '../../src/store/verify.js';
import { clockFrom, startTestServer, type TestServer } from '../server/support.js';
import { journalDirOf, snapshotFiles } from '../store/support.js';
import { expectClearAnswer, hostileBody, hostileContentType, hostileQuery, hostileString, runs, within } from './hostile-values.js';

const NOW = '2026-11-23T00:30:00.000Z';
const TOKEN = 'fuzz-admin-token';
let server: TestServer;
let fixtureDays: Map<string, Buffer>;
/** What the fuzz did that may write evidence: signals answered by the pipeline, chaos switched. */
const written = { signals: 0, chaosInjected: 0 };
/** Cases run per input kind, printed at the end. */
const counted = new Map<string, number>();
const count = (kind: string): void => {
  counted.set(kind, (counted.get(kind) ?? 0) + 1);
};

beforeAll(async () => {
  server = await startTestServer({
    fixture: true,
    clock: clockFrom(NOW),
    adminToken: TOKEN,
    options: { sparqlTimeoutMs: 1_000, waitTimeoutMs: 2_000, sparqlMaxRawHours: 48 },
  });
  fixtureDays = new Map([...snapshotFiles(journalDirOf(server.dataDir))].filter(([name]) => name < '2026-11-23'));
  expect(fixtureDays.size).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await server.close();
  process.stdout.write(`http fuzz cases: ${JSON.stringify(Object.fromEntries(counted))}\n`);
});

type Method = 'GET' | 'POST' | 'DELETE';

async function send(kind: string, method: Method, url: string, payload?: string | Buffer, headers: Record<string, string> = {}) {
  count(kind);
  const res = await within(`${method} ${url.slice(0, 200)}`, server.app.inject({ method, url, headers, ...(payload !== undefined && { payload }) }));
  return { statusCode: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body };
}

/** The query-string parameters of each GET endpoint (the real ones; hostile keys are added). */
const GETS: readonly (readonly [string, readonly string[]])[] = [
  ['/health', []],
  ['/status', []],
  ['/health-score', ['window']],
  ['/metrics', []],
  ['/slos', ['week', 'window']],
  ['/trends', ['metric', 'week', 'window']],
  ['/why', ['receipt', 'alert', 'metric', 'at']],
  ['/reports/weekly', ['week', 'format', 'tz']],
  ['/sparql', ['query', 'from', 'to', 'week', 'update', 'default-graph-uri', 'named-graph-uri']],
  ['/', ['interval']],
  ['/openapi.json', []],
];

describe('hostile query strings on every GET endpoint', () => {
  it.each(GETS)('%s answers each with a clear status and never a 5xx but 503', async (route, params) => {
    await fc.assert(
      fc.asyncProperty(hostileQuery(params), async (qs) => {
        const res = await send(`GET ${route} query`, 'GET', `${route}?${qs}`);
        expectClearAnswer(`GET ${route}?${qs.slice(0, 200)}`, res, route === '/health' || route === '/sparql');
      }),
      { numRuns: runs(route === '/reports/weekly' || route === '/why' ? 40 : 60) },
    );
    // Each case is bounded on its own (within); a run of slow ones (queries stopped at the SPARQL
    // timeout) must not fail the whole endpoint on a loaded machine.
  }, 300_000);

  it('GET /signal/:id answers 404 or the signal for any id', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (id) => {
        const res = await send('GET /signal/:id', 'GET', `/signal/${encodeURIComponent(id.toWellFormed())}`);
        expectClearAnswer(`GET /signal/${id.slice(0, 50)}`, res, false);
      }),
      { numRuns: runs(60) },
    );
  });

  it('a path that climbs out of the routes is a 404 problem, never a file', async () => {
    const paths = fc.constantFrom(
      '/reports/../../../../etc/passwd',
      '/reports/..%2F..%2F..%2Fetc%2Fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/reports/weekly/..%5C..%5Cpackage.json',
      '/..;/package.json',
      '/reports/%00',
      '//etc/passwd',
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(paths, hostileString.map((s) => `/${encodeURIComponent(s.toWellFormed())}`)), async (url) => {
        const res = await send('GET path', 'GET', url);
        expectClearAnswer(`GET ${url.slice(0, 100)}`, res, false);
        expect(res.body).not.toMatch(/root:x:0:0|"name": "kaizen"/);
      }),
      { numRuns: runs(60) },
    );
  });
});

const SIGNAL_FIELDS = ['signal_type', 'priority', 'payload', 'timeout_ms'];

describe('hostile bodies on every POST endpoint', () => {
  it('POST /signal takes a signal or refuses the body by name', async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody(SIGNAL_FIELDS), hostileContentType, fc.constantFrom('', '?wait=true', '?wait=maybe', '?wait=1&x=2'), async (body, type, qs) => {
        const res = await send('POST /signal body', 'POST', `/signal${qs}`, body, type === undefined ? {} : { 'content-type': type });
        expectClearAnswer(`POST /signal${qs} ${type} ${String(body).slice(0, 200)}`, res, true);
        if ([200, 202, 429, 503].includes(res.statusCode)) written.signals++;
        if (res.statusCode === 504) throw new Error('a ?wait=true signal timed out');
      }),
      { numRuns: runs(200) },
    );
  });

  it('POST /signal with signal-shaped bodies of wrong types and edge numbers', async () => {
    const value = fc.oneof(fc.constantFrom(null, true, [], {}, '', 'execute', -1, 0, 5, 1.5, 1e308, -0, 2 ** 64), hostileString);
    const payload = fc.record({ type: value, latency_ms: value, __proto__: value }, { requiredKeys: [] });
    const signal = fc.record({ signal_type: fc.oneof(fc.constantFrom('validate', 'execute', 'report'), value), priority: value, payload: fc.oneof(payload, value), timeout_ms: value }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(signal, async (s) => {
        const res = await send('POST /signal typed', 'POST', '/signal', JSON.stringify(s), { 'content-type': 'application/json' });
        expectClearAnswer(`POST /signal ${JSON.stringify(s).slice(0, 200)}`, res, true);
        if ([202, 429, 503].includes(res.statusCode)) written.signals++;
      }),
      { numRuns: runs(150) },
    );
  });

  it('POST /sparql refuses what is not a read-only query over the evidence', async () => {
    const words = ['SELECT', '*', 'WHERE', '{', '}', '?s', '?p', '?o', '?g', 'GRAPH', 'SERVICE', 'SILENT', '<file:///etc/passwd>', '<http://127.0.0.1:1/sparql>', 'FROM', 'NAMED', 'LIMIT', '1', 'INSERT', 'DATA', 'DELETE', 'LOAD', 'CLEAR', 'ALL', '"x"', "'''", '#', '\n', 'FILTER', '(', ')', 'OPTIONAL', 'UNION', 'BIND', 'AS', 'COUNT', 'GROUP BY', 'ORDER BY', 'ASK', 'CONSTRUCT', 'DESCRIBE', 'PREFIX', 'kz:', '<https://w3id.org/kaizen/ns#>', '.', ';', ','];
    const sparqlish = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 30 }).map((ws) => ws.join(' '));
    const body = fc.oneof({ weight: 3, arbitrary: sparqlish }, { weight: 1, arbitrary: hostileBody(['query', 'update']) });
    const type = fc.constantFrom('application/sparql-query', 'application/sparql-update', 'application/x-www-form-urlencoded', 'application/json', 'text/plain');
    await fc.assert(
      fc.asyncProperty(body, type, async (b, t) => {
        const payload = t === 'application/x-www-form-urlencoded' && typeof b === 'string' ? `query=${encodeURIComponent(b.toWellFormed())}` : b;
        const res = await send('POST /sparql body', 'POST', '/sparql', payload, { 'content-type': t });
        expectClearAnswer(`POST /sparql ${t} ${String(b).slice(0, 200)}`, res, true);
      }),
      { numRuns: runs(150) },
    );
  });

  it('POST and DELETE /chaos refuse every request without the admin token, whatever the body', async () => {
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('Bearer', 'Bearer ', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `bearer${TOKEN}`, TOKEN, `Bearer ${TOKEN.toUpperCase()}`),
      hostileString.map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`),
    );
    await fc.assert(
      fc.asyncProperty(authorization, hostileBody(['downstream_enabled', 'downstream_latency_ms', 'crash_worker', 'restart_after_ms', 'queue_stall']), fc.constantFrom<Method>('POST', 'DELETE'), async (auth, body, method) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth !== undefined && { authorization: auth }) };
        const res = await send('/chaos without the token', method, '/chaos', method === 'POST' ? body : undefined, headers);
        expectClearAnswer(`${method} /chaos ${auth}`, res, false);
        expect([400, 401, 413, 415]).toContain(res.statusCode);
        if (res.statusCode === 401) expect(res.headers['www-authenticate']).toBe('Bearer realm="kaizen"');
      }),
      { numRuns: runs(120) },
    );
    expect(server.live.status().chaos).toEqual([]);
  });

  it('POST /chaos with the token switches faults or refuses the body by name', async () => {
    const fields = ['downstream_enabled', 'downstream_latency_ms', 'crash_worker', 'restart_after_ms', 'queue_stall'];
    await fc.assert(
      fc.asyncProperty(hostileBody(fields), async (body) => {
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
        const res = await send('/chaos with the token', 'POST', '/chaos', body, headers);
        expectClearAnswer(`POST /chaos ${String(body).slice(0, 200)}`, res, false);
        if (res.statusCode === 200) {
          const { changes } = JSON.parse(res.body) as { changes: { action: string }[] };
          written.chaosInjected += changes.filter((c) => c.action === 'injected').length;
          const cleared = await send('/chaos with the token', 'DELETE', '/chaos', undefined, { authorization: `Bearer ${TOKEN}` });
          expect(cleared.statusCode).toBe(200);
        }
      }),
      { numRuns: runs(80) },
    );
  });
});

describe('the cases the fuzz found', () => {
  it('answers a query with an undeclared prefix 400 KZN_QUERY_SYNTAX naming the prefix', async () => {
    const res = await send('found', 'POST', '/sparql', 'DESCRIBE kz:', { 'content-type': 'application/sparql-query' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'KZN_QUERY_SYNTAX', detail: expect.stringMatching(/unknown prefix: kz/i) });
  });

  it('refuses payload.latency_ms over 60 s, which would hold a worker for good', async () => {
    const res = await send('found', 'POST', '/signal', JSON.stringify({ signal_type: 'execute', payload: { latency_ms: 1e308 } }), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'KZN_REQUEST_INVALID', detail: 'body.payload.latency_ms: must be <= 60000' });
  });

  it.each([
    ['a restart without a crash', { downstream_enabled: false, restart_after_ms: 5 }, 'body.restart_after_ms: only with crash_worker'],
    ['a crash of a worker that is not there', { downstream_enabled: false, queue_stall: true, crash_worker: 'worker-99' }, /worker-99/],
  ])('refuses a chaos request with %s whole, switching nothing', async (_name, body, detail) => {
    const res = await send('found', 'POST', '/chaos', JSON.stringify(body), { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).detail).toMatch(detail);
    expect(server.live.status().chaos).toEqual([]);
  });

  it('answers an over-long path segment and a bad percent-encoding with a problem', async () => {
    const long = await send('found', 'GET', `/signal/${'a'.repeat(500)}`);
    expect(long.statusCode).toBe(400);
    expect(JSON.parse(long.body)).toMatchObject({ code: 'KZN_REQUEST_INVALID', detail: 'url: a path segment is longer than 100 characters' });
    const bad = await send('found', 'GET', '/signal/%E0%A4%A');
    expectClearAnswer('GET /signal/%E0%A4%A', bad, false);
  });
});

describe('after the fuzz', () => {
  it('the fixture week is byte for byte what it was, and the chain verifies with only the receipts the fuzz was answered for', async () => {
    await server.live.durable();
    const now = new Map([...snapshotFiles(journalDirOf(server.dataDir))].filter(([name]) => name < '2026-11-23'));
    expect([...now.keys()]).toEqual([...fixtureDays.keys()]);
    for (const [name, bytes] of fixtureDays) expect(now.get(name)?.equals(bytes), name).toBe(true);
    expect(verifyDataDir(server.dataDir)).toMatchObject({ ok: true });
    // The receipts of the live day: each signal answered 2xx/429/503 left one receipt at the door
    // (accepted or rejected), and only the faults the token switched on left a chaos receipt.
    const reader = openEmbeddedStore({ dataDir: server.dataDir, readOnly: true });
    try {
      const types = new Map<string, number>();
      for await (const r of reader.exportReceipts({ fromMs: Date.parse('2026-11-23T00:00:00Z'), toMs: Date.parse('2026-11-24T00:00:00Z') })) {
        const type = r.quads.find((q) => q.predicate.value === 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type')?.object.value ?? '';
        const name = type.slice(type.lastIndexOf('#') + 1);
        types.set(name, (types.get(name) ?? 0) + 1);
      }
      const door = (types.get('SignalAccepted') ?? 0) + (types.get('SignalRejected') ?? 0);
      expect(door, JSON.stringify(Object.fromEntries(types))).toBe(written.signals);
      expect(types.get('ChaosInjected') ?? 0).toBe(written.chaosInjected);
    } finally {
      await reader.close();
    }
  });
});
