// POST /chaos and DELETE /chaos: switch the pipeline's faults on and off, behind the bearer token
// of KAIZEN_ADMIN_TOKEN; without a token configured, chaos is off.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KaizenError } from '../errors.js';
import { type ChaosKind, type ChaosSpec, checkChaosSpec } from '../pipeline/chaos.js';
import { requireBearer } from './auth.js';
import type { ServerContext } from './context.js';
import type { LivePipeline } from './live-pipeline.js';

/** The body of POST /chaos: the state to reach, field by field. */
export interface ChaosRequest {
  readonly downstream_enabled?: boolean;
  readonly downstream_latency_ms?: number;
  readonly crash_worker?: string | boolean;
  readonly restart_after_ms?: number;
  readonly queue_stall?: boolean;
}

const CHAOS_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    downstream_enabled: { type: 'boolean', description: 'false takes the downstream down; true brings it back' },
    downstream_latency_ms: { type: 'number', minimum: 0, description: 'latency added to every downstream call; 0 removes it' },
    crash_worker: { type: ['string', 'boolean'], description: 'a worker name (worker-2), or true for the busiest fast-lane worker' },
    restart_after_ms: { type: 'number', exclusiveMinimum: 0, description: 'with crash_worker: restart the worker after this long' },
    queue_stall: { type: 'boolean', description: 'true stops workers pulling from the queue; false lets them again' },
  },
} as const;

/** What one request did to one fault. */
export interface ChaosChange {
  readonly action: 'injected' | 'cleared';
  readonly kind: ChaosKind;
  readonly id: string;
}

function authorize(ctx: ServerContext, request: FastifyRequest): void {
  if (ctx.adminToken === undefined) {
    throw new KaizenError('KZN_CHAOS_DISABLED', 'chaos controls are off: the server was started without KAIZEN_ADMIN_TOKEN', {
      hint: 'Start kaizen serve with KAIZEN_ADMIN_TOKEN set, then send Authorization: Bearer <token>.',
    });
  }
  requireBearer(request, ctx.adminToken, { name: 'admin token', variable: 'KAIZEN_ADMIN_TOKEN' });
}

function clearKind(live: LivePipeline, kind: ChaosKind): ChaosChange[] {
  return live
    .status()
    .chaos.filter((c) => c.kind === kind)
    .flatMap((c) => live.clearChaos(c.id).map((id) => ({ action: 'cleared' as const, kind, id })));
}

/** Checks one fault's spec before anything is switched. */
function specOf(input: Record<string, unknown>): ChaosSpec {
  const check = checkChaosSpec(input);
  if (!check.ok) throw new KaizenError('KZN_REQUEST_INVALID', `body: ${check.reason}`);
  return check.spec;
}

function inject(live: LivePipeline, spec: ChaosSpec): ChaosChange {
  const r = live.injectChaos(spec);
  if (!r.ok) throw new KaizenError('KZN_REQUEST_INVALID', `body: ${r.reason}`);
  return { action: 'injected', kind: spec.kind, id: r.id };
}

/**
 * Brings the faults to the state a request asks for; returns what changed, in order. A request
 * is taken whole or not at all: every field is checked first, and the one switch that can still
 * be refused (a worker that is not there) goes first, so that a 400 leaves every fault as it was.
 */
export function applyChaos(live: LivePipeline, body: ChaosRequest): ChaosChange[] {
  const crash = body.crash_worker !== undefined && body.crash_worker !== false;
  if (!crash && body.restart_after_ms !== undefined) throw new KaizenError('KZN_REQUEST_INVALID', 'body.restart_after_ms: only with crash_worker');
  const crashSpec = crash
    ? specOf({ kind: 'worker-crash', worker: typeof body.crash_worker === 'string' ? body.crash_worker : undefined, restart_after_ms: body.restart_after_ms })
    : undefined;
  const latency = body.downstream_latency_ms;
  const latencySpec = latency !== undefined && latency > 0 ? specOf({ kind: 'added-latency', latency_ms: latency }) : undefined;
  const changes: ChaosChange[] = [];
  const active = (kind: ChaosKind): boolean => live.status().chaos.some((c) => c.kind === kind);
  if (crashSpec !== undefined) changes.push(inject(live, crashSpec));
  if (body.downstream_enabled === false && !active('downstream-down')) changes.push(inject(live, { kind: 'downstream-down' }));
  if (body.downstream_enabled === true) changes.push(...clearKind(live, 'downstream-down'));
  if (latency !== undefined) {
    changes.push(...clearKind(live, 'added-latency'));
    if (latencySpec !== undefined) changes.push(inject(live, latencySpec));
  }
  if (body.queue_stall === true && !active('queue-stall')) changes.push(inject(live, { kind: 'queue-stall' }));
  if (body.queue_stall === false) changes.push(...clearKind(live, 'queue-stall'));
  return changes;
}

export function registerChaosRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const security = [{ admin: [] }];
  const activeFaults = () => ctx.live.status().chaos.map((c) => ({ id: c.id, kind: c.kind, since: new Date(c.startMs).toISOString() }));
  app.post<{ Body: ChaosRequest }>(
    '/chaos',
    {
      schema: { summary: 'Switch faults on or off (bearer token)', tags: ['admin'], security, body: CHAOS_BODY },
      onRequest: async (request) => authorize(ctx, request),
    },
    async (request) => {
      const changes = applyChaos(ctx.live, request.body);
      request.log.warn({ changes }, 'chaos');
      await ctx.live.durable();
      return { changes, active: activeFaults() };
    },
  );
  app.delete(
    '/chaos',
    { schema: { summary: 'Clear every fault (bearer token)', tags: ['admin'], security }, onRequest: async (request) => authorize(ctx, request) },
    async (request) => {
      const cleared = ctx.live.clearChaos();
      request.log.warn({ cleared }, 'chaos cleared');
      await ctx.live.durable();
      return { cleared, active: activeFaults() };
    },
  );
}
