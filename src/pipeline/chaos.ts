// Chaos controls: the faults that can be switched on and off while the pipeline runs.

import { quoteInput } from '../errors.js';

/** A fault to inject. */
export type ChaosSpec =
  | { readonly kind: 'downstream-down' }
  | { readonly kind: 'added-latency'; readonly latencyMs: number }
  | { readonly kind: 'worker-crash'; readonly worker?: string; readonly restartAfterMs?: number }
  | { readonly kind: 'queue-stall' }
  /** Recorded only: the traffic source, not the pipeline, makes the extra load. */
  | { readonly kind: 'traffic-spike'; readonly multiplier: number };

/** The kinds of fault. */
export type ChaosKind = ChaosSpec['kind'];
/** Every kind of fault, for messages and validation. */
export const CHAOS_KINDS: readonly ChaosKind[] = [
  'downstream-down',
  'added-latency',
  'worker-crash',
  'queue-stall',
  'traffic-spike',
];

/** A fault that is switched on, with the id of its chaos.injected event. */
export interface ActiveChaos {
  readonly id: string;
  readonly spec: ChaosSpec;
  readonly startMs: number;
  /** For a worker crash: the worker that crashed. */
  readonly worker?: string;
}

/** The answer to a chaos request: the id of the injected fault, or why it was refused. */
export type ChaosResult = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly reason: string };

/** The receipt attributes describing a fault. */
export function chaosAttributes(spec: ChaosSpec, worker?: string): Record<string, string | number> {
  const out: Record<string, string | number> = { kind: spec.kind };
  if (spec.kind === 'added-latency') out['latency_ms'] = spec.latencyMs;
  if (spec.kind === 'traffic-spike') out['multiplier'] = spec.multiplier;
  if (spec.kind === 'worker-crash' && spec.restartAfterMs !== undefined) out['restart_after_ms'] = spec.restartAfterMs;
  if (worker !== undefined) out['worker'] = worker;
  return out;
}

const fail = (reason: string) => ({ ok: false, reason }) as const;

function positive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/**
 * Validates a chaos request from outside (HTTP or CLI):
 * `{ kind, latency_ms?, worker?, restart_after_ms?, multiplier? }`.
 */
export function checkChaosSpec(input: unknown): { ok: true; spec: ChaosSpec } | { ok: false; reason: string } {
  if (typeof input !== 'object' || input === null) return fail('chaos: expected a JSON object');
  const o = input as Record<string, unknown>;
  switch (o['kind']) {
    case 'downstream-down':
    case 'queue-stall':
      return { ok: true, spec: { kind: o['kind'] } };
    case 'added-latency':
      if (!positive(o['latency_ms'])) return fail(`latency_ms: expected a positive number of ms, got ${show(o['latency_ms'])}`);
      return { ok: true, spec: { kind: 'added-latency', latencyMs: o['latency_ms'] } };
    case 'traffic-spike':
      if (!positive(o['multiplier'])) return fail(`multiplier: expected a positive number, got ${show(o['multiplier'])}`);
      return { ok: true, spec: { kind: 'traffic-spike', multiplier: o['multiplier'] } };
    case 'worker-crash': {
      const worker = o['worker'];
      const restart = o['restart_after_ms'];
      if (worker !== undefined && typeof worker !== 'string') return fail(`worker: expected a worker name like "worker-2", got ${show(worker)}`);
      if (restart !== undefined && !positive(restart)) return fail(`restart_after_ms: expected a positive number of ms, got ${show(restart)}`);
      return {
        ok: true,
        spec: {
          kind: 'worker-crash',
          ...(worker !== undefined && { worker }),
          ...(restart !== undefined && { restartAfterMs: restart }),
        },
      };
    }
    default:
      return fail(`kind: expected one of ${CHAOS_KINDS.join(', ')}, got ${show(o['kind'])}`);
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  return quoteInput(typeof value === 'string' ? value : String(JSON.stringify(value)));
}

/** The faults that are on. The pipeline asks it what the downstream and the queue should do. */
export class ChaosState {
  readonly #active = new Map<string, ActiveChaos>();

  /** Switches a fault on. */
  add(chaos: ActiveChaos): void {
    this.#active.set(chaos.id, chaos);
  }

  /** Switches a fault off; returns it, or undefined if no fault has that id. */
  remove(id: string): ActiveChaos | undefined {
    const chaos = this.#active.get(id);
    this.#active.delete(id);
    return chaos;
  }

  /** The faults that are on, oldest first. */
  list(): ActiveChaos[] {
    return [...this.#active.values()];
  }

  /** The outage that makes the downstream unavailable, if any. */
  get downstreamDown(): ActiveChaos | undefined {
    return this.#first('downstream-down');
  }

  /** The fault adding latency, if any (the first one; latencies of several add up). */
  get latencyFault(): ActiveChaos | undefined {
    return this.#first('added-latency');
  }

  /** Latency added to every downstream call, in ms. */
  get addedLatencyMs(): number {
    let sum = 0;
    for (const c of this.#active.values()) if (c.spec.kind === 'added-latency') sum += c.spec.latencyMs;
    return sum;
  }

  /** The stall that stops workers pulling from the queue, if any. */
  get queueStall(): ActiveChaos | undefined {
    return this.#first('queue-stall');
  }

  #first(kind: ChaosKind): ActiveChaos | undefined {
    for (const c of this.#active.values()) if (c.spec.kind === kind) return c;
    return undefined;
  }
}
