// What buildServer is given (ServerDeps) and what its routes share (ServerContext).

import type { SloSpec } from '../analysis/slo-spec.js';
import type { EvidenceStore } from '../evidence/store.js';
import { HOUR_MS, hourStartMs, type TimeRange } from '../evidence/time.js';
import type { HealthScoreCache } from './health-score.js';
import type { LivePipeline } from './live-pipeline.js';
import type { LiveStats } from './live-stats.js';
import type { StoreGate } from './store-gate.js';

/** Limits of the API, each with a default. */
export interface ServerOptions {
  /** Largest request body, bytes (default 64 KiB). */
  readonly bodyLimitBytes: number;
  /** How long POST /signal?wait=true waits at most, ms (default 30 s). */
  readonly waitTimeoutMs: number;
  /** SPARQL: the query timeout (default 10 s) and the most result rows or quads (default 10,000). */
  readonly sparqlTimeoutMs: number;
  readonly sparqlResultLimit: number;
  /** SPARQL: the most raw hours one query may load (default 24). */
  readonly sparqlMaxRawHours: number;
  /** How long a /health-score answer is served before it is recomputed, ms (default 30 s). */
  readonly healthScoreTtlMs: number;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  bodyLimitBytes: 64 * 1024,
  waitTimeoutMs: 30_000,
  sparqlTimeoutMs: 10_000,
  sparqlResultLimit: 10_000,
  sparqlMaxRawHours: 24,
  healthScoreTtlMs: 30_000,
};

/** What buildServer needs: the store port, the running pipeline, and what the composition root chose. */
export interface ServerDeps {
  readonly store: EvidenceStore;
  /** The lock shared with the pipeline's evidence writer (its rollups take it too). */
  readonly gate: StoreGate;
  readonly live: LivePipeline;
  /** The SLOs of /slos, /metrics and the review (default: the shipped slos/). */
  readonly slos?: readonly SloSpec[];
  /** The bearer token of POST/DELETE /chaos; without one, chaos is off. */
  readonly adminToken?: string;
  /** The bearer token POST /signal and GET /signal/:id need; without one they are open. */
  readonly signalToken?: string;
  readonly options?: Partial<ServerOptions>;
  /** fastify's logger: true for pino on stdout, false for none, or pino options. */
  readonly logger?: boolean | Record<string, unknown>;
  /** kaizen's version, shown in the OpenAPI description. */
  readonly version?: string;
}

/** What every route module gets. */
export interface ServerContext {
  readonly store: EvidenceStore;
  readonly gate: StoreGate;
  readonly live: LivePipeline;
  readonly stats: LiveStats;
  readonly healthScores: HealthScoreCache;
  readonly slos: readonly SloSpec[];
  readonly adminToken: string | undefined;
  readonly signalToken: string | undefined;
  readonly options: ServerOptions;
  readonly now: () => number;
  /** Drops the raw hours a drill-down loaded, except the open hour the writer appends to. */
  releaseDrillDown(range: TimeRange): void;
}

/** Releases the raw partitions of a range around the open hour, which stays loaded. */
export function releaseAround(store: EvidenceStore, range: TimeRange, openHour: string | undefined): void {
  const open = openHour === undefined ? undefined : hourStartMs(openHour);
  if (open === undefined || open + HOUR_MS <= range.fromMs || open >= range.toMs) {
    store.release({ range, raw: true });
    return;
  }
  if (range.fromMs < open) store.release({ range: { fromMs: range.fromMs, toMs: open }, raw: true });
  if (open + HOUR_MS < range.toMs) store.release({ range: { fromMs: open + HOUR_MS, toMs: range.toMs }, raw: true });
}
