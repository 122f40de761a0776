// Pipeline configuration: the defaults, a config file's overrides and TPS_* environment variables.

import { KaizenError, quoteInput } from '../errors.js';
import { type AndonThresholds, DEFAULT_ANDON_THRESHOLDS } from './andon.js';
import type { BreakerOptions } from './circuit-breaker.js';

/** Everything the pipeline can be tuned by. Durations are ms, ratios are 0..1. */
export interface PipelineConfig {
  readonly workers: {
    readonly count: number;
    readonly slowLane: number;
    readonly prefetch: number;
    readonly rebalanceIntervalMs: number;
    readonly rebalanceThreshold: number;
    readonly loadSampleIntervalMs: number;
  };
  readonly breaker: BreakerOptions & { readonly healthCheckIntervalMs: number };
  readonly queue: { readonly capacity: number; readonly agingMs: number; readonly depthSampleIntervalMs: number };
  readonly andon: AndonThresholds & { readonly evalIntervalMs: number; readonly historySize: number };
  readonly timing: { readonly windowMs: number; readonly maxSamples: number };
  readonly signals: {
    readonly defaultTimeoutMs: number | undefined;
    readonly emitReceived: boolean;
    /** Emit signal.accepted when a signal is queued (the server's durable acceptance needs it). */
    readonly emitAccepted: boolean;
    readonly deadLetterMax: number;
  };
}

/** The defaults, from the seeds where they give one (4 workers, threshold 5, 30 s, buffer 1000). */
export const DEFAULT_CONFIG: PipelineConfig = {
  workers: {
    count: 4,
    slowLane: 1,
    prefetch: 2,
    rebalanceIntervalMs: 30_000,
    rebalanceThreshold: 0.05,
    loadSampleIntervalMs: 60_000,
  },
  breaker: {
    failureThreshold: 5,
    failureRateThreshold: 0.5,
    minimumCalls: 5,
    windowMs: 10_000,
    resetTimeoutMs: 30_000,
    halfOpenProbes: 3,
    healthCheckIntervalMs: 5_000,
  },
  queue: { capacity: 1000, agingMs: 5_000, depthSampleIntervalMs: 10_000 },
  andon: { ...DEFAULT_ANDON_THRESHOLDS, evalIntervalMs: 5_000, historySize: 100 },
  timing: { windowMs: 60_000, maxSamples: 50_000 },
  signals: { defaultTimeoutMs: undefined, emitReceived: false, emitAccepted: false, deadLetterMax: 1000 },
};

type Kind = 'count' | 'positive' | 'ms' | 'ratio' | 'optional-ms' | 'bool';
type Section = keyof PipelineConfig;
type Field = { [S in Section]: { section: S; key: keyof PipelineConfig[S] & string } }[Section] & {
  readonly kind: Kind;
  /** The environment variable and the factor from its unit to the config's (s → ms = 1000, % → 0.01). */
  readonly env?: string;
  readonly envScale?: number;
};

const S = 1000;
const PCT = 0.01;

/** Every tunable, with its environment variable. The README's configuration table lists them. */
export const CONFIG_FIELDS: readonly Field[] = [
  { section: 'workers', key: 'count', kind: 'positive', env: 'TPS_NUM_WORKERS' },
  { section: 'workers', key: 'slowLane', kind: 'count', env: 'TPS_SLOW_WORKERS' },
  { section: 'workers', key: 'prefetch', kind: 'count', env: 'TPS_WORKER_PREFETCH' },
  { section: 'workers', key: 'rebalanceIntervalMs', kind: 'ms', env: 'TPS_REBALANCE_INTERVAL_SECS', envScale: S },
  { section: 'workers', key: 'rebalanceThreshold', kind: 'ratio', env: 'TPS_REBALANCE_THRESHOLD_PCT', envScale: PCT },
  { section: 'workers', key: 'loadSampleIntervalMs', kind: 'ms', env: 'TPS_LOAD_SAMPLE_SECS', envScale: S },
  { section: 'breaker', key: 'failureThreshold', kind: 'positive', env: 'TPS_CB_THRESHOLD' },
  { section: 'breaker', key: 'failureRateThreshold', kind: 'ratio', env: 'TPS_CB_FAILURE_RATE_PCT', envScale: PCT },
  { section: 'breaker', key: 'minimumCalls', kind: 'positive', env: 'TPS_CB_MIN_CALLS' },
  { section: 'breaker', key: 'windowMs', kind: 'ms', env: 'TPS_CB_WINDOW_SECS', envScale: S },
  { section: 'breaker', key: 'resetTimeoutMs', kind: 'ms', env: 'TPS_CB_TIMEOUT', envScale: S },
  { section: 'breaker', key: 'halfOpenProbes', kind: 'positive', env: 'TPS_CB_HALF_OPEN_PROBES' },
  { section: 'breaker', key: 'healthCheckIntervalMs', kind: 'ms', env: 'TPS_CB_HEALTH_INTERVAL_SECS', envScale: S },
  { section: 'queue', key: 'capacity', kind: 'positive', env: 'TPS_KANBAN_BUFFER' },
  { section: 'queue', key: 'agingMs', kind: 'ms', env: 'TPS_KANBAN_AGING_SECS', envScale: S },
  { section: 'queue', key: 'depthSampleIntervalMs', kind: 'ms', env: 'TPS_QUEUE_SAMPLE_SECS', envScale: S },
  { section: 'andon', key: 'historySize', kind: 'count', env: 'TPS_ANDON_HISTORY' },
  { section: 'andon', key: 'evalIntervalMs', kind: 'ms', env: 'TPS_ANDON_EVAL_SECS', envScale: S },
  { section: 'andon', key: 'latencyP99Ms', kind: 'ms', env: 'TPS_ANDON_P99_MS' },
  { section: 'andon', key: 'latencyClearP99Ms', kind: 'ms', env: 'TPS_ANDON_P99_CLEAR_MS' },
  { section: 'andon', key: 'latencyForMs', kind: 'ms', env: 'TPS_ANDON_P99_FOR_SECS', envScale: S },
  { section: 'andon', key: 'errorRate', kind: 'ratio', env: 'TPS_ANDON_ERROR_RATE_PCT', envScale: PCT },
  { section: 'andon', key: 'errorRateClear', kind: 'ratio' },
  { section: 'andon', key: 'errorRateMinOutcomes', kind: 'count' },
  { section: 'andon', key: 'errorRateForMs', kind: 'ms' },
  { section: 'andon', key: 'circuitClearForMs', kind: 'ms' },
  { section: 'andon', key: 'backlogRatio', kind: 'ratio', env: 'TPS_ANDON_BACKLOG_PCT', envScale: PCT },
  { section: 'andon', key: 'backlogClearRatio', kind: 'ratio' },
  { section: 'andon', key: 'backlogClearForMs', kind: 'ms' },
  { section: 'andon', key: 'workerClearForMs', kind: 'ms' },
  { section: 'andon', key: 'stallMs', kind: 'ms', env: 'TPS_ANDON_STALL_SECS', envScale: S },
  { section: 'timing', key: 'windowMs', kind: 'ms', env: 'TPS_TIMING_WINDOW_SECS', envScale: S },
  { section: 'timing', key: 'maxSamples', kind: 'positive' },
  { section: 'signals', key: 'defaultTimeoutMs', kind: 'optional-ms', env: 'TPS_DEFAULT_TIMEOUT_MS' },
  { section: 'signals', key: 'emitReceived', kind: 'bool', env: 'TPS_EMIT_RECEIVED' },
  { section: 'signals', key: 'emitAccepted', kind: 'bool', env: 'TPS_EMIT_ACCEPTED' },
  { section: 'signals', key: 'deadLetterMax', kind: 'count', env: 'TPS_DEAD_LETTER_MAX' },
];

const EXPECTED: Readonly<Record<Kind, string>> = {
  count: 'an integer >= 0',
  positive: 'a positive integer',
  ms: 'a positive number',
  ratio: 'a ratio from 0 to 1',
  'optional-ms': 'a positive number, or null for none',
  bool: 'true or false',
};

function valid(kind: Kind, v: unknown): boolean {
  const num = typeof v === 'number' && Number.isFinite(v);
  switch (kind) {
    case 'count':
      return num && Number.isInteger(v) && (v as number) >= 0;
    case 'positive':
      return num && Number.isInteger(v) && (v as number) > 0;
    case 'ms':
      return num && (v as number) > 0;
    case 'ratio':
      return num && (v as number) >= 0 && (v as number) <= 1;
    case 'optional-ms':
      return v === undefined || valid('ms', v);
    case 'bool':
      return typeof v === 'boolean';
  }
}

function usage(message: string, hint?: string): KaizenError {
  return new KaizenError('KZN_USAGE', message, hint === undefined ? {} : { hint });
}

function fromEnv(field: Field, text: string): unknown {
  const t = text.trim();
  if (field.kind === 'bool') return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : text;
  if (field.kind === 'optional-ms' && (t === 'none' || t === 'off')) return undefined;
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
  return Number.isNaN(n) ? text : n * (field.envScale ?? 1);
}

/** Where configuration comes from: environment variables and an already parsed config file. */
export interface ConfigSources {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A config file's content (JSON or YAML parsed by the caller) and its name for messages. */
  readonly file?: { readonly name: string; readonly data: unknown };
}

/**
 * The configuration: defaults, overridden by the file (keys as in PipelineConfig, e.g.
 * `breaker: { resetTimeoutMs: 10000 }`), overridden by TPS_* variables. Throws KZN_USAGE naming the
 * bad key and value.
 */
export function resolveConfig(sources: ConfigSources = {}): PipelineConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, values] of Object.entries(DEFAULT_CONFIG)) out[section] = { ...values };
  if (sources.file !== undefined) applyFile(out, sources.file.name, sources.file.data);
  for (const field of CONFIG_FIELDS) {
    const text = field.env === undefined ? undefined : sources.env?.[field.env];
    if (field.env === undefined || text === undefined || text.trim() === '') continue;
    const value = fromEnv(field, text);
    if (!valid(field.kind, value)) {
      throw usage(`${field.env}: expected ${envExpectation(field)}, got ${quoteInput(text)}`);
    }
    (out[field.section] as Record<string, unknown>)[field.key] = value;
  }
  applyPoolAlias(out, sources.env?.['TPS_HEIJUNKA_POOL'], sources.env?.['TPS_NUM_WORKERS']);
  const config = out as unknown as PipelineConfig;
  checkCoherence(config);
  return config;
}

function envExpectation(field: Field): string {
  if (field.envScale === S) return `a positive number of seconds`;
  if (field.envScale === PCT) return 'a percentage from 0 to 100';
  return EXPECTED[field.kind];
}

/** TPS_HEIJUNKA_POOL is the seeds' other name for the pool size; it must agree with TPS_NUM_WORKERS. */
function applyPoolAlias(out: Record<string, Record<string, unknown>>, pool: string | undefined, workers: string | undefined) {
  if (pool === undefined || pool.trim() === '') return;
  const value = fromEnv({ section: 'workers', key: 'count', kind: 'positive' }, pool);
  if (!valid('positive', value)) throw usage(`TPS_HEIJUNKA_POOL: expected a positive integer, got ${quoteInput(pool)}`);
  if (workers !== undefined && workers.trim() !== '' && Number(workers) !== value) {
    throw usage(
      `TPS_HEIJUNKA_POOL=${pool} and TPS_NUM_WORKERS=${workers} disagree: both set the worker pool size`,
      'Set one of them, or the same value in both.',
    );
  }
  (out['workers'] as Record<string, unknown>)['count'] = value;
}

function applyFile(out: Record<string, Record<string, unknown>>, name: string, data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw usage(`${name}: expected a mapping of sections (${Object.keys(DEFAULT_CONFIG).join(', ')})`);
  }
  for (const [section, values] of Object.entries(data)) {
    const fields = CONFIG_FIELDS.filter((f) => f.section === section);
    if (fields.length === 0) {
      throw usage(`${name}: unknown section ${quoteInput(section)} (expected ${Object.keys(DEFAULT_CONFIG).join(', ')})`);
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw usage(`${name}: ${section}: expected a mapping of keys`);
    }
    for (const [key, raw] of Object.entries(values as Record<string, unknown>)) {
      const field = fields.find((f) => f.key === key);
      if (field === undefined) {
        throw usage(`${name}: unknown key ${quoteInput(`${section}.${key}`)} (expected ${fields.map((f) => f.key).join(', ')})`);
      }
      const value = raw === null ? undefined : raw;
      if (!valid(field.kind, value)) {
        throw usage(`${name}: ${section}.${key}: expected ${EXPECTED[field.kind]}, got ${quoteInput(String(JSON.stringify(raw)))}`);
      }
      (out[section] as Record<string, unknown>)[key] = value;
    }
  }
}

function checkCoherence(c: PipelineConfig): void {
  const w = c.workers;
  if (w.slowLane >= w.count) {
    throw usage(
      `workers.slowLane (TPS_SLOW_WORKERS): expected fewer slow-lane workers than workers (${w.count}), got ${w.slowLane}`,
      'At least one worker must serve the fast lane.',
    );
  }
  const a = c.andon;
  if (a.latencyClearP99Ms >= a.latencyP99Ms) {
    throw usage(`andon.latencyClearP99Ms: expected less than andon.latencyP99Ms (${a.latencyP99Ms}), got ${a.latencyClearP99Ms}`);
  }
  if (a.errorRateClear >= a.errorRate) {
    throw usage(`andon.errorRateClear: expected less than andon.errorRate (${a.errorRate}), got ${a.errorRateClear}`);
  }
  if (a.backlogClearRatio >= a.backlogRatio) {
    throw usage(`andon.backlogClearRatio: expected less than andon.backlogRatio (${a.backlogRatio}), got ${a.backlogClearRatio}`);
  }
}
