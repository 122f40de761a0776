// A live server over a temp data directory for the HTTP tests: the store, the pipeline in real
// time (short timeouts from TPS_* settings), and the app, closed together.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CliDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import type { Clock } from '../../src/pipeline/clock.js';
import { resolveConfig } from '../../src/pipeline/config.js';
import type { Downstream } from '../../src/pipeline/downstream.js';
import { buildServer } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/context.js';
import { LivePipeline } from '../../src/server/live-pipeline.js';
import { StoreGate } from '../../src/server/store-gate.js';
import { type EmbeddedStore, openEmbeddedStore } from '../../src/store/embedded-store.js';
import { kaizen } from '../cli/run-cli.js';
import { FIXTURE_PATH } from '../store/support.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly live: LivePipeline;
  readonly store: EmbeddedStore;
  readonly dataDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  readonly adminToken?: string;
  readonly signalToken?: string;
  readonly options?: Partial<ServerOptions>;
  readonly downstream?: Downstream;
  /** Import the fixture week (2026-W47) into the data directory first. */
  readonly fixture?: boolean;
  readonly dataDir?: string;
  /** Seeds the ids and the downstream (default 7); a restart over the same data needs another. */
  readonly seed?: number;
  readonly durableAcceptance?: boolean;
}

/** Fast settings: quick breaker recovery, frequent Andon evaluation, a short timing window. */
export const FAST_ENV: Record<string, string> = {
  TPS_CB_TIMEOUT: '0.3',
  TPS_CB_HEALTH_INTERVAL_SECS: '0.1',
  TPS_ANDON_EVAL_SECS: '0.05',
  TPS_TIMING_WINDOW_SECS: '5',
};

/** A clock that runs at wall-clock speed from `startIso`: the fixture week's day after, say. */
export function clockFrom(startIso: string): Clock {
  const offset = Date.parse(startIso) - Date.now();
  return { now: () => Date.now() + offset };
}

/** A clock at wall-clock speed from `startIso` that a test can also move forward at once. */
export function steppingClock(startIso: string): Clock & { jump(ms: number): void } {
  let offset = Date.parse(startIso) - Date.now();
  return {
    now: () => Date.now() + offset,
    jump(ms: number) {
      offset += ms;
    },
  };
}

/** Starts a pipeline and builds the app over it (not listening: use app.inject or app.listen). */
export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kz-serve-'));
  if (o.fixture === true) {
    const r = await kaizen(dataDir, ['import', FIXTURE_PATH]);
    if (r.code !== 0) throw new Error(`fixture import failed: ${r.stderr}`);
  }
  const store = openEmbeddedStore({ dataDir });
  const gate = new StoreGate();
  const live = new LivePipeline({
    store,
    gate,
    config: resolveConfig({ env: { ...FAST_ENV, ...o.env } }),
    seed: o.seed ?? 7,
    writer: { flushIntervalMs: 5 },
    ...(o.clock !== undefined && { clock: o.clock }),
    ...(o.downstream !== undefined && { downstream: o.downstream }),
    ...(o.durableAcceptance !== undefined && { durableAcceptance: o.durableAcceptance }),
  });
  await live.start();
  const app = buildServer({
    store,
    gate,
    live,
    ...(o.adminToken !== undefined && { adminToken: o.adminToken }),
    ...(o.signalToken !== undefined && { signalToken: o.signalToken }),
    ...(o.options !== undefined && { options: o.options }),
  });
  await app.ready();
  return {
    app,
    live,
    store,
    dataDir,
    async close() {
      await app.close();
      await live.stop();
      await store.close();
      if (o.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A quick signal: 1 ms of downstream work. */
export const QUICK = { signal_type: 'execute', payload: { latency_ms: 1 } } as const;

/** `kaizen serve` run through the CLI program in this process, over a real socket. */
export interface ServedCli {
  readonly dataDir: string;
  /** The address, once it listens (rejects with stderr if the command ends first). */
  readonly url: Promise<string>;
  /** The exit code, once the command ends. */
  readonly exit: Promise<number>;
  /** Sends the shutdown signal the command waits for. */
  stop(signal?: string): void;
  output(): { stdout: string; stderr: string };
}

/** Runs `kaizen --data DIR serve --port 0 --log-level silent ...args` with `env`. */
export function serveCli(args: readonly string[] = [], env: Record<string, string> = {}, dataDir?: string): ServedCli {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kz-serve-cli-'));
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
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m !== null) listening(m[1] as string);
    },
    env,
    cwd: dir,
    now: () => Date.now(),
    untilShutdown: () => new Promise((resolve) => (stop = resolve)),
  };
  const exit = runCli(['--data', dir, 'serve', '--port', '0', '--log-level', 'silent', ...args], deps);
  return {
    dataDir: dir,
    url: Promise.race([url, exit.then(() => Promise.reject(new Error(`kaizen serve ended: ${stderr}`)))]),
    exit,
    stop: (signal = 'SIGTERM') => stop(signal),
    output: () => ({ stdout, stderr }),
  };
}
