// 5-Whys: from a problem receipt, a chain of up to five preceding events, each linked to the
// one after it by a recorded cause or by co-occurrence well above its baseline, ending in a
// root cause candidate. Pure: the events of the raw hours around the problem in, chain out.

/** An event as the raw receipts record it. */
export interface WhyEvent {
  readonly iri: string;
  readonly className: string;
  readonly timeMs: number;
  readonly component: string;
  readonly reason?: string;
  readonly alert?: string;
  readonly value?: number;
  readonly eventId?: string;
  readonly causedBy?: string;
}

export interface WhyStep {
  readonly step: number;
  readonly statement: string;
  readonly cause: WhyEvent;
  /** The receipts that support the step (the cause first). */
  readonly receipts: readonly string[];
  readonly method: 'recorded-link' | 'co-occurrence-lift';
  /** 1 for a recorded link; for co-occurrence, how many times more often the cause occurred just before than on average. */
  readonly strength: number;
}

export interface WhyChain {
  readonly problem: WhyEvent;
  readonly steps: readonly WhyStep[];
  readonly rootCause: WhyEvent | null;
  readonly conclusion: string;
}

/** Which event classes can explain which (the known causal links between the pillars). */
const CAUSES: Record<string, readonly string[]> = {
  AlertFired: ['CircuitOpened', 'ChaosInjected', 'WorkerCrashed', 'TaskFailed', 'QueueDepthSampled'],
  SignalRejected: ['CircuitOpened', 'QueueDepthSampled', 'WorkerCrashed'],
  CircuitOpened: ['FailureRecorded', 'TaskFailed', 'HealthCheckFailed'],
  CircuitHalfOpened: ['CircuitOpened'],
  FailureRecorded: ['ChaosInjected', 'HealthCheckFailed', 'WorkerCrashed'],
  TaskFailed: ['ChaosInjected', 'HealthCheckFailed', 'WorkerCrashed'],
  HealthCheckFailed: ['ChaosInjected'],
  QueueDepthSampled: ['WorkerCrashed', 'ChaosInjected', 'CircuitOpened'],
  WorkerLoadSampled: ['WorkerCrashed'],
  TaskCompleted: ['ChaosInjected', 'WorkerCrashed', 'QueueDepthSampled'],
};

/** Causes that act on every component (an injected fault, a crashed worker). */
const GLOBAL_CAUSES = new Set(['ChaosInjected', 'WorkerCrashed']);

/** How far before an effect a cause is looked for. */
export const CAUSE_SPAN_MS = 10 * 60_000;
/** A co-occurrence must be at least this many times its baseline rate to count. */
export const MIN_LIFT = 2;

const WORDS: Record<string, string> = {
  AlertFired: 'alert fired',
  SignalRejected: 'signal was rejected',
  CircuitOpened: 'circuit opened',
  CircuitHalfOpened: 'circuit went half-open',
  CircuitClosed: 'circuit closed',
  FailureRecorded: 'failure was recorded',
  TaskFailed: 'task failed',
  TaskCompleted: 'task completed',
  HealthCheckFailed: 'health check failed',
  ChaosInjected: 'fault was injected',
  WorkerCrashed: 'worker crashed',
  QueueDepthSampled: 'queue depth was sampled',
  WorkerLoadSampled: 'worker load was sampled',
};

/** A plain description of an event: "the payments circuit opened at 2026-11-17 10:02:00Z". */
export function describe(e: WhyEvent): string {
  const when = new Date(e.timeMs).toISOString().replace('T', ' ').replace('.000Z', 'Z');
  const what = WORDS[e.className] ?? e.className;
  const detail = [e.alert === undefined ? '' : ` "${e.alert}"`, e.reason === undefined ? '' : ` (${e.reason})`].join('');
  const article = /^[aeiou]/.test(what) ? 'an' : 'a';
  return `on ${e.component} ${article} ${what}${detail} at ${when}`;
}

/** Finds the best supported cause of an effect among the events before it. */
function findCause(
  effect: WhyEvent,
  events: readonly WhyEvent[],
  spanTotalMs: number,
  used: ReadonlySet<string>,
): { cause: WhyEvent; support: WhyEvent[]; method: WhyStep['method']; strength: number } | undefined {
  const causes = CAUSES[effect.className] ?? [];
  if (effect.causedBy !== undefined) {
    const linked = events.find((e) => e.eventId === effect.causedBy && !used.has(e.iri));
    if (linked !== undefined) return { cause: linked, support: [linked], method: 'recorded-link', strength: 1 };
  }
  let best: { cause: WhyEvent; support: WhyEvent[]; method: WhyStep['method']; strength: number } | undefined;
  for (const cls of causes) {
    const relevant = (e: WhyEvent): boolean =>
      e.className === cls && (GLOBAL_CAUSES.has(cls) || effect.component === '*' || e.component === effect.component) && !used.has(e.iri);
    const all = events.filter(relevant);
    const near = all.filter((e) => e.timeMs <= effect.timeMs && e.timeMs >= effect.timeMs - CAUSE_SPAN_MS);
    if (near.length === 0) continue;
    // Lift: the rate just before the effect against the rate over all the hours loaded.
    const lift = near.length / CAUSE_SPAN_MS / (all.length / spanTotalMs);
    const rare = all.length === near.length; // nothing like it elsewhere: as strong as co-occurrence gets
    const strength = rare ? Math.max(lift, spanTotalMs / CAUSE_SPAN_MS) : lift;
    if (strength < MIN_LIFT) continue;
    if (best === undefined || strength > best.strength) {
      const onset = [...near].sort((a, b) => a.timeMs - b.timeMs);
      best = { cause: onset[0]!, support: onset.slice(0, 5), method: 'co-occurrence-lift', strength };
    }
  }
  return best;
}

/**
 * Builds the chain for a problem. `events` are the raw receipts of the hours around it (the
 * problem's hour and the hour before at least); `spanTotalMs` is how long they cover.
 */
export function whyChain(problem: WhyEvent, events: readonly WhyEvent[], spanTotalMs: number): WhyChain {
  const steps: WhyStep[] = [];
  const used = new Set<string>([problem.iri]);
  let effect = problem;
  while (steps.length < 5) {
    const found = findCause(effect, events, spanTotalMs, used);
    if (found === undefined) break;
    for (const s of found.support) used.add(s.iri);
    const how =
      found.method === 'recorded-link'
        ? 'the evidence records the link'
        : `${found.support.length} such event(s) in the ${CAUSE_SPAN_MS / 60_000} minutes before, ${found.strength.toFixed(1)}× their usual rate`;
    steps.push({
      step: steps.length + 1,
      statement: `Why: ${describe(effect)}? Because ${describe(found.cause)} — ${how}.`,
      cause: found.cause,
      receipts: found.support.map((e) => e.iri),
      method: found.method,
      strength: found.strength,
    });
    effect = found.cause;
  }
  const root = steps.length === 0 ? null : steps[steps.length - 1]!.cause;
  const conclusion =
    root === null
      ? `The evidence does not show why ${describe(problem)}: no preceding event is linked to it or occurs well above its usual rate.`
      : steps.length === 5
        ? `Root cause candidate after five whys: ${describe(root)}.`
        : `Root cause candidate: ${describe(root)}. The evidence shows nothing earlier that explains it.`;
  return { problem, steps, rootCause: root, conclusion };
}
