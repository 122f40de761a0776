// POST /signal and GET /signal/:id through inject(): accepted, waited for, refused with the
// circuit open or the queue full, and every bad body a problem+json with a registry code.

import { afterEach, describe, expect, it } from 'vitest';
import { QUICK, startTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function started(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  server = await startTestServer(options);
  return server;
}

describe('POST /signal', () => {
  it('answers 202 with the signal and trace ids once the signal.accepted receipt is journaled', async () => {
    const { app, live } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ status: 'accepted' });
    expect(body.signal_id).toMatch(/^[\da-f-]{36}$/);
    expect(body.trace_id).toMatch(/^[\da-f]{32}$/);
    expect(live.writer.counts.durable).toBeGreaterThan(0);
    expect(res.headers['x-trace-id']).toBe(body.trace_id);
  });

  it('takes the trace id of a traceparent header into the signal', async () => {
    const { app } = await started();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({ method: 'POST', url: '/signal', payload: QUICK, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.json().trace_id).toBe(traceId);
  });

  it('waits for the outcome with ?wait=true and gives its duration and stage timings', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal?wait=true', payload: { ...QUICK, priority: 1 } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('completed');
    expect(body.duration_ms).toBeGreaterThanOrEqual(1);
    expect(Object.keys(body.stages).sort()).toEqual(['enqueue_ms', 'jidoka_check_ms', 'process_ms', 'queue_wait_ms', 'receive_ms', 'record_ms']);
    expect(body.stages.process_ms).toBe(1);
  });

  it('reports a failed outcome with its reason when the downstream is down', async () => {
    const { app, live } = await started();
    live.injectChaos({ kind: 'downstream-down' });
    const res = await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    expect(res.json()).toMatchObject({ status: 'failed', reason: 'downstream-unavailable' });
  });

  it('refuses with 503 and Retry-After while the circuit is open', async () => {
    const { app, live } = await started({ env: { TPS_CB_TIMEOUT: '60' } });
    live.injectChaos({ kind: 'downstream-down' });
    for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    expect(live.status().circuit).toBe('open');
    const res = await app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'rejected', reason: 'circuit-open' });
    expect(res.headers['retry-after']).toBe('60');
  });

  it('refuses with 429 and Retry-After once the queue is full', async () => {
    const { app, live } = await started({ env: { TPS_KANBAN_BUFFER: '3' } });
    live.injectChaos({ kind: 'queue-stall' });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ method: 'POST', url: '/signal', payload: QUICK })).statusCode);
    expect(codes).toEqual([202, 202, 202, 429, 429]);
    const res = await app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    expect(res.json()).toMatchObject({ status: 'rejected', reason: 'queue-full' });
    expect(res.headers['retry-after']).toBe('1');
  });

  it.each([
    ['a missing signal_type', { payload: {} }, /missing required field "signal_type"/],
    ['an unknown signal_type', { signal_type: 'launch', payload: {} }, /signal_type: expected one of "validate", "execute", "report"/],
    ['a priority out of range', { signal_type: 'execute', priority: 7, payload: {} }, /body\.priority: must be <= 4/],
    ['a priority given as text', { signal_type: 'execute', priority: '2', payload: {} }, /body\.priority: must be integer/],
    ['an unknown field', { signal_type: 'execute', payload: {}, latency: 3 }, /unknown field "latency"/],
    ['a bad work type', { signal_type: 'execute', payload: { type: 'medium' } }, /body\.payload\.type: expected one of "quick", "slow"/],
  ])('answers 400 problem+json KZN_REQUEST_INVALID for %s', async (_name, payload, detail) => {
    const { app } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal', payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code: 'KZN_REQUEST_INVALID', title: 'HTTP request does not match the API schema', instance: '/signal' });
    expect(problem.detail).toMatch(detail);
    expect(problem.trace_id).toMatch(/^[\da-f]{32}$/);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal', payload: '{"signal_type":', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('KZN_REQUEST_INVALID');
  });

  it('answers 415 for a body that is not JSON by its media type', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal', payload: '<signal/>', headers: { 'content-type': 'application/xml' } });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('KZN_UNSUPPORTED_MEDIA');
  });

  it('answers 413 for a body over the size limit', async () => {
    const { app } = await started({ options: { bodyLimitBytes: 1024 } });
    const res = await app.inject({ method: 'POST', url: '/signal', payload: { ...QUICK, payload: { blob: 'x'.repeat(2000) } } });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('KZN_BODY_TOO_LARGE');
  });

  it('answers 400 for a wait flag that is not a boolean', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'POST', url: '/signal?wait=soon', payload: QUICK });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/query\.wait: must be boolean/);
  });
});

describe('GET /signal/:id', () => {
  it("gives a completed signal's state, outcome and receipts in time order", async () => {
    const { app } = await started();
    const done = (await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK })).json();
    const res = await app.inject({ method: 'GET', url: `/signal/${done.signal_id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'completed', signal_id: done.signal_id, trace_id: done.trace_id, attempts: 1 });
    expect(body.receipts.map((r: { type: string }) => r.type)).toEqual(['SignalAccepted', 'TaskCompleted']);
    expect(body.receipts[0].iri).toMatch(/^urn:kaizen:receipt:local:\d+$/);
  });

  it('shows a refused signal as rejected with its reason and its signal.rejected receipt', async () => {
    const { app, live } = await started({ env: { TPS_KANBAN_BUFFER: '1' } });
    live.injectChaos({ kind: 'queue-stall' });
    await app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    const refused = (await app.inject({ method: 'POST', url: '/signal', payload: QUICK })).json();
    const body = (await app.inject({ method: 'GET', url: `/signal/${refused.signal_id}` })).json();
    expect(body).toMatchObject({ status: 'rejected', reason: 'queue-full' });
    expect(body.receipts.map((r: { type: string }) => r.type)).toEqual(['SignalRejected']);
  });

  it('answers 404 problem+json for a signal it does not know', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'GET', url: '/signal/no-such-signal' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'KZN_NOT_FOUND', status: 404 });
  });
});

describe('routes that do not exist', () => {
  it('answer 404 problem+json naming the route', async () => {
    const { app } = await started();
    const res = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'KZN_NOT_FOUND', detail: 'no route GET /nowhere' });
  });
});
