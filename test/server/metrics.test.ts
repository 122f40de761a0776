// GET /metrics: the Prometheus exposition counts what the pipeline did, and Accept:
// application/json gives the JSON summary. (promtool checks it: test/integration/prometheus.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUICK, startTestServer, type TestServer } from './support.js';

let server: TestServer;
let text = '';

/** The value of one sample line, `name{labels} value`. */
function sample(name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : `{${labels}} `}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  server = await startTestServer({ env: { TPS_KANBAN_BUFFER: '2' } });
  const { app, live } = server;
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/signal?wait=true', payload: QUICK });
  live.injectChaos({ kind: 'queue-stall' });
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/signal', payload: { ...QUICK, signal_type: 'report' } });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  text = res.body;
});
afterAll(async () => {
  await server.close();
});

describe('GET /metrics', () => {
  it('counts signals by outcome and rejections by reason', () => {
    expect(sample('tps_signals_total', 'outcome="completed",signal_type="execute"')).toBe(3);
    expect(sample('tps_signals_total', 'outcome="rejected",signal_type="report"')).toBe(1);
    expect(sample('tps_signal_rejections_total', 'reason="queue-full"')).toBe(1);
    expect(sample('tps_signals_accepted_total')).toBe(5);
  });

  it('has the signal duration histogram in seconds with cumulative buckets', () => {
    expect(text).toMatch(/^# TYPE tps_signal_duration_seconds histogram$/m);
    expect(sample('tps_signal_duration_seconds_count', 'outcome="completed",signal_type="execute"')).toBe(3);
    expect(sample('tps_signal_duration_seconds_bucket', 'le="+Inf",outcome="completed",signal_type="execute"')).toBe(3);
    const sum = sample('tps_signal_duration_seconds_sum', 'outcome="completed",signal_type="execute"') ?? 0;
    expect(sum).toBeGreaterThan(0.002);
    expect(sum).toBeLessThan(3);
  });

  it('reads the pipeline state at scrape time', () => {
    expect(sample('tps_circuit_state')).toBe(0);
    expect(sample('tps_queue_depth')).toBe(2);
    expect(sample('tps_queue_capacity')).toBe(2);
    expect(sample('tps_workers_alive')).toBe(4);
    expect(sample('tps_worker_load', 'worker="worker-1",lane="fast"')).toBe(0);
    expect(sample('tps_andon_light', 'pillar="kanban"')).toBe(2);
    expect(sample('kaizen_receipts_journaled')).toBeGreaterThanOrEqual(12);
    expect(sample('kaizen_journal_failed')).toBe(0);
  });

  it('shows the queue-backlog alert firing once the Andon rules have seen the full queue', async () => {
    // The rules are evaluated every 50 ms (FAST_ENV); a later scrape sees the alert.
    await expect
      .poll(async () => {
        text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
        return sample('tps_andon_alert_active', 'alert="queue-backlog"');
      })
      .toBe(1);
    expect(sample('tps_andon_alert_active', 'alert="circuit-open"')).toBe(0);
  });

  it('exposes the health score and SLO gauges, and process metrics', () => {
    expect(text).toMatch(/^# TYPE kaizen_health_score gauge$/m);
    expect(text).toMatch(/^# HELP kaizen_slo_attainment_ratio /m);
    expect(text).toMatch(/^# HELP kaizen_slo_burn_rate /m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(sample('kaizen_health_score_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('names every counter *_total and every metric with a HELP line', () => {
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(types.length).toBeGreaterThan(20);
    for (const [name, type] of types) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(text).toContain(`# HELP ${name} `);
    }
  });

  it('gives the JSON summary for Accept: application/json', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/json' } });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({
      total_processed: 3,
      success_count: 3,
      error_count: 0,
      rejected_count: 1,
      error_rate_pct: 0,
      queue_depth: 2,
      circuit_state: 'closed',
    });
    expect(res.json().p99_duration_ms).toBeGreaterThanOrEqual(1);
  });
});
