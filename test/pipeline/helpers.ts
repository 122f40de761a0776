// Test helpers for the pipeline: an event recorder and a downstream with fixed, chosen behaviour.

import type { KaizenEvent } from '../../src/evidence/event.js';
import type { ChaosState } from '../../src/pipeline/chaos.js';
import { ManualClock } from '../../src/pipeline/clock.js';
import { DEFAULT_CONFIG, type PipelineConfig } from '../../src/pipeline/config.js';
import type { CallResult, Downstream } from '../../src/pipeline/downstream.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Signal } from '../../src/pipeline/signal.js';

/** Events in the order they were emitted, with filters for the assertions. */
export class Recorder {
  readonly events: KaizenEvent[] = [];
  readonly sink = (event: KaizenEvent): void => {
    this.events.push(event);
  };

  of(type: KaizenEvent['type']): KaizenEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  first(type: KaizenEvent['type']): KaizenEvent | undefined {
    return this.events.find((e) => e.type === type);
  }
}

/**
 * A downstream whose calls take `processMs` (or the payload's latency_ms) and fail only while the
 * chaos says it is down, so tests control every outcome.
 */
export function fixedDownstream(processMs = 10): Downstream {
  return {
    call(signal: Signal, chaos: ChaosState): CallResult {
      const down = chaos.downstreamDown;
      const base = { jidokaCheckMs: 0, recordMs: 0 };
      if (down !== undefined) return { ...base, ok: false, processMs: 1, reason: 'downstream-unavailable', causedBy: down.id };
      return { ...base, ok: true, processMs: (signal.latencyMs ?? processMs) + chaos.addedLatencyMs };
    },
    healthCheck: (chaos) => chaos.downstreamDown === undefined,
  };
}

/** A config with some sections replaced. */
export function configWith(overrides: { [S in keyof PipelineConfig]?: Partial<PipelineConfig[S]> }): PipelineConfig {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof PipelineConfig)[]) {
    out[key] = { ...DEFAULT_CONFIG[key], ...overrides[key] };
  }
  return out as unknown as PipelineConfig;
}

/** A started pipeline on a manual clock at `startMs`, recording its events. */
export function testPipeline(options: { config?: PipelineConfig; processMs?: number; startMs?: number } = {}) {
  const clock = new ManualClock(options.startMs ?? Date.UTC(2026, 10, 23));
  const recorder = new Recorder();
  const pipeline = new Pipeline({
    clock,
    sink: recorder.sink,
    seed: 7,
    config: options.config ?? DEFAULT_CONFIG,
    downstream: fixedDownstream(options.processMs ?? 10),
  });
  pipeline.start();
  /** Moves the clock to `ms` after the start and runs what is due. */
  const at = (ms: number): void => {
    clock.set((options.startMs ?? Date.UTC(2026, 10, 23)) + ms);
    pipeline.advance();
  };
  return { clock, recorder, pipeline, at };
}

/** A valid signal. */
export function signal(overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) {
  return { signal_type: 'execute', payload: { type: 'quick', ...payload }, ...overrides };
}
