// Access control: the bearer tokens (compared in constant time over SHA-256 digests), the signal
// token of KAIZEN_SIGNAL_TOKEN, the loopback default of kaizen serve, and what evidence text can
// do to a rendered report.

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerTokenOf, tokensMatch } from '../../src/server/auth.js';
import { kaizen } from '../cli/run-cli.js';
import { QUICK, serveCli, startTestServer, type TestServer } from '../server/support.js';
import { useTempDirs } from '../store/support.js';

const SIGNAL_TOKEN = 'signal-secret-1';
const ADMIN_TOKEN = 'admin-secret-2';

describe('the token comparison', () => {
  it('is equality, for tokens of any length and any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(tokensMatch(a, b)).toBe(a === b);
        expect(tokensMatch(a, a)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('compares equal-length digests, so that tokens of different lengths are compared rather than refused early', () => {
    // crypto.timingSafeEqual throws on buffers of different lengths: these would throw if the
    // raw tokens were compared, and would answer early (leaking the length) if a length check came first.
    expect(tokensMatch('a', 'a much longer token than that')).toBe(false);
    expect(tokensMatch('', ADMIN_TOKEN)).toBe(false);
    expect(tokensMatch(`${ADMIN_TOKEN}\u0000`, ADMIN_TOKEN)).toBe(false);
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Basic abc', undefined],
    ['Bearerabc', undefined],
    ['abc', undefined],
    ['', undefined],
  ])('reads the token of %j as %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });
});

describe('with KAIZEN_SIGNAL_TOKEN set', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ signalToken: SIGNAL_TOKEN, adminToken: ADMIN_TOKEN });
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['the admin token', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ['the token as Basic credentials', { authorization: `Basic ${SIGNAL_TOKEN}` }],
    ['the token with a byte more', { authorization: `Bearer ${SIGNAL_TOKEN}x` }],
  ])('refuses POST /signal with %s: 401 KZN_UNAUTHORIZED, before the pipeline sees it', async (_name, headers) => {
    const submitted = async () => (await server.app.inject({ method: 'GET', url: '/status' })).json().kanban.submitted as number;
    const before = await submitted();
    const res = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kaizen"');
    expect(res.json()).toMatchObject({ code: 'KZN_UNAUTHORIZED' });
    expect(res.json().detail).toMatch(/^Authorization: (expected a bearer token|the bearer token is not the signal token)$/);
    expect(await submitted()).toBe(before);
  });

  it('takes a signal with the token, and shows it only with the token', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers: { authorization: `Bearer ${SIGNAL_TOKEN}` } });
    expect(res.statusCode).toBe(202);
    const id = res.json().signal_id as string;
    expect((await server.app.inject({ method: 'GET', url: `/signal/${id}` })).statusCode).toBe(401);
    const seen = await server.app.inject({ method: 'GET', url: `/signal/${id}`, headers: { authorization: `Bearer ${SIGNAL_TOKEN}` } });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().signal_id).toBe(id);
  });

  it('keeps the read-only endpoints open and chaos behind the admin token alone', async () => {
    for (const url of ['/health', '/status', '/metrics', '/health-score']) {
      expect((await server.app.inject({ method: 'GET', url })).statusCode, url).toBeLessThan(400);
    }
    const chaos = await server.app.inject({ method: 'DELETE', url: '/chaos', headers: { authorization: `Bearer ${SIGNAL_TOKEN}` } });
    expect(chaos.statusCode).toBe(401);
    expect(chaos.json().detail).toBe('Authorization: the bearer token is not the admin token');
  });

  it('says in the OpenAPI description that the signal routes need the bearer token', async () => {
    const api = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(api.paths['/signal'].post.security).toEqual([{ signal: [] }]);
    expect(api.components.securitySchemes.signal).toEqual({ type: 'http', scheme: 'bearer' });
  });
});

describe('without KAIZEN_SIGNAL_TOKEN', () => {
  it('takes signals without a token', async () => {
    const server = await startTestServer();
    try {
      const res = await server.app.inject({ method: 'POST', url: '/signal', payload: QUICK });
      expect(res.statusCode).toBe(202);
    } finally {
      await server.close();
    }
  });
});

describe('kaizen serve', () => {
  it('listens on 127.0.0.1 by default and takes KAIZEN_SIGNAL_TOKEN from its environment', async () => {
    const served = serveCli([], { KAIZEN_SIGNAL_TOKEN: SIGNAL_TOKEN });
    try {
      const url = await served.url;
      expect(new URL(url).hostname).toBe('127.0.0.1');
      const post = (headers: Record<string, string>) =>
        fetch(`${url}/signal`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(QUICK) });
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: `Bearer ${SIGNAL_TOKEN}` })).status).toBe(202);
    } finally {
      served.stop();
      expect(await served.exit).toBe(0);
      fs.rmSync(served.dataDir, { recursive: true, force: true });
    }
  });
});

describe('evidence text in a rendered report', () => {
  const tempDir = useTempDirs();
  it('is escaped in the HTML review the API serves: no element, attribute or script from it', async () => {
    const dataDir = tempDir();
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const lines = [
      { type: 'circuit.opened', time: '2026-11-17T10:00:00.000Z', component: hostile, reason: '"><svg onload=alert(3)>' },
      { type: 'alert.fired', time: '2026-11-17T10:00:05.000Z', component: hostile, alert: `</style>${hostile}`, severity: 'critical', value: 5 },
      { type: 'task.failed', time: '2026-11-17T10:00:06.000Z', component: hostile, value: 12, unit: 'ms', reason: '{{constructor.constructor}}' },
      { type: 'circuit.closed', time: '2026-11-17T10:05:00.000Z', component: hostile },
    ];
    const file = path.join(dataDir, 'hostile.jsonl');
    fs.writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    expect((await kaizen(path.join(dataDir, 'data'), ['import', file])).code).toBe(0);
    const server = await startTestServer({ dataDir: path.join(dataDir, 'data') });
    try {
      const res = await server.app.inject({ method: 'GET', url: '/reports/weekly?week=2026-W47&format=html' });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toMatch(/<script>alert|<img src=x|<svg onload|onerror=alert\(2\)>/);
      expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const md = await server.app.inject({ method: 'GET', url: '/reports/weekly?week=2026-W47&format=md' });
      expect(md.body).not.toMatch(/<script>|<img /);
    } finally {
      await server.close();
    }
  });
});
