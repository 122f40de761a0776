// What buildServer is given (ServerDeps) and what its routes share (ServerContext).

import type { SloSpec } from '../analysis/slo-spec.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { TimeRange } from '../evidence/time.js';
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
  /** Drops the raw hours a drill-down loaded (the live hour too: it is read from the journal when needed). */
  releaseDrillDown(range: TimeRange): void;
}
