// GET /metrics: the Prometheus registry of a server (prom-client) — counters and the signal
// duration histogram fed by the pipeline's events, gauges read at scrape time — and its JSON
// summary for Accept: application/json.

import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { PILLAR_NAMES } from '../analysis/health.js';
import type { KaizenEvent } from '../evidence/event.js';
import type { Light } from '../pipeline/andon.js';
import type { ServerContext } from './context.js';

const LIGHT_VALUE: Readonly<Record<Light, number>> = { GREEN: 0, YELLOW: 1, RED: 2 };
const CIRCUIT_VALUE = { closed: 0, 'half-open': 0.5, open: 1 } as const;
const ALERTS = ['high-latency-p99', 'high-error-rate', 'circuit-open', 'queue-backlog', 'worker-down', 'queue-stalled'];

/**
 * Builds the registry (Prometheus naming: base units, `_total` counters, `_seconds`
 * histograms; `tps_` for the pipeline, `kaizen_` for the evidence and its analysis).
 */
export function buildMetrics(ctx: ServerContext): { registry: Registry; unsubscribe: () => void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool check metrics (rightly) flags; its
  // by-type gauges nodejs_active_handles / _requests / _resources tell the same, so these go.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const { live } = ctx;
  const signals = new Counter({
    name: 'tps_signals_total',
    help: 'Signals by outcome: completed, failed (a task outcome) or rejected at the door',
    labelNames: ['outcome', 'signal_type'],
    registers: [registry],
  });
  const rejections = new Counter({ name: 'tps_signal_rejections_total', help: 'Signals refused at the door, by reason', labelNames: ['reason'], registers: [registry] });
  const accepted = new Counter({ name: 'tps_signals_accepted_total', help: 'Signals queued', registers: [registry] });
  const duration = new Histogram({
    name: 'tps_signal_duration_seconds',
    help: 'From arrival to outcome, per signal',
    labelNames: ['outcome', 'signal_type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const opens = new Counter({ name: 'tps_circuit_opens_total', help: 'Times the circuit breaker opened', registers: [registry] });
  const alertsFired = new Counter({ name: 'tps_andon_alerts_fired_total', help: 'Andon alerts fired, by alert', labelNames: ['alert', 'severity'], registers: [registry] });
  const observe = (e: KaizenEvent): void => {
    switch (e.type) {
      case 'task.completed':
      case 'task.failed': {
        const labels = { outcome: e.type === 'task.completed' ? 'completed' : 'failed', signal_type: e.component };
        signals.inc(labels);
        if (e.value !== undefined) duration.observe(labels, e.value / 1000);
        break;
      }
      case 'signal.rejected': {
        const type = e.attributes?.['signal_type'];
        signals.inc({ outcome: 'rejected', signal_type: typeof type === 'string' ? type : 'unknown' });
        rejections.inc({ reason: e.reason ?? 'unknown' });
        break;
      }
      case 'signal.accepted':
        accepted.inc();
        break;
      case 'circuit.opened':
        opens.inc();
        break;
      case 'alert.fired':
        alertsFired.inc({ alert: e.alert ?? 'unknown', severity: e.severity ?? 'unknown' });
        break;
    }
  };
  const unsubscribe = live.onEvent(observe);
  registerGauges(ctx, registry);
  return { registry, unsubscribe };
}

function gauge(registry: Registry, name: string, help: string, collect: (g: Gauge) => void | Promise<void>, labelNames: string[] = []): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      await collect(this);
    },
  });
}

/** The gauges, read from a pipeline snapshot, the writer and the cached analysis at scrape time. */
function registerGauges(ctx: ServerContext, registry: Registry): void {
  const { live } = ctx;
  // Each gauge reads a snapshot of its own: they are collected one after another.
  const snap = () => live.status();
  gauge(registry, 'tps_circuit_state', 'Circuit breaker state: 0 closed, 0.5 half-open, 1 open', (g) => g.set(CIRCUIT_VALUE[snap().circuit]));
  gauge(registry, 'tps_queue_depth', 'Tasks waiting in the Kanban queue', (g) => g.set(snap().queue.depth));
  gauge(registry, 'tps_queue_capacity', 'Capacity of the Kanban queue', (g) => g.set(snap().queue.capacity));
  gauge(registry, 'tps_workers_alive', 'Workers that are up', (g) => g.set(snap().workers.filter((w) => w.alive).length));
  gauge(registry, 'tps_workers_configured', 'Workers of the pool, up or down (TPS_NUM_WORKERS)', (g) => g.set(snap().workers.length));
  gauge(
    registry,
    'tps_worker_load',
    'Tasks in flight and buffered per worker',
    (g) => {
      for (const w of snap().workers) g.set({ worker: w.name, lane: w.lane }, w.load);
    },
    ['worker', 'lane'],
  );
  gauge(registry, 'tps_error_ratio', 'Failed / (completed + failed) over the timing window', (g) => g.set(snap().errorRate));
  gauge(
    registry,
    'tps_latency_window_seconds',
    'Latency percentiles of completed tasks over the timing window',
    (g) => {
      const { p50, p90, p99 } = snap().latency;
      g.reset();
      // Not a summary (these are the window's, not the process's), so the label is not `quantile`.
      for (const [p, v] of [['p50', p50], ['p90', p90], ['p99', p99]] as const) {
        if (Number.isFinite(v)) g.set({ percentile: p }, v / 1000);
      }
    },
    ['percentile'],
  );
  gauge(
    registry,
    'tps_andon_light',
    'Andon light per pillar: 0 green, 1 yellow, 2 red',
    (g) => {
      for (const [pillar, light] of Object.entries(snap().lights)) g.set({ pillar }, LIGHT_VALUE[light as Light]);
    },
    ['pillar'],
  );
  gauge(
    registry,
    'tps_andon_alert_active',
    'Andon alerts firing now (1) or not (0)',
    (g) => {
      const firing = new Set(snap().activeAlerts.map((a) => a.name));
      for (const alert of ALERTS) g.set({ alert }, firing.has(alert) ? 1 : 0);
    },
    ['alert'],
  );
  gauge(registry, 'kaizen_receipts_journaled', 'Receipts this server journaled since it started', (g) => g.set(live.writer.counts.durable));
  gauge(registry, 'kaizen_journal_buffered_events', 'Events waiting for the next group commit', (g) => g.set(live.writer.counts.buffered));
  gauge(registry, 'kaizen_journal_failed', 'Whether journaling failed (1) or works (0)', (g) => g.set(live.writer.failure === undefined ? 0 : 1));
  registerAnalysisGauges(ctx, registry);
}

/** Health scores (24 h) and SLOs (7 days) from the cached analysis. */
function registerAnalysisGauges(ctx: ServerContext, registry: Registry): void {
  gauge(
    registry,
    'kaizen_health_score',
    'Four-pillar health score (0-100) of the last 24 h of closed hours; pillar="overall" for the overall score',
    async (g) => {
      const { entry } = await ctx.healthScores.get('24h');
      const h = entry.health;
      g.reset();
      if (h.overall.status === 'ok') g.set({ pillar: 'overall' }, h.overall.score);
      for (const p of PILLAR_NAMES) {
        const s = h.pillars[p];
        if (s.status === 'ok') g.set({ pillar: p }, s.score);
      }
    },
    ['pillar'],
  );
  gauge(registry, 'kaizen_health_score_age_seconds', 'How old the cached health score is', (g) => {
    const entry = ctx.healthScores.peek('24h');
    if (entry !== undefined) g.set((ctx.now() - entry.computedMs) / 1000);
  });
  const slo = async (pick: (r: { attainment: number; burnRate: number; remaining: number }) => number, g: Gauge) => {
    const { entry } = await ctx.healthScores.get('7d');
    g.reset();
    for (const r of entry.slos) {
      if (r.status === 'no-data') continue;
      g.set({ slo: r.name }, pick({ attainment: r.attainment, burnRate: r.burnRate, remaining: r.errorBudget.remainingRatio }));
    }
  };
  gauge(registry, 'kaizen_slo_attainment_ratio', 'SLO attainment over the last 7 days (0-1)', (g) => slo((r) => r.attainment, g), ['slo']);
  gauge(registry, 'kaizen_slo_burn_rate', 'SLO burn rate over the last 7 days (error ratio / (1 - target))', (g) => slo((r) => r.burnRate, g), ['slo']);
  gauge(registry, 'kaizen_slo_error_budget_remaining_ratio', 'SLO error budget left over the last 7 days (share; negative when overspent)', (g) => slo((r) => r.remaining, g), ['slo']);
}

/** The JSON summary of GET /metrics with Accept: application/json (the seeds' names, units in them). */
export function metricsSummary(ctx: ServerContext) {
  const s = ctx.live.status();
  const c = s.counters;
  const w = ctx.stats.window(s.timeMs);
  const processed = c.completed + c.failed;
  const ms = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
  return {
    total_processed: processed,
    success_count: c.completed,
    error_count: c.failed,
    rejected_count: c.rejected,
    error_rate_pct: processed === 0 ? 0 : Math.round((10_000 * c.failed) / processed) / 100,
    avg_duration_ms: w.avgMs,
    p50_duration_ms: ms(s.latency.p50),
    p95_duration_ms: ms(s.latency.p95),
    p99_duration_ms: ms(s.latency.p99),
    window_seconds: ctx.stats.windowMs / 1000,
    queue_depth: s.queue.depth,
    circuit_state: s.circuit,
    receipts_journaled: ctx.live.writer.counts.durable,
  };
}

export function registerMetricsRoute(app: FastifyInstance, ctx: ServerContext): void {
  const { registry, unsubscribe } = buildMetrics(ctx);
  app.addHook('onClose', async () => {
    unsubscribe();
  });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus text exposition (tps_* pipeline, kaizen_* evidence and analysis); Accept: application/json for a JSON summary',
        tags: ['pipeline'],
      },
    },
    async (request, reply) => {
      const accept = request.headers.accept ?? '';
      if (/application\/json/.test(accept) && !/text\/plain|openmetrics/.test(accept)) return metricsSummary(ctx);
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
