// kaizen serve and Prometheus (Debian's prometheus package: promtool and the server): the /metrics
// exposition passes `promtool check metrics`, the shipped alert rules pass their unit tests, and
// a real Prometheus scraping a running kaizen serve finds the tps_/kaizen_ series.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedCli, serveCli } from '../server/support.js';
import { ROOT } from '../store/support.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

let dataDir = '';
let workDir = '';
let kaizenUrl = '';
let served: ServedCli | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';
let prometheusLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}\n${prometheusLog.slice(-2000)}`);
}

beforeAll(async () => {
  for (const program of [PROMETHEUS, PROMTOOL]) {
    if (!fs.existsSync(program)) throw new Error(`${program} is missing: install Debian's prometheus package (apt-get install prometheus); .ci/run does`);
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-prom-data-'));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-prom-'));
  served = serveCli(['--log-level', 'warn'], { TPS_ANDON_EVAL_SECS: '0.2' }, dataDir);
  kaizenUrl = await served.url;
  for (let i = 0; i < 20; i++) {
    await fetch(`${kaizenUrl}/signal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signal_type: 'execute', payload: { latency_ms: 2 } }) });
  }

  const port = await freePort();
  const target = new URL(kaizenUrl).host;
  const config = path.join(workDir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${path.join(ROOT, 'prometheus', 'alerts.yml')}`,
      'scrape_configs:',
      '  - job_name: kaizen',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(workDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (b: Buffer) => (prometheusLog += b.toString()));
  prometheus.stderr?.on('data', (b: Buffer) => (prometheusLog += b.toString()));
  prometheusUrl = `http://127.0.0.1:${port}`;
  await until('Prometheus to be ready', async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined));
}, 120_000);

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  served?.stop();
  await served?.exit;
  for (const d of [dataDir, workDir]) if (d !== '') fs.rmSync(d, { recursive: true, force: true });
});

interface PromResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function promQuery(expr: string): Promise<PromResult['data']['result']> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as PromResult;
  expect(body.status).toBe('success');
  return body.data.result;
}

describe('promtool', () => {
  it('checks the /metrics exposition of a running kaizen serve without a complaint', async () => {
    const text = await (await fetch(`${kaizenUrl}/metrics`)).text();
    expect(text).toMatch(/^tps_signals_total\{/m);
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes the alert rules and their unit tests (prometheus/alerts.test.yml)', () => {
    const check = execFileSync(PROMTOOL, ['check', 'rules', path.join(ROOT, 'prometheus', 'alerts.yml')], { encoding: 'utf8' });
    expect(check).toMatch(/SUCCESS: 9 rules found/);
    const test = spawnSync(PROMTOOL, ['test', 'rules', path.join(ROOT, 'prometheus', 'alerts.test.yml')], { encoding: 'utf8' });
    expect(`${test.stdout}${test.stderr}`).toMatch(/SUCCESS/);
    expect(test.status).toBe(0);
  });
});

describe('a real Prometheus scraping kaizen serve', () => {
  it('finds the target up', async () => {
    const up = await until('the kaizen target to be scraped', async () => {
      const r = await promQuery('up{job="kaizen"}');
      return r.length > 0 ? r : undefined;
    });
    expect(up[0]?.value[1]).toBe('1');
  });

  it('finds the signals kaizen counted, by outcome', async () => {
    const completed = await until('tps_signals_total', async () => {
      const r = await promQuery('sum(tps_signals_total{job="kaizen",outcome="completed"})');
      return r.length > 0 && Number(r[0]?.value[1]) === 20 ? r : undefined;
    });
    expect(Number(completed[0]?.value[1])).toBe(20);
  });

  it('finds the pipeline gauges and the duration histogram', async () => {
    expect((await promQuery('tps_workers_alive{job="kaizen"}'))[0]?.value[1]).toBe('4');
    expect((await promQuery('tps_circuit_state{job="kaizen"}'))[0]?.value[1]).toBe('0');
    const buckets = await promQuery('tps_signal_duration_seconds_bucket{job="kaizen",le="+Inf"}');
    expect(buckets.length).toBeGreaterThan(0);
  });

  it('finds the kaizen_ evidence series', async () => {
    const journaled = await promQuery('kaizen_receipts_journaled{job="kaizen"}');
    expect(Number(journaled[0]?.value[1])).toBeGreaterThanOrEqual(40);
    const names = (await (await fetch(`${prometheusUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    expect(names.data).toEqual(expect.arrayContaining(['kaizen_health_score_age_seconds', 'kaizen_journal_failed', 'tps_andon_light', 'tps_queue_depth']));
  });

  it('loads the shipped alert rules', async () => {
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string }[] }[] } };
    const alerts = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    expect(alerts).toEqual(expect.arrayContaining(['TpsCircuitOpen', 'TpsHighErrorRatio', 'TpsQueueBacklog', 'KaizenJournalFailed']));
  });
});
