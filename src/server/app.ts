// The fastify app of `kaizen serve`: buildServer(deps) wires the routes over a running pipeline
// and the evidence store, and never listens (the caller does, or tests inject()).

import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { loadSlos } from '../query/slo-files.js';
import { registerBoardRoute } from './board-page.js';
import { DEFAULT_SERVER_OPTIONS, type ServerContext, type ServerDeps } from './context.js';
import { HealthScoreCache } from './health-score.js';
import { registerMetricsRoute } from './metrics.js';
import { installProblemHandler, installValidation, PROBLEM_SCHEMA, sendProblem, toKaizenError, traceIdOf } from './problem.js';
import { registerAnalysisRoutes } from './routes-analysis.js';
import { registerChaosRoutes } from './routes-chaos.js';
import { registerSignalRoutes } from './routes-signal.js';
import { registerSparqlRoutes } from './routes-sparql.js';
import { registerStatusRoutes } from './routes-status.js';

export type { ServerDeps } from './context.js';

/** Builds the app over a pipeline that is running (or will be, before requests come). */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const options = { ...DEFAULT_SERVER_OPTIONS, ...deps.options };
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: options.bodyLimitBytes,
    genReqId: (req) => traceIdOf(req.headers),
    // Every log line of a request carries its trace id (the signal's, for POST /signal).
    logController: new LogController({ requestIdLogLabel: 'trace_id' }),
    return503OnClosing: true,
    // A URL the router cannot take (bad percent-encoding, an over-long path segment) is answered by
    // the same problem handler as every other error, not with fastify's own body.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, toKaizenError(error)),
  });
  const live = deps.live;
  const now = () => live.clock.now();
  const slos = deps.slos ?? loadSlos();
  const ctx: ServerContext = {
    store: deps.store,
    gate: deps.gate,
    live,
    stats: live.stats,
    healthScores: new HealthScoreCache({ store: deps.store, gate: deps.gate, now, slos, ttlMs: options.healthScoreTtlMs }),
    slos,
    adminToken: deps.adminToken === undefined || deps.adminToken === '' ? undefined : deps.adminToken,
    signalToken: deps.signalToken === undefined || deps.signalToken === '' ? undefined : deps.signalToken,
    options,
    now,
    releaseDrillDown: (range) => deps.store.release({ range, raw: true }),
  };
  installValidation(app);
  installProblemHandler(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-trace-id', request.id);
  });
  app.addSchema(PROBLEM_SCHEMA);
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'kaizen',
        version: deps.version ?? '0.0.0',
        description:
          'The HTTP API of kaizen serve: the live signal pipeline, its evidence (SPARQL), analysis and the Andon board. Errors are application/problem+json with a code of docs/errors.md.',
      },
      tags: [
        { name: 'pipeline', description: 'the live pipeline' },
        { name: 'analysis', description: 'health, SLOs, trends, 5-Whys, reviews from the evidence' },
        { name: 'evidence', description: 'SPARQL over the receipts' },
        { name: 'admin', description: 'chaos controls (bearer token)' },
      ],
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' }, signal: { type: 'http', scheme: 'bearer' } } },
    },
  });
  void app.register(async (api) => {
    registerSignalRoutes(api, ctx);
    registerStatusRoutes(api, ctx);
    registerAnalysisRoutes(api, ctx);
    registerSparqlRoutes(api, ctx);
    registerChaosRoutes(api, ctx);
    registerMetricsRoute(api, ctx);
    registerBoardRoute(api);
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  // A new rollup changes the scores of the windows that contain its hour.
  const unsubscribe = live.writer.onRolledUp((hours) => {
    if (hours.length > 0) ctx.healthScores.invalidate();
  });
  app.addHook('onClose', async () => {
    unsubscribe();
  });
  return app;
}
