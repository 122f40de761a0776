// `kaizen serve` through the CLI program over a real socket: it listens, answers, journals what
// it was sent, and stops on the shutdown signal with everything durable.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import { openEmbeddedStore } from '../../src/store/embedded-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function serve(args: string[], env: Record<string, string> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kz-serve-cli-'));
  dirs.push(dataDir);
  let stderr = '';
  let stdout = '';
  let stop: (signal: string) => void = () => undefined;
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const deps: CliDeps = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m !== null) listening(m[1] as string);
    },
    env,
    cwd: dataDir,
    now: () => Date.now(),
    untilShutdown: () => new Promise((resolve) => (stop = resolve)),
  };
  const exit = runCli(['--data', dataDir, 'serve', '--port', '0', '--log-level', 'silent', ...args], deps);
  return { dataDir, url, exit, stop: (s: string) => stop(s), output: () => ({ stdout, stderr }) };
}

describe('kaizen serve', () => {
  it('listens on a free port, takes signals over HTTP and journals them before it exits', async () => {
    const s = serve([]);
    const url = await Promise.race([s.url, s.exit.then(() => Promise.reject(new Error(s.output().stderr)))]);
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
  ])('refuses %j with a usage error', async (args, message) => {
    const s = serve(args);
    expect(await s.exit).toBe(2);
    expect(s.output().stderr).toMatch(message);
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
