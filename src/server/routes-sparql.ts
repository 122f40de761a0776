// GET|POST /sparql: the SPARQL 1.1 Protocol over the evidence, read-only, with content
// negotiation, a timeout and a result limit.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isKaizenError, KaizenError } from '../errors.js';
import type { QueryResult } from '../evidence/store.js';
import { HOUR_MS, parseTimeBound, parseWeek, type TimeRange, WEEK_MS } from '../evidence/time.js';
import { checkQueryScope, looksLikeUpdate } from '../query/query-scope.js';
import { formatResult, type ResultFormat } from '../query/result-formats.js';
import type { ServerContext } from './context.js';

export { looksLikeUpdate } from '../query/query-scope.js';

/** Media types per kind of result, the first the default (SPARQL 1.1 Protocol §2.1, Query Results formats). */
const MEDIA = {
  bindings: [
    ['application/sparql-results+json', 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['text/tab-separated-values', 'tsv'],
  ],
  quads: [
    ['text/turtle', 'turtle'],
    ['application/n-quads', 'nquads'],
  ],
} as const satisfies Record<string, readonly (readonly [string, ResultFormat])[]>;

/** Picks the format for a result from the Accept header (q-values honoured); undefined when none fits. */
export function negotiate(accept: string | undefined, kind: 'bindings' | 'quads'): readonly [string, ResultFormat] | undefined {
  const offers = MEDIA[kind];
  if (accept === undefined || accept.trim() === '') return offers[0];
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q === undefined ? 1 : Number(q.slice(2)), i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === '*/*') return offers[0];
    const hit = offers.find(([media]) => media === r.type || (r.type.endsWith('/*') && media.startsWith(r.type.slice(0, -1))));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

interface SparqlParams {
  query?: string;
  update?: string;
  from?: string;
  to?: string;
  week?: string;
  'default-graph-uri'?: string | string[];
  'named-graph-uri'?: string | string[];
}

const PARAMS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    query: { type: 'string', maxLength: 100_000 },
    update: { type: 'string' },
    from: { type: 'string', maxLength: 40, description: 'load the partitions from this time (default: the current hour)' },
    to: { type: 'string', maxLength: 40, description: 'load the partitions up to this time (exclusive)' },
    week: { type: 'string', maxLength: 32, description: 'load the partitions of an ISO week instead' },
    'default-graph-uri': { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    'named-graph-uri': { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  },
} as const;

export function registerSparqlRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.addContentTypeParser('application/sparql-query', { parseAs: 'string' }, (_req, body, done) => done(null, { query: body }));
  app.addContentTypeParser('application/sparql-update', { parseAs: 'string' }, (_req, body, done) => done(null, { update: body }));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const description =
    'Read-only SPARQL 1.1 Protocol. The dataset is the partitions loaded for the request: raw receipts and rollups of ' +
    'from/to or week (default: the current hour, and the rollups of the last 7 days). Results by Accept: ' +
    'application/sparql-results+json, text/csv, text/tab-separated-values; graphs as text/turtle or application/n-quads. Updates are refused (403).';
  app.get<{ Querystring: SparqlParams }>(
    '/sparql',
    { schema: { summary: 'SPARQL query (GET)', description, tags: ['evidence'], querystring: PARAMS } },
    async (request, reply) => answer(ctx, request, reply, request.query),
  );
  app.post<{ Body: SparqlParams; Querystring: SparqlParams }>(
    '/sparql',
    // The body is checked as strictly as the query string: a JSON body's query must be text too.
    { schema: { summary: 'SPARQL query (POST: application/sparql-query or a form)', description, tags: ['evidence'], querystring: PARAMS, body: PARAMS } },
    async (request, reply) => answer(ctx, request, reply, { ...request.query, ...(request.body ?? {}) }),
  );
}

/** The partitions a query reads. */
function rangeOf(ctx: ServerContext, p: SparqlParams): { raw: TimeRange; rollups: TimeRange } {
  const nowMs = ctx.now();
  if (p.week !== undefined) {
    if (p.from !== undefined || p.to !== undefined) throw new KaizenError('KZN_REQUEST_INVALID', 'query: give week or from/to, not both');
    const w = parseWeek(p.week, nowMs, 'week').range;
    return { raw: w, rollups: w };
  }
  if (p.from === undefined && p.to === undefined) {
    const hour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    return { raw: { fromMs: hour, toMs: hour + HOUR_MS }, rollups: { fromMs: hour - WEEK_MS, toMs: hour + HOUR_MS } };
  }
  const toMs = p.to === undefined ? nowMs + 1 : parseTimeBound(p.to, 'to');
  const fromMs = p.from === undefined ? toMs - HOUR_MS : parseTimeBound(p.from, 'from');
  if (toMs <= fromMs) throw new KaizenError('KZN_TIME_INVALID', `to must be after from (got ${p.from} → ${p.to})`);
  return { raw: { fromMs, toMs }, rollups: { fromMs, toMs } };
}

async function answer(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, p: SparqlParams): Promise<FastifyReply> {
  if (p.update !== undefined || (p.query !== undefined && looksLikeUpdate(p.query))) {
    throw new KaizenError('KZN_SPARQL_UPDATE', 'SPARQL updates are refused: evidence is append-only', {
      hint: 'Evidence enters as receipts (POST /signal, kaizen import); corrections are new receipts.',
    });
  }
  if (p.query === undefined || p.query.trim() === '') {
    throw new KaizenError('KZN_REQUEST_INVALID', 'query: expected a SPARQL query (?query=, a form field query, or a body of type application/sparql-query)');
  }
  checkQueryScope(p.query);
  if (p['default-graph-uri'] !== undefined || p['named-graph-uri'] !== undefined) {
    throw new KaizenError('KZN_REQUEST_INVALID', 'default-graph-uri and named-graph-uri are not supported: the dataset is the loaded partitions', {
      hint: 'Choose partitions with from/to or week, and graphs with GRAPH in the query.',
    });
  }
  const { raw, rollups } = rangeOf(ctx, p);
  const { sparqlMaxRawHours, sparqlTimeoutMs, sparqlResultLimit } = ctx.options;
  if (raw.toMs - raw.fromMs > sparqlMaxRawHours * HOUR_MS) {
    throw new KaizenError('KZN_REQUEST_INVALID', `from/to: at most ${sparqlMaxRawHours} hours of raw receipts per query, got ${((raw.toMs - raw.fromMs) / HOUR_MS).toFixed(1)}`);
  }
  const query = p.query;
  const result = await ctx.gate.run(async () => {
    try {
      await ctx.store.load({ range: raw, raw: true });
      await ctx.store.load({ range: rollups, rollups: true });
      return await ctx.store.query(query, { timeoutMs: sparqlTimeoutMs });
    } catch (error) {
      throw classify(error, sparqlTimeoutMs);
    } finally {
      ctx.releaseDrillDown(raw);
    }
  });
  return send(request, reply, result, sparqlResultLimit);
}

function classify(error: unknown, timeoutMs: number): unknown {
  if (!isKaizenError(error, 'KZN_QUERY_FAILED')) return error;
  if (/timeout/i.test(error.message)) {
    return new KaizenError('KZN_QUERY_TIMEOUT', `the query was stopped at the timeout of ${timeoutMs} ms`, { hint: 'Narrow from/to, add a LIMIT, or ask for fewer rows.', cause: error });
  }
  if (/updates are refused/.test(error.message)) return new KaizenError('KZN_SPARQL_UPDATE', error.message, { cause: error });
  return error;
}

function send(request: FastifyRequest, reply: FastifyReply, result: QueryResult, limit: number): FastifyReply {
  const size = result.kind === 'bindings' ? result.rows.length : result.kind === 'quads' ? result.quads.length : 1;
  if (size > limit) {
    throw new KaizenError('KZN_QUERY_LIMIT', `the query gave ${size} ${result.kind === 'quads' ? 'quads' : 'rows'}, more than the limit of ${limit}`, {
      hint: 'Add a LIMIT (and OFFSET to page), or aggregate.',
    });
  }
  const chosen = negotiate(request.headers.accept, result.kind === 'quads' ? 'quads' : 'bindings');
  if (chosen === undefined) {
    const offers = MEDIA[result.kind === 'quads' ? 'quads' : 'bindings'].map(([m]) => m);
    throw new KaizenError('KZN_NOT_ACCEPTABLE', `Accept: ${request.headers.accept}: this result is offered as ${offers.join(', ')}`);
  }
  const [media, format] = chosen;
  reply.header('vary', 'Accept');
  return reply.type(media.startsWith('text/') ? `${media}; charset=utf-8` : media).send(formatResult(result, format));
}
