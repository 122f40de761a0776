// The downstream the workers call: how long the work of a signal takes and whether it succeeds.

import type { ChaosState } from './chaos.js';
import type { Random } from './random.js';
import type { Signal, SignalType } from './signal.js';

/** What one downstream call did. */
export interface CallResult {
  readonly ok: boolean;
  /** Time spent in the call, ms. */
  readonly processMs: number;
  /** Time to inspect the result and to record the outcome, ms. */
  readonly jidokaCheckMs: number;
  readonly recordMs: number;
  /** Why it failed (`downstream-unavailable`, `downstream-error`). */
  readonly reason?: string;
  /** The id of the chaos event that explains a failure, when one does. */
  readonly causedBy?: string;
  /** The id of the chaos event that lengthened the call, when one did. */
  readonly slowedBy?: string;
}

/** The downstream as the pipeline sees it. Its randomness comes from the given source only. */
export interface Downstream {
  call(signal: Signal, chaos: ChaosState, rng: Random): CallResult;
  /** A health check while the circuit is open: true when the downstream answers. */
  healthCheck(chaos: ChaosState, rng: Random): boolean;
}

/** The shape of the simulated downstream. */
export interface SimulatedDownstreamOptions {
  /** Median duration of quick and slow work, ms (used when the payload gives no latency_ms). */
  readonly quickMedianMs: number;
  readonly slowMedianMs: number;
  /** Spread of the log-normal durations (sigma of their logarithm). */
  readonly quickSigma: number;
  readonly slowSigma: number;
  /** Chance that a healthy call fails anyway. */
  readonly errorRate: number;
  /** How long a call to a downstream that is down takes to fail, ms. */
  readonly failFastMs: number;
  /** Inspection and recording costs per signal, ms. */
  readonly jidokaCheckMs: number;
  readonly recordMs: number;
}

/** Defaults: quick work ~40 ms (p99 ≈ 90 ms), slow work ~100 ms, one call in a thousand fails. */
export const DEFAULT_DOWNSTREAM: SimulatedDownstreamOptions = {
  quickMedianMs: 40,
  slowMedianMs: 100,
  quickSigma: 0.35,
  slowSigma: 0.25,
  errorRate: 0.001,
  failFastMs: 3,
  jidokaCheckMs: 0.2,
  recordMs: 0.5,
};

/** How much each signal type weighs relative to plain execution. */
const TYPE_FACTOR: Readonly<Record<SignalType, number>> = { validate: 0.6, execute: 1, report: 1.5 };

/**
 * A simulated downstream: durations are log-normal around a median set by the work type and the
 * signal type (`payload.latency_ms`, when given, is the duration itself); chaos adds latency or
 * takes it down.
 */
export function simulatedDownstream(options: Partial<SimulatedDownstreamOptions> = {}): Downstream {
  const o: SimulatedDownstreamOptions = { ...DEFAULT_DOWNSTREAM, ...options };
  return {
    call(signal, chaos, rng) {
      const down = chaos.downstreamDown;
      if (down !== undefined) {
        return {
          ok: false,
          processMs: o.failFastMs,
          jidokaCheckMs: o.jidokaCheckMs,
          recordMs: o.recordMs,
          reason: 'downstream-unavailable',
          causedBy: down.id,
        };
      }
      const slow = signal.workType === 'slow';
      const base =
        signal.latencyMs ??
        rng.logNormal((slow ? o.slowMedianMs : o.quickMedianMs) * TYPE_FACTOR[signal.signalType], slow ? o.slowSigma : o.quickSigma);
      const latencyFault = chaos.latencyFault;
      const processMs = base + (latencyFault === undefined ? 0 : chaos.addedLatencyMs);
      const failed = rng.chance(o.errorRate);
      return {
        ok: !failed,
        processMs,
        jidokaCheckMs: o.jidokaCheckMs,
        recordMs: o.recordMs,
        ...(failed && { reason: 'downstream-error' }),
        ...(latencyFault !== undefined && { slowedBy: latencyFault.id }),
      };
    },
    healthCheck(chaos) {
      return chaos.downstreamDown === undefined;
    },
  };
}
