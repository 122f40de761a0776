// POST and DELETE /chaos: off without KAIZEN_ADMIN_TOKEN, refused without the right bearer token,
// and each field bringing its fault to the state asked for. And GET /openapi.json and GET / (the board).

import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support.js';

const TOKEN = 's3cret-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function chaos(payload: unknown, headers: Record<string, string> = auth) {
  return (server as TestServer).app.inject({ method: 'POST', url: '/chaos', payload: payload as object, headers });
}
const kinds = () => (server as TestServer).live.status().chaos.map((c) => c.kind);

describe('chaos without KAIZEN_ADMIN_TOKEN', () => {
  it('is off: 403 KZN_CHAOS_DISABLED for POST and DELETE', async () => {
    server = await startTestServer();
    const post = await chaos({ downstream_enabled: false });
    expect(post.statusCode).toBe(403);
    expect(post.json()).toMatchObject({ code: 'KZN_CHAOS_DISABLED' });
    expect((await server.app.inject({ method: 'DELETE', url: '/chaos', headers: auth })).statusCode).toBe(403);
    expect(kinds()).toEqual([]);
  });
});

describe('chaos with KAIZEN_ADMIN_TOKEN', () => {
  it.each([
    ['no token', {}, 'Authorization: expected a bearer token'],
    ['a wrong token', { authorization: 'Bearer guess' }, 'Authorization: the bearer token is not the admin token'],
    ['another scheme', { authorization: `Basic ${TOKEN}` }, 'Authorization: the bearer token is not the admin token'],
  ])('answers 401 with WWW-Authenticate for %s', async (_name, headers, detail) => {
    server = await startTestServer({ adminToken: TOKEN });
    const res = await chaos({ downstream_enabled: false }, headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ code: 'KZN_UNAUTHORIZED', detail });
    expect(kinds()).toEqual([]);
  });

  it('takes the downstream down and brings it back', async () => {
    server = await startTestServer({ adminToken: TOKEN });
    const down = (await chaos({ downstream_enabled: false })).json();
    expect(down.changes).toEqual([{ action: 'injected', kind: 'downstream-down', id: expect.stringMatching(/^chaos-/) }]);
    expect((await chaos({ downstream_enabled: false })).json().changes).toEqual([]);
    expect(kinds()).toEqual(['downstream-down']);
    const up = (await chaos({ downstream_enabled: true })).json();
    expect(up.changes).toEqual([{ action: 'cleared', kind: 'downstream-down', id: down.changes[0].id }]);
    expect(up.active).toEqual([]);
  });

  it('sets, replaces and removes added latency', async () => {
    server = await startTestServer({ adminToken: TOKEN });
    await chaos({ downstream_latency_ms: 500 });
    const again = (await chaos({ downstream_latency_ms: 200 })).json();
    expect(again.changes.map((c: { action: string }) => c.action)).toEqual(['cleared', 'injected']);
    expect(kinds()).toEqual(['added-latency']);
    await chaos({ downstream_latency_ms: 0 });
    expect(kinds()).toEqual([]);
  });

  it('crashes a named worker and stalls the queue, and DELETE clears everything', async () => {
    server = await startTestServer({ adminToken: TOKEN });
    const res = await chaos({ crash_worker: 'worker-2', queue_stall: true });
    expect(res.statusCode).toBe(200);
    expect(kinds().sort()).toEqual(['queue-stall', 'worker-crash']);
    expect(server.live.status().workers.find((w) => w.name === 'worker-2')?.alive).toBe(false);
    const cleared = (await server.app.inject({ method: 'DELETE', url: '/chaos', headers: auth })).json();
    expect(cleared.cleared).toHaveLength(2);
    expect(kinds()).toEqual([]);
    expect(server.live.status().workers.every((w) => w.alive)).toBe(true);
  });

  it.each([
    ['an unknown worker', { crash_worker: 'worker-9' }, 'body: worker: expected one of worker-1, worker-2, worker-3, worker-4, got "worker-9"'],
    ['nothing to do', {}, 'body: must NOT have fewer than 1 properties'],
    ['an unknown field', { downstream: false }, 'body: unknown field "downstream"'],
    ['a negative latency', { downstream_latency_ms: -5 }, 'body.downstream_latency_ms: must be >= 0'],
    ['a restart without a crash', { restart_after_ms: 100 }, 'body.restart_after_ms: only with crash_worker'],
  ])('answers 400 for %s', async (_name, payload, detail) => {
    server = await startTestServer({ adminToken: TOKEN });
    const res = await chaos(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'KZN_REQUEST_INVALID', detail });
  });

  it('journals each switch as a chaos receipt', async () => {
    server = await startTestServer({ adminToken: TOKEN });
    await chaos({ queue_stall: true });
    await chaos({ queue_stall: false });
    expect(server.live.stats.count('chaos.injected')).toBe(1);
    expect(server.live.stats.count('chaos.cleared')).toBe(1);
    expect(server.live.writer.counts.buffered).toBe(0);
  });
});

describe('GET /openapi.json', () => {
  it('describes every route of the API as OpenAPI 3.1', async () => {
    server = await startTestServer();
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining(['/chaos', '/health', '/health-score', '/reports/weekly', '/signal', '/signal/{id}', '/slos', '/sparql', '/status', '/trends', '/why']),
    );
    expect(doc.paths['/signal'].post.requestBody.content['application/json'].schema.required).toEqual(['signal_type', 'payload']);
    expect(doc.paths['/chaos'].post.security).toEqual([{ admin: [] }]);
  });
});

describe('GET /', () => {
  it('serves the Andon board as one page whose style and script carry the nonce of its CSP', async () => {
    server = await startTestServer();
    const res = await server.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
    expect(nonce).toBeDefined();
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(res.body).toContain(`<style nonce="${nonce}">`);
    for (const pillar of ['jidoka', 'kanban', 'heijunka', 'andon']) expect(res.body).toContain(`data-pillar="${pillar}"`);
    expect(res.body).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
    const again = await server.app.inject({ method: 'GET', url: '/' });
    expect(again.headers['content-security-policy']).not.toBe(res.headers['content-security-policy']);
  });
});
