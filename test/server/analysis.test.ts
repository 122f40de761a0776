// GET /slos, /trends, /why and /reports/weekly over the fixture week: the same answers as the
// CLI commands they share their code with, and their input errors as problem+json.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { clockFrom, startTestServer, type TestServer } from './support.js';

const NOW = '2026-11-23T00:30:00.000Z';
let server: TestServer;
const cli = async (args: string[]) => {
  const r = await kaizen(server.dataDir, args, { now: Date.parse(NOW) });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const get = (url: string) => server.app.inject({ method: 'GET', url });

beforeAll(async () => {
  server = await startTestServer({ fixture: true, clock: clockFrom(NOW) });
});
afterAll(async () => {
  await server.close();
});

describe('GET /slos', () => {
  it('evaluates every shipped SLO over a week as kaizen slo does', async () => {
    const res = await get('/slos?week=2026-W47');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.window).toBe('2026-W47');
    expect(body.slos.map((s: { name: string }) => s.name).sort()).toEqual(['availability', 'latency-p99', 'queue-depth', 'signal-success']);
    expect(body.slos).toEqual(JSON.parse(await cli(['slo', '--week', '2026-W47', '--format', 'json'])).slos);
  });

  it('answers 400 for a window it does not offer and for week and window together', async () => {
    expect((await get('/slos?window=2h')).json()).toMatchObject({ status: 400, code: 'KZN_REQUEST_INVALID' });
    expect((await get('/slos?window=7d&week=2026-W47')).json().detail).toBe('query: give week or window, not both');
    expect((await get('/slos?week=48')).json()).toMatchObject({ status: 400, code: 'KZN_TIME_INVALID' });
  });
});

describe('GET /trends', () => {
  it('gives the trend of one metric as kaizen trend does', async () => {
    const body = (await get('/trends?metric=latency_p99_ms&week=2026-W47')).json();
    const expected = JSON.parse(await cli(['trend', 'latency_p99_ms', '--week', '2026-W47', '--format', 'json']));
    expect(body.trends).toHaveLength(1);
    const { metric, unit, window: _w, queries: _q, ...trend } = expected;
    expect(body.trends[0]).toMatchObject({ metric, unit, ...trend });
  });

  it('gives every metric when none is named', async () => {
    const body = (await get('/trends?week=2026-W47')).json();
    expect(body.trends.map((t: { metric: string }) => t.metric)).toContain('throughput_per_min');
    expect(body.trends.length).toBe(9);
    for (const t of body.trends) expect(['IMPROVING', 'DEGRADING', 'STABLE']).toContain(t.verdict);
  });

  it('answers 400 naming the metrics it knows for an unknown one', async () => {
    const res = await get('/trends?metric=speed');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/^query\.metric: expected one of "latency_p99_ms"/);
  });
});

describe('GET /why', () => {
  it("explains the alert's last firing as kaizen why does", async () => {
    const body = (await get('/why?alert=circuit-open&at=2026-11-17T10:05Z')).json();
    expect(body).toEqual(JSON.parse(await cli(['why', '--alert', 'circuit-open', '--at', '2026-11-17T10:05Z', '--format', 'json'])));
    expect(body.steps.length).toBeGreaterThan(0);
    expect(body.steps[0].receipts[0]).toMatch(/^urn:kaizen:receipt:local:\d+$/);
  });

  it('explains a receipt by its IRI, and a metric at a time', async () => {
    const byAlert = (await get('/why?alert=circuit-open&at=2026-11-17T10:05Z')).json();
    const byReceipt = (await get(`/why?receipt=${encodeURIComponent(byAlert.problem.iri)}`)).json();
    expect(byReceipt).toEqual(byAlert);
    const byMetric = (await get('/why?metric=circuit_open_pct&at=2026-11-17T10:05Z')).json();
    expect(byMetric.problem).toMatchObject({ className: 'CircuitOpened', component: '*' });
  });

  it('releases the raw hours it read, keeping only the open hour', async () => {
    await get('/why?alert=circuit-open&at=2026-11-17T10:05Z');
    const loaded = server.store.match(null, null, null, null).filter((q) => q.graph.value.startsWith('urn:kaizen:hour:'));
    expect(new Set(loaded.map((q) => q.graph.value.slice(-13))).has('2026-11-17T10')).toBe(false);
  });

  it.each([
    ['nothing to explain', '/why', 400, /^query: expected one of receipt=IRI/],
    ['an alert without a time', '/why?alert=circuit-open', 400, /^query\.at: a time is needed/],
    ['a time without a zone', '/why?alert=circuit-open&at=2026-11-17T10:05', 400, /^at: expected/],
    ['an alert that never fired', '/why?alert=queue-stalled&at=2026-11-17T10:05Z', 404, /^no firing of alert "queue-stalled"/],
    ['a receipt that is not in the store', '/why?receipt=urn:kaizen:receipt:local:999999', 400, /^no raw receipt/],
  ])('answers problem+json for %s', async (_name, url, status, detail) => {
    const res = await get(url);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(detail);
  });
});

describe('GET /reports/weekly', () => {
  it('renders the review as Markdown exactly as kaizen review does', async () => {
    const res = await get('/reports/weekly?week=2026-W47&format=md');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    // The same but for the moment it was generated (the server's clock runs on).
    const generated = (text: string) => text.replace(/Generated [\d:.TZ-]+/, 'Generated …');
    expect(generated(res.body)).toBe(generated(await cli(['review', '--week', '2026-W47', '--format', 'md'])));
    expect(res.body).toMatch(/^# Kaizen weekly review — 2026-W47/);
  });

  it('renders HTML by default and JSON on request', async () => {
    const html = await get('/reports/weekly?week=2026-W47');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<title>Kaizen weekly review — 2026-W47</title>');
    const json = (await get('/reports/weekly?week=2026-W47&format=json')).json();
    expect(json.week).toBe('2026-W47');
  });

  it('answers 400 for a format it does not render and a week it cannot read', async () => {
    expect((await get('/reports/weekly?format=pdf')).json().detail).toBe('query.format: expected one of "html", "md", "json"');
    expect((await get('/reports/weekly?week=W47')).json()).toMatchObject({ status: 400, code: 'KZN_TIME_INVALID' });
  });
});
