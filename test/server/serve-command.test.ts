// `kaizen serve` through the CLI program over a real socket: it listens, answers, journals what
// it was sent, and stops on the shutdown signal with everything durable.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';
import { serveCli } from './support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function serve(args: string[], env: Record<string, string> = {}) {
  const served = serveCli(args, env);
  dirs.push(served.dataDir);
  served.url.catch(() => undefined); // a refused start ends the command instead
  return served;
}

describe('kaizen serve', () => {
  it('listens on a free port, takes signals over HTTP and journals them before it exits', async () => {
    const s = serve([]);
    const url = await s.url;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('healthy');
    const posted = await fetch(`${url}/signal?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signal_type: 'validate', payload: { latency_ms: 2 } }),
    });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as { status: string }).status).toBe('completed');
    s.stop('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.output().stderr).toMatch(/SIGTERM, journaling what is buffered and stopping/);
    const store = openEmbeddedStore({ dataDir: s.dataDir, readOnly: true });
    const stats = await store.stats();
    const verified = await store.verify();
    await store.close();
    expect(stats.rawReceipts).toBeGreaterThanOrEqual(6); // 4 worker.activated, a depth sample, accepted, completed
    expect(verified.ok).toBe(true);
  });

  it.each([
    [['--port', '70000'], /^error KZN_USAGE: --port: expected at most 65535, got 70000/],
    [['--log-level', 'loud'], /^error KZN_USAGE: --log-level: expected one of fatal, error/],
    [['--sparql-timeout', '0'], /^error KZN_USAGE: --sparql-timeout: expected an integer >= 1, got "0"/],
    [['--schedule', 'every monday'], /^error KZN_USAGE: --schedule: expected a cron pattern like "0 9 \* \* MON", got "every monday"/],
    [['--schedule', '0 9 * * MON', '--schedule-format', 'pdf'], /^error KZN_USAGE: --format: expected md, html or json/],
  ])('refuses %j with a usage error', async (args, message) => {
    const s = serve(args);
    expect(await s.exit).toBe(2);
    expect(s.output().stderr).toMatch(message);
  });

  it('writes the weekly review on its --schedule while it serves', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-reviews-'));
    dirs.push(out);
    // Two hours of evidence at the start of the last complete week, the one a scheduled run reviews.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-serve-cli-'));
    dirs.push(dataDir);
    const quiet = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: dataDir, now: () => Date.now() };
    expect(await runCli(['--data', dataDir, 'run', '--scenario', 'outage-day', '--duration', '2h', '--rate', '0.2'], quiet)).toBe(0);
    // Every second (croner's six-field form), so that the test sees a run.
    const s = serveCli(['--schedule', '* * * * * *', '--schedule-out', out, '--schedule-format', 'md'], {}, dataDir);
    const url = await s.url;
    let written: string[] = [];
    for (let i = 0; i < 100 && written.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      written = fs.readdirSync(out).filter((f) => f.endsWith('.md'));
    }
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\d{4}-W\d{2}\.md$/);
    expect(fs.readFileSync(path.join(out, written[0]!), 'utf8')).toMatch(/^# Kaizen weekly review — \d{4}-W\d{2}/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    s.stop('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('refuses a bad TPS_* setting by name', async () => {
    const s = serve([], { TPS_KANBAN_BUFFER: 'lots' });
    expect(await s.exit).toBe(2);
    expect(s.output().stderr).toMatch(/^error KZN_USAGE: TPS_KANBAN_BUFFER: expected a positive integer, got "lots"/);
  });

  it('explains itself in --help', async () => {
    let out = '';
    const code = await runCli(['serve', '--help'], { stdout: (t) => (out += t), stderr: () => undefined, env: {}, cwd: '.', now: () => 0 });
    expect(code).toBe(0);
    expect(out).toMatch(/--port <port>/);
    expect(out).toMatch(/KAIZEN_ADMIN_TOKEN/);
    expect(out).toMatch(/POST \/signal/);
  });
});
