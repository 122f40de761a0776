// POST /signal (into the live pipeline, answered once its receipt is journaled) and
// GET /signal/:id (its state and its receipts).

import type { FastifyInstance } from 'fastify';
import { DataFactory } from 'n3';
import { KaizenError } from '../errors.js';
import { HOUR_MS, hourStartMs } from '../evidence/time.js';
import { kzLocal, V } from '../evidence/vocabulary.js';
import { SIGNAL_TYPES } from '../pipeline/signal.js';
import { bearerGuard } from './auth.js';
import type { ServerContext } from './context.js';
import { checkIdempotencyKey } from './idempotency.js';
import type { SignalRecord } from './signal-log.js';

const { literal } = DataFactory;

const SIGNAL_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['signal_type', 'payload'],
  properties: {
    signal_type: { type: 'string', enum: [...SIGNAL_TYPES] },
    priority: { type: 'integer', minimum: 1, maximum: 4, description: '1 critical, 2 high, 3 normal (default), 4 low' },
    payload: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['quick', 'slow'], description: 'the lane: quick (default) or slow work' },
        // Bounded here, at the API: a longer task would hold a worker for good.
        latency_ms: { type: 'number', minimum: 0, maximum: 60_000, description: 'how long the simulated downstream work takes (at most 60 s)' },
      },
    },
    timeout_ms: { type: 'integer', minimum: 1 },
    signal_id: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
      description: "the client's own id for the signal; a retry with the same id adds nothing (like Idempotency-Key)",
    },
  },
} as const;

const REJECTED = {
  type: 'object',
  properties: { status: { const: 'rejected' }, reason: { type: 'string' }, signal_id: { type: 'string' }, trace_id: { type: 'string' } },
} as const;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function outcomeBody(r: SignalRecord) {
  return {
    status: r.state,
    signal_id: r.id,
    trace_id: r.traceId,
    duration_ms: r.durationMs ?? null,
    stages: r.stages ?? {},
    ...(r.worker !== undefined && { worker: r.worker }),
    ...(r.reason !== undefined && { reason: r.reason }),
  };
}

export function registerSignalRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { live } = ctx;
  // KAIZEN_SIGNAL_TOKEN puts both routes behind a bearer token; without it they are open.
  const onRequest = bearerGuard(ctx.signalToken, { name: 'signal token', variable: 'KAIZEN_SIGNAL_TOKEN' });
  const security = ctx.signalToken === undefined ? undefined : [{ signal: [] }];
  app.post<{ Body: Record<string, unknown>; Querystring: { wait: boolean } }>(
    '/signal',
    {
      schema: {
        summary: 'Submit a signal to the pipeline',
        description:
          '202 once the signal is queued and its signal.accepted receipt is journaled; with ?wait=true, 200 with its outcome. 503 while the circuit is open, 429 with Retry-After when the queue is full. With an Idempotency-Key header (or a signal_id of its own), a retry within the window gets the first answer (with Idempotent-Replayed: true) and adds nothing; a retry with other fields gets 422.',
        tags: ['pipeline'],
        security,
        body: SIGNAL_BODY,
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', description: 'makes a retry safe: 1–200 printable ASCII characters' } },
        },
        querystring: { type: 'object', additionalProperties: false, properties: { wait: { type: 'boolean', default: false } } },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['completed', 'failed', 'abandoned'] },
              signal_id: { type: 'string' },
              trace_id: { type: 'string' },
              duration_ms: { type: ['number', 'null'] },
              stages: { type: 'object', additionalProperties: { type: 'number' } },
              worker: { type: 'string' },
              reason: { type: 'string' },
            },
          },
          202: {
            type: 'object',
            properties: { status: { const: 'accepted' }, signal_id: { type: 'string' }, trace_id: { type: 'string' }, queue_depth: { type: 'integer' } },
          },
          429: REJECTED,
          503: REJECTED,
        },
      },
      onRequest,
    },
    async (request, reply) => {
      const key = checkIdempotencyKey(request.headers['idempotency-key']);
      const { signal_id: clientId, ...input } = request.body as { signal_id?: string };
      const r = live.submit(input, request.id, { ...(key !== undefined && { key }), ...(clientId !== undefined && { clientId }) });
      if (r.replayed === true) reply.header('idempotent-replayed', 'true');
      if (!r.accepted && r.reason === 'invalid-signal') {
        throw new KaizenError('KZN_REQUEST_INVALID', `body: ${r.detail ?? 'not a signal'}`);
      }
      if (live.durableAcceptance) await live.durable();
      if (!r.accepted) {
        const full = r.reason === 'queue-full';
        const retryS = full ? 1 : r.reason === 'circuit-half-open' ? 1 : Math.ceil(live.config.breaker.resetTimeoutMs / 1000);
        return reply
          .code(full ? 429 : 503)
          .header('retry-after', String(retryS))
          .send({ status: 'rejected', reason: r.reason, signal_id: r.signalId, trace_id: r.traceId });
      }
      if (request.query.wait) {
        const timeout = (request.body['timeout_ms'] as number | undefined) ?? ctx.options.waitTimeoutMs;
        const outcome = await live.signals.outcome(r.signalId, Math.min(timeout + 1000, ctx.options.waitTimeoutMs));
        await live.durable();
        return reply.code(200).send(outcomeBody(outcome));
      }
      return reply.code(202).send({ status: 'accepted', signal_id: r.signalId, trace_id: r.traceId, queue_depth: r.queueDepth });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/signal/:id',
    {
      schema: {
        summary: "A recent signal's state and its receipts",
        tags: ['pipeline'],
        security,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
      },
      onRequest,
    },
    async (request) => {
      const record = live.signals.get(request.params.id);
      if (record === undefined) {
        throw new KaizenError('KZN_NOT_FOUND', `no recent signal ${JSON.stringify(request.params.id)}`, {
          hint: `The server remembers the last ${live.signals.capacity} signals.`,
        });
      }
      await live.durable();
      return { ...outcomeBody(record), submitted_at: iso(record.submittedMs), finished_at: iso(record.finishedMs), attempts: record.attempts ?? null, receipts: await receiptsOf(ctx, record) };
    },
  );
}

/** The receipts that name a signal, from the hours it spans (loaded for the look-up, then released). */
async function receiptsOf(ctx: ServerContext, record: SignalRecord): Promise<{ iri: string; type: string; time: string }[]> {
  const { store, gate } = ctx;
  const fromMs = hourStartMs(record.hour);
  const toMs = Math.max(fromMs + HOUR_MS, Math.floor((record.finishedMs ?? fromMs) / HOUR_MS) * HOUR_MS + HOUR_MS);
  return gate.run(async () => {
    await store.load({ range: { fromMs, toMs }, raw: true });
    try {
      return store
        .match(null, V.signal, literal(record.id), null)
        .map((q) => ({
          iri: q.subject.value,
          type: kzLocal(store.match(q.subject, V.type, null, null)[0]?.object.value),
          time: store.match(q.subject, V.atTime, null, null)[0]?.object.value ?? '',
        }))
        .sort((a, b) => a.time.localeCompare(b.time));
    } finally {
      ctx.releaseDrillDown({ fromMs, toMs });
    }
  });
}
