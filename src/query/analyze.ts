// The whole analysis of a window: facts from the rollups, then health, SLOs, trends and
// recommendations, each citing the queries it came from.

import type { WindowFacts } from '../analysis/facts.js';
import { DEFAULT_HEALTH_CONFIG, type HealthConfig, type HealthReport, scoreHealth } from '../analysis/health.js';
import { type Recommendation, recommend } from '../analysis/recommend.js';
import { evaluateSlo, type SloResult } from '../analysis/slo.js';
import type { SloSpec } from '../analysis/slo-spec.js';
import { METRICS, seriesOf, type TrendResult, trendOf } from '../analysis/trends.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, parseDuration, type TimeRange } from '../evidence/time.js';
import { loadWindowFacts } from './window-facts.js';

export interface Analysis {
  readonly window: TimeRange;
  readonly facts: WindowFacts;
  readonly health: HealthReport;
  readonly slos: readonly SloResult[];
  readonly trends: ReadonlyMap<string, TrendResult>;
  readonly recommendations: readonly Recommendation[];
  readonly queries: readonly string[];
}

/**
 * The window of `duration` (like 24h or 7d) that ends at the end of the current UTC hour, as the
 * analysis commands and the HTTP API read `--window` / `?window=`; `where` names the input.
 */
export function trailingWindow(duration: string, nowMs: number, where = '--window'): TimeRange & { label: string } {
  const toMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { fromMs: toMs - parseDuration(duration, where), toMs, label: `last ${duration}` };
}

/** The facts of a window with its rollups loaded (and the queries used). */
export async function analyzeWindow(
  store: EvidenceStore,
  window: TimeRange,
  slos: readonly SloSpec[],
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): Promise<Analysis> {
  const { facts, queries } = await loadWindowFacts(store, window);
  return analyzeFacts(window, facts, queries, slos, config);
}

/** Health, SLOs, trends and recommendations from a window's facts (pure). */
export function analyzeFacts(
  window: TimeRange,
  facts: WindowFacts,
  queries: readonly string[],
  slos: readonly SloSpec[],
  config: HealthConfig = DEFAULT_HEALTH_CONFIG,
): Analysis {
  const health = scoreHealth(facts, config);
  const sloResults = slos.map((s) => evaluateSlo(s, facts));
  const trends = new Map(METRICS.map((m) => [m.name, trendOf(seriesOf(facts.hours, m), m.higherIsBetter)] as const));
  const recommendations = recommend({ health, slos: sloResults, trends, facts });
  return { window, facts, health, slos: sloResults, trends, recommendations, queries };
}
