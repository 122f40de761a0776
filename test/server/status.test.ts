// GET /health, GET /status and GET /health-score through inject().

import { afterEach, describe, expect, it } from 'vitest';
import { kaizen } from '../cli/run-cli.js';
import { clockFrom, QUICK, startTestServer, steppingClock, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('GET /health', () => {
  it('is 200 healthy with the circuit closed and every worker up', async () => {
    server = await startTestServer();
    const res = await server.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'healthy', circuit_state: 'Closed', queue_depth: 0, active_workers: 4, error_rate: 0, journal: 'ok' });
  });

  it('is 200 degraded while a worker is down', async () => {
    server = await startTestServer();
    server.live.injectChaos({ kind: 'worker-crash', worker: 'worker-1' });
    const res = await server.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'degraded', active_workers: 3 });
  });

  it('is 503 unhealthy while the circuit is open', async () => {
    server = await startTestServer({ env: { TPS_CB_TIMEOUT: '60' } });
    const { app, live } = server;
    live.injectChaos({ kind: 'downstream-down' });
    for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unhealthy', circuit_state: 'Open', error_rate: 1 });
  });
});

describe('GET /status', () => {
  it('has the five sections with the names of the API', async () => {
    server = await startTestServer();
    const { app } = server;
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    const body = (await app.inject({ method: 'GET', url: '/status' })).json();
    expect(Object.keys(body.jidoka)).toEqual(expect.arrayContaining(['circuit_breaker', 'failures', 'health_checks', 'rejections']));
    expect(Object.keys(body.kanban)).toEqual(expect.arrayContaining(['queue_max_size', 'queue_current_depth', 'workers', 'processing_rate']));
    expect(Object.keys(body.heijunka)).toEqual(
      expect.arrayContaining(['worker_loads', 'imbalance_factor', 'avg_per_worker', 'max_per_worker', 'min_per_worker', 'rebalance_attempts']),
    );
    expect(Object.keys(body.kaizen)).toEqual(
      expect.arrayContaining(['percentile_p50', 'percentile_p90', 'percentile_p99', 'avg', 'max', 'samples', 'component_breakdown']),
    );
    expect(Object.keys(body.andon)).toEqual(expect.arrayContaining(['lights', 'active_alerts']));
    expect(body.jidoka.circuit_breaker).toBe('Closed');
    expect(body.kanban).toMatchObject({ queue_max_size: 1000, queue_current_depth: 0, workers: 4, completed: 3 });
    expect(body.kaizen.samples).toBe(3);
    expect(body.kaizen.component_breakdown.process_ms).toBe(1);
    expect(body.kaizen.max).toBeGreaterThanOrEqual(body.kaizen.avg);
    expect(Object.keys(body.heijunka.worker_loads)).toEqual(['worker-1', 'worker-2', 'worker-3', 'worker-4']);
    expect(body.andon.lights).toMatchObject({ jidoka: 'GREEN', overall: expect.stringMatching(/GREEN|YELLOW|RED/) });
  });

  it('counts rejections and shows the circuit-open alert once the circuit opens', async () => {
    server = await startTestServer({ env: { TPS_CB_TIMEOUT: '60' } });
    const { app, live } = server;
    live.injectChaos({ kind: 'downstream-down' });
    for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    await app.inject({ method: 'POST', url: '/signal', payload: QUICK });
    const body = (await app.inject({ method: 'GET', url: '/status' })).json();
    expect(body.jidoka).toMatchObject({ circuit_breaker: 'Open', failures: 5, rejections: 1, circuit_opens: 1 });
    expect(body.andon.lights.jidoka).toBe('RED');
    expect(body.andon.active_alerts.map((a: { name: string }) => a.name)).toContain('circuit-open');
    expect(body.andon.chaos.map((c: { kind: string }) => c.kind)).toEqual(['downstream-down']);
  });
});

describe('GET /health-score', () => {
  const NOW = '2026-11-23T00:30:00.000Z';

  it('scores the last 24 h of rollups as kaizen health does', async () => {
    server = await startTestServer({ fixture: true, clock: clockFrom(NOW) });
    const res = await server.app.inject({ method: 'GET', url: '/health-score' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.window).toMatchObject({ label: 'last 24h', from: '2026-11-22T01:00:00.000Z', to: '2026-11-23T01:00:00.000Z' });
    expect(body.window.hours_with_rollups).toBeGreaterThan(0);
    expect(body.fresh).toBe(true);
    const cli = await kaizen(server.dataDir, ['health', '--window', '24h', '--format', 'json'], { now: Date.parse(NOW) });
    // The CLI opens the store read-only beside the server, which holds the writer's lock.
    expect(cli.code, cli.stderr).toBe(0);
    const expected = JSON.parse(cli.stdout);
    expect(body.overall).toEqual(expected.overall);
    expect(body.pillars).toEqual(expected.pillars);
  });

  it('serves the cached answer until an hour is rolled up, then recomputes it in the background', async () => {
    const clock = steppingClock('2026-11-23T00:30:00.000Z');
    server = await startTestServer({ clock });
    const { app, live } = server;
    const rolledUp = new Promise<readonly string[]>((resolve) => live.writer.onRolledUp((hours) => hours.length > 0 && resolve(hours)));
    await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
    const first = (await app.inject({ method: 'GET', url: '/health-score' })).json();
    const second = (await app.inject({ method: 'GET', url: '/health-score' })).json();
    expect(second).toMatchObject({ computed_at: first.computed_at, fresh: true, ttl_seconds: 30 });
    expect(second.age_seconds).toBeGreaterThanOrEqual(0);
    expect(first.window.hours_with_rollups).toBe(0);
    // The hour 00 closes and the writer rolls it up.
    clock.jump(30 * 60_000);
    expect(await rolledUp).toEqual(['2026-11-23T00']);
    const stale = (await app.inject({ method: 'GET', url: '/health-score' })).json();
    expect(stale).toMatchObject({ computed_at: first.computed_at, fresh: false });
    await expect.poll(async () => (await app.inject({ method: 'GET', url: '/health-score' })).json().computed_at).not.toBe(first.computed_at);
    const fresh = (await app.inject({ method: 'GET', url: '/health-score' })).json();
    expect(fresh.window.to).toBe('2026-11-23T02:00:00.000Z');
    expect(fresh.window.hours_with_rollups).toBe(1);
    expect(fresh.pillars.kanban.inputs.throughput_per_min).toBeDefined();
  });

  it('answers 400 for a window it does not offer', async () => {
    server = await startTestServer();
    const res = await server.app.inject({ method: 'GET', url: '/health-score?window=2h' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'KZN_REQUEST_INVALID', detail: 'query.window: expected one of "1h", "6h", "24h", "7d", "30d"' });
  });
});
