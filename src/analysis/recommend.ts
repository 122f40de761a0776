// Recommendations: rules over health inputs, SLO results, trends and incidents, each with its
// priority, the evidence behind it and the expected effect. Pure.

import type { WindowFacts } from './facts.js';
import type { HealthReport } from './health.js';
import type { SloResult } from './slo.js';
import type { TrendResult } from './trends.js';

export interface Recommendation {
  /** 1 = do this first. */
  readonly priority: 1 | 2 | 3;
  readonly title: string;
  readonly action: string;
  readonly expectedEffect: string;
  /** What it rests on: figures with their units and the queries or receipts they came from. */
  readonly evidence: readonly string[];
}

export interface RecommendInput {
  readonly health: HealthReport;
  readonly slos: readonly SloResult[];
  readonly trends: ReadonlyMap<string, TrendResult>;
  readonly facts: WindowFacts;
}

const input = (h: HealthReport, pillar: keyof HealthReport['pillars'], key: string): number | null =>
  h.pillars[pillar].inputs[key]?.value ?? null;

/** The recommendations for a window, most urgent first. */
export function recommend({ health, slos, trends, facts }: RecommendInput): Recommendation[] {
  const out: Recommendation[] = [];
  for (const s of slos) {
    if (s.status === 'no-data') continue;
    if (s.budgetStatus === 'exhausted') {
      out.push({
        priority: 1,
        title: `Error budget of ${s.name} is exhausted`,
        action: 'Freeze risky changes and spend the week on the reliability work the incidents below point to.',
        expectedEffect: `Attainment back above ${(s.target * 100).toFixed(2)} % next week.`,
        evidence: [`attainment ${(s.attainment * 100).toFixed(3)} % against ${(s.target * 100).toFixed(2)} %`, `burn rate ${s.burnRate.toFixed(2)}`, `query ${s.query}`],
      });
    } else if (s.budgetStatus === 'at-risk') {
      out.push({
        priority: 2,
        title: `Error budget of ${s.name} is at risk`,
        action: 'Slow down releases and fix the largest source of bad events first.',
        expectedEffect: 'Burn rate below 1 so the budget lasts the window.',
        evidence: [`${(s.errorBudget.remainingRatio * 100).toFixed(1)} % of the budget left`, `burn rate ${s.burnRate.toFixed(2)}`, `query ${s.query}`],
      });
    }
  }
  const opens = [...facts.total.circuitOpenSeconds.entries()].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  const openings = facts.total.counts.get('CircuitOpened') ?? 0;
  if (opens.length > 0) {
    const [component, seconds] = opens[0]!;
    out.push({
      priority: openings >= 3 || seconds > 600 ? 1 : 2,
      title: `Investigate the downstream of ${component}`,
      action: `Circuits opened ${openings} time(s) this window, ${component} longest; find what fails downstream (kaizen why on the opening) and add a fallback or a timeout budget.`,
      expectedEffect: `Up to ${Math.round(seconds)} s less open-circuit time and the rejections that came with it.`,
      evidence: [`circuit open ${Math.round(seconds)} s on ${component}`, `${openings} circuit.opened receipts`, 'query circuit-open-seconds'],
    });
  }
  const alertsPerMin = input(health, 'andon', 'alerts_per_min');
  if (alertsPerMin !== null && alertsPerMin > 1) {
    out.push({
      priority: 2,
      title: 'Tune alert thresholds',
      action: 'More than one alert a minute: raise thresholds, add a "for" duration, or merge alerts that fire together.',
      expectedEffect: 'Fewer, more meaningful pages; a higher Andon score.',
      evidence: [`${alertsPerMin} alerts/min`, 'query hourly-stats'],
    });
  }
  const depth = trends.get('queue_depth_mean');
  const p99 = input(health, 'kanban', 'latency_p99_ms');
  if ((depth?.verdict === 'DEGRADING') || (p99 !== null && p99 > 200)) {
    out.push({
      priority: p99 !== null && p99 > 500 ? 1 : 2,
      title: 'Add workers or shorten the slow path',
      action: 'Queue wait dominates when depth rises with latency: add a worker to the busiest lane, or move slow tasks to the slow lane.',
      expectedEffect: 'p99 latency back under 200 ms.',
      evidence: [
        ...(p99 === null ? [] : [`p99 latency ${p99} ms`]),
        ...(depth === undefined ? [] : [`queue depth trend ${depth.verdict} (p = ${depth.pValue?.toPrecision(2) ?? 'n/a'})`]),
        'queries latency-histogram, hourly-stats',
      ],
    });
  }
  const lbc = input(health, 'heijunka', 'load_balance_coeff');
  if (lbc !== null && lbc < 0.85) {
    out.push({
      priority: lbc < 0.7 ? 1 : 3,
      title: 'Rebalance the worker pools',
      action: 'Work is uneven across workers: rebalance more often or route by current load.',
      expectedEffect: 'Load balance coefficient above 0.85.',
      evidence: [`load balance coefficient ${lbc}`, 'query hourly-stats'],
    });
  }
  for (const [metric, t] of trends) {
    if (t.verdict === 'DEGRADING' && metric !== 'queue_depth_mean') {
      out.push({
        priority: 3,
        title: `${metric} is degrading`,
        action: `Find what changed: compare this week's ${metric} per day with last week's and run kaizen why on the worst hour.`,
        expectedEffect: 'The trend back to STABLE.',
        evidence: [`Theil–Sen slope ${t.slopePerDayPct?.toFixed(1) ?? 'n/a'} %/day, Mann–Kendall p = ${t.pValue?.toPrecision(2) ?? 'n/a'}`],
      });
    }
  }
  return out.sort((a, b) => a.priority - b.priority);
}
