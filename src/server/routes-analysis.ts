// GET /slos, /trends, /why and /reports/weekly: the analyzer and the weekly review over the
// evidence, through the same entry points as kaizen slo, trend, why and review.

import type { FastifyInstance } from 'fastify';
import { evaluateSlo } from '../analysis/slo.js';
import { METRICS, metricByName, seriesOf, trendOf } from '../analysis/trends.js';
import type { WhyChain } from '../analysis/whys.js';
import { KaizenError, quoteInput } from '../errors.js';
import { HOUR_MS, parseTimeBound, parseWeek, type TimeRange, WEEK_MS } from '../evidence/time.js';
import { trailingWindow } from '../query/analyze.js';
import { findAlertReceipt, LOOKBACK_MS, whyOfMetric, whyOfReceipt } from '../query/why.js';
import { loadWindowFacts } from '../query/window-facts.js';
import { buildReview } from '../report/build.js';
import type { ReviewModel } from '../report/model.js';
import { type ReviewFormat, renderReview } from '../report/render.js';
import type { ServerContext } from './context.js';

const WINDOWS = ['1h', '24h', '7d', '30d'] as const;
const WEEK = { type: 'string', maxLength: 32, description: 'an ISO week (2026-W48), last, this, or a date in the week' } as const;
const MEDIA: Readonly<Record<ReviewFormat, string>> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** The window of ?week= or ?window= (ending at the current hour), as the analysis commands read them. */
function windowOf(q: { week?: string; window?: string }, nowMs: number, fallback: string): TimeRange & { label: string } {
  if (q.week !== undefined) {
    if (q.window !== undefined) throw new KaizenError('KZN_REQUEST_INVALID', 'query: give week or window, not both');
    const w = parseWeek(q.week, nowMs, 'week');
    return { ...w.range, label: w.label };
  }
  return trailingWindow(q.window ?? fallback, nowMs, 'window');
}

export function registerAnalysisRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { store, gate } = ctx;

  app.get<{ Querystring: { week?: string; window?: string } }>(
    '/slos',
    {
      schema: {
        summary: 'Attainment, error budget, burn rate and burn-rate alert state of every SLO (default: the last 7 days)',
        tags: ['analysis'],
        querystring: { type: 'object', additionalProperties: false, properties: { week: WEEK, window: { type: 'string', enum: [...WINDOWS] } } },
      },
    },
    async (request) => {
      const window = windowOf(request.query, ctx.now(), '7d');
      const { facts } = await gate.run(() => loadWindowFacts(store, window));
      return { window: window.label, from: iso(window.fromMs), to: iso(window.toMs), slos: ctx.slos.map((s) => evaluateSlo(s, facts)) };
    },
  );

  app.get<{ Querystring: { metric?: string; week?: string; window?: string } }>(
    '/trends',
    {
      schema: {
        summary: "Theil–Sen and OLS slopes, Mann–Kendall p-value and verdict of a metric's hourly series (default: every metric, 7 days)",
        tags: ['analysis'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { metric: { type: 'string', enum: METRICS.map((m) => m.name) }, week: WEEK, window: { type: 'string', enum: [...WINDOWS] } },
        },
      },
    },
    async (request) => {
      const window = windowOf(request.query, ctx.now(), '7d');
      const metrics = request.query.metric === undefined ? METRICS : [metricByName(request.query.metric)!];
      const { facts, queries } = await gate.run(() => loadWindowFacts(store, window));
      const trends = metrics.map((m) => ({ metric: m.name, unit: m.unit, description: m.description, ...trendOf(seriesOf(facts.hours, m), m.higherIsBetter) }));
      return { window: window.label, from: iso(window.fromMs), to: iso(window.toMs), trends, queries };
    },
  );

  app.get<{ Querystring: { receipt?: string; alert?: string; metric?: string; at?: string } }>(
    '/why',
    {
      schema: {
        summary: 'The 5-Whys chain of a receipt, of an alert’s last firing at or before a time, or of a metric at a time',
        tags: ['analysis'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            receipt: { type: 'string', maxLength: 200, description: 'a receipt IRI like urn:kaizen:receipt:local:42' },
            alert: { type: 'string', maxLength: 100 },
            metric: { type: 'string', enum: METRICS.map((m) => m.name) },
            at: { type: 'string', maxLength: 40, description: 'a time with a zone, like 2026-11-17T10:05Z' },
          },
        },
      },
    },
    async (request) => whyOf(ctx, request.query),
  );

  const reviews = new ReviewCache();
  const unsubscribe = ctx.live.writer.onRolledUp((hours) => hours.length > 0 && reviews.clear());
  app.addHook('onClose', async () => {
    unsubscribe();
  });
  app.get<{ Querystring: { week: string; format: ReviewFormat; tz?: string } }>(
    '/reports/weekly',
    {
      schema: {
        summary: 'The weekly Kaizen review as Markdown, self-contained HTML or JSON (reports/review.schema.json)',
        tags: ['analysis'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            week: { ...WEEK, default: 'last' },
            format: { type: 'string', enum: ['html', 'md', 'json'], default: 'html' },
            tz: { type: 'string', maxLength: 64, description: 'the time zone whose Monday-to-Monday is the week (default UTC)' },
          },
        },
      },
    },
    async (request, reply) => {
      const { week, format, tz } = request.query;
      const label = `${week} ${tz ?? 'UTC'}`;
      const model =
        reviews.get(label) ??
        (await gate.run(async () => {
          const nowMs = ctx.now();
          try {
            return await buildReview(store, week, { nowMs, slos: ctx.slos, ...(tz !== undefined && { timeZone: tz }) });
          } finally {
            // The review drills into the raw hours around its incidents; they need not stay.
            const w = parseWeek(week, nowMs, 'week').range;
            ctx.releaseDrillDown({ fromMs: w.fromMs - WEEK_MS, toMs: w.toMs + WEEK_MS });
          }
        }));
      reviews.set(label, model);
      return reply.type(MEDIA[format]).send(renderReview(model, format));
    },
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();

async function whyOf(ctx: ServerContext, q: { receipt?: string; alert?: string; metric?: string; at?: string }): Promise<WhyChain> {
  const given = [q.receipt, q.alert, q.metric].filter((x) => x !== undefined).length;
  if (given !== 1) throw new KaizenError('KZN_REQUEST_INVALID', 'query: expected one of receipt=IRI, alert=NAME&at=TIME or metric=NAME&at=TIME');
  if (q.receipt === undefined && q.at === undefined) throw new KaizenError('KZN_REQUEST_INVALID', 'query.at: a time is needed with alert and metric');
  const atMs = q.at === undefined ? 0 : parseTimeBound(q.at, 'at');
  const { store, gate } = ctx;
  return gate.run(async () => {
    let range: TimeRange | undefined;
    try {
      if (q.metric !== undefined) {
        range = { fromMs: atMs - LOOKBACK_MS, toMs: atMs + 1 };
        return await whyOfMetric(store, q.metric, atMs);
      }
      let iri = q.receipt;
      if (q.alert !== undefined) {
        range = { fromMs: atMs - 24 * HOUR_MS, toMs: atMs + 1 };
        iri = await findAlertReceipt(store, q.alert, atMs);
        if (iri === undefined) throw new KaizenError('KZN_NOT_FOUND', `no firing of alert ${quoteInput(q.alert)} in the 24 hours up to ${q.at}`);
      }
      const { chain } = await whyOfReceipt(store, iri as string);
      const from = Math.min(range?.fromMs ?? Number.POSITIVE_INFINITY, chain.problem.timeMs - LOOKBACK_MS);
      range = { fromMs: from, toMs: Math.max(range?.toMs ?? 0, chain.problem.timeMs + HOUR_MS) };
      return chain;
    } finally {
      if (range !== undefined) ctx.releaseDrillDown(range);
    }
  });
}

/** The review models of the last few weeks asked for, until the next rollup. */
class ReviewCache {
  readonly #models = new Map<string, ReviewModel>();

  get(key: string): ReviewModel | undefined {
    return this.#models.get(key);
  }

  set(key: string, model: ReviewModel): void {
    this.#models.delete(key);
    this.#models.set(key, model);
    if (this.#models.size > 4) this.#models.delete(this.#models.keys().next().value as string);
  }

  clear(): void {
    this.#models.clear();
  }
}
