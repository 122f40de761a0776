// `kaizen serve`: the pipeline in real time behind the HTTP API and the Andon board, every event
// journaled into the data directory, until SIGINT or SIGTERM.

import { join } from 'node:path';
import type { Command } from 'commander';
import { KaizenError, quoteInput } from '../errors.js';
import { parseDuration } from '../evidence/time.js';
import { resolveConfig } from '../pipeline/config.js';
import { parseCron, type ReviewSchedule } from '../report/schedule.js';
import { buildServer } from '../server/app.js';
import { LivePipeline } from '../server/live-pipeline.js';
import { StoreGate } from '../server/store-gate.js';
import { type CliDeps, dataDirOf, type GlobalOptions, openStore } from './context.js';
import { outputPathOf, REVIEWS_FOLDER } from './output-path.js';
import { kaizenVersion } from './program.js';
import { parseFormats, reviewSchedule } from './schedule.js';

export interface ServeOptions {
  port: string;
  host: string;
  logLevel: string;
  sparqlTimeout: string;
  sparqlLimit: string;
  bodyLimit: string;
  idempotencyWindow: string;
  /** False (--no-durable-acceptance): answer 202 before the acceptance is journaled. */
  durableAcceptance: boolean;
  /** A cron pattern: write the last complete week's review at those times, as `kaizen schedule` does. */
  schedule?: string;
  scheduleOut?: string;
  scheduleFormat?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(text: string, name: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new KaizenError('KZN_USAGE', `${name}: expected an integer >= ${min}, got ${quoteInput(text)}`);
  return n;
}

/** A running server: where it listens, and how to stop it (journaling what is buffered). */
export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the store for writing, starts the pipeline and listens. */
export async function startServe(deps: CliDeps, opts: ServeOptions, global: GlobalOptions): Promise<RunningServer> {
  const port = integer(opts.port, '--port', 0);
  if (port > 65535) throw new KaizenError('KZN_USAGE', `--port: expected at most 65535, got ${port}`);
  if (!LOG_LEVELS.includes(opts.logLevel)) {
    throw new KaizenError('KZN_USAGE', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${quoteInput(opts.logLevel)}`);
  }
  const options = {
    sparqlTimeoutMs: integer(opts.sparqlTimeout, '--sparql-timeout', 1),
    sparqlResultLimit: integer(opts.sparqlLimit, '--sparql-limit', 1),
    bodyLimitBytes: integer(opts.bodyLimit, '--body-limit', 256),
  };
  const idempotencyWindowMs = parseDuration(opts.idempotencyWindow, '--idempotency-window');
  const config = resolveConfig({ env: deps.env });
  // Checked before anything starts, so that a bad pattern or format stops nothing half-way.
  if (opts.schedule !== undefined) parseCron(opts.schedule, 'UTC', '--schedule');
  const formats = parseFormats(opts.scheduleFormat ?? 'md,html');
  const outDir = outputPathOf(deps, global, opts.scheduleOut ?? join(dataDirOf(deps, global), REVIEWS_FOLDER), '--schedule-out', 'folder');
  const { otlpTracerFromEnv } = await import('../telemetry/spans.js');
  const tracer = await otlpTracerFromEnv(deps.env);
  const store = await openStore(deps, global, 'write');
  const gate = new StoreGate();
  let live: LivePipeline | undefined;
  let app: ReturnType<typeof buildServer> | undefined;
  let schedule: ReviewSchedule | undefined;
  try {
    live = new LivePipeline({ store, gate, config, idempotencyWindowMs, durableAcceptance: opts.durableAcceptance !== false, ...(tracer !== undefined && { onEvent: (e) => tracer.record(e) }) });
    const adminToken = deps.env.KAIZEN_ADMIN_TOKEN;
    const signalToken = deps.env.KAIZEN_SIGNAL_TOKEN;
    app = buildServer({
      store,
      gate,
      live,
      options,
      logger: { level: opts.logLevel },
      ...(adminToken !== undefined && { adminToken }),
      ...(signalToken !== undefined && { signalToken }),
      version: kaizenVersion(),
    });
    live.writer.onRolledUp((hours) => hours.length > 0 && app?.log.info({ hours }, 'rolled up'));
    await live.start();
    const url = await app.listen({ port, host: opts.host });
    if (opts.schedule !== undefined) {
      schedule = reviewSchedule(deps, global, { cron: opts.schedule, outDir, formats });
      schedule.start();
      const next = schedule.nextRunMs(deps.now());
      app.log.info({ cron: opts.schedule, out: outDir, next: next === undefined ? null : new Date(next).toISOString() }, 'review schedule started');
    }
    const recovered = live.recovery;
    if (recovered !== undefined && recovered.requeued + recovered.abandoned > 0) {
      app.log.warn(recovered, 'recovered the signals an earlier server accepted and left without an outcome');
      deps.stderr(`kaizen serve: recovered ${recovered.requeued + recovered.abandoned} signals left without an outcome: ${recovered.requeued} queued again, ${recovered.abandoned} abandoned (crash-recovery)\n`);
    }
    app.log.info({ data: dataDirOf(deps, global), chaos: adminToken === undefined || adminToken === '' ? 'off' : 'on', signal_token: signalToken === undefined || signalToken === '' ? 'off' : 'on' }, 'kaizen serve started');
    const running = { app, live };
    return {
      url,
      async close() {
        schedule?.stop();
        await running.app.close();
        await running.live.stop();
        await tracer?.shutdown();
        await store.close();
      },
    };
  } catch (error) {
    schedule?.stop();
    await app?.close();
    await live?.stop();
    await store.close();
    throw error;
  }
}

/** Runs the command (its options are defined in commands.ts): serves until a shutdown signal. */
export async function runServe(deps: CliDeps, opts: ServeOptions, cmd: Command): Promise<void> {
  const server = await startServe(deps, opts, cmd.optsWithGlobals<GlobalOptions>());
  deps.stderr(`kaizen serve: listening on ${server.url} (the Andon board is ${server.url}/)\n`);
  const signal = await (deps.untilShutdown ?? untilProcessSignal)();
  deps.stderr(`kaizen serve: ${signal}, journaling what is buffered and stopping\n`);
  await server.close();
}

function untilProcessSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string) => () => resolve(s);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}
