// GET /health, GET /status and GET /health-score: the pipeline now, and the pillars' scores of
// a window of closed hours (from the cache).

import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { HEALTH_WINDOWS, type HealthWindow } from './health-score.js';
import { healthOf, statusOf } from './status-view.js';

const HEALTH_RESPONSE = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    circuit_state: { type: 'string', enum: ['Closed', 'Open', 'HalfOpen'] },
    queue_depth: { type: 'integer' },
    active_workers: { type: 'integer' },
    error_rate: { type: 'number', description: 'failed / (completed + failed) over the timing window, 0–1' },
    journal: { type: 'string', enum: ['ok', 'failed'] },
    timestamp: { type: 'string', format: 'date-time' },
  },
} as const;

export function registerStatusRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { live } = ctx;
  app.get(
    '/health',
    {
      schema: {
        summary: 'Is the pipeline healthy? 200 healthy or degraded, 503 unhealthy',
        tags: ['pipeline'],
        response: { 200: HEALTH_RESPONSE, 503: HEALTH_RESPONSE },
      },
    },
    async (_request, reply) => {
      const view = healthOf(live.status(), live.writer.failure !== undefined);
      return reply.code(view.status === 'unhealthy' ? 503 : 200).send(view);
    },
  );

  app.get(
    '/status',
    { schema: { summary: 'The pipeline by pillar: jidoka, kanban, heijunka, kaizen, andon', tags: ['pipeline'] } },
    async () => statusOf(live.status(), ctx.stats, live.startedMs),
  );

  app.get<{ Querystring: { window: HealthWindow } }>(
    '/health-score',
    {
      schema: {
        summary: 'Four-pillar health scores of a window of closed hours, from a cache that says how fresh it is',
        tags: ['analysis'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { window: { type: 'string', enum: [...HEALTH_WINDOWS], default: '24h' } },
        },
      },
    },
    async (request, reply) => {
      const { entry, fresh } = await ctx.healthScores.get(request.query.window);
      const ageSeconds = Math.max(0, (ctx.now() - entry.computedMs) / 1000);
      // The body was serialised when it was computed; only the freshness fields are added here.
      const freshness = `,"age_seconds":${ageSeconds.toFixed(3)},"fresh":${fresh},"ttl_seconds":${ctx.healthScores.ttlMs / 1000}}`;
      return reply.type('application/json; charset=utf-8').send(entry.json.slice(0, -1) + freshness);
    },
  );
}
