// The catalogue of event types: their RDF class, their pillar and what they measure.

export const PILLARS = ['jidoka', 'kanban', 'andon', 'heijunka', 'kaizen'] as const;
export type Pillar = (typeof PILLARS)[number];

/** What an event type is: its class in the vocabulary, its pillar and the unit of its value. */
export interface EventTypeInfo {
  /** Local name of the class in the kaizen vocabulary (kaizen.ttl). */
  readonly className: string;
  readonly pillar: Pillar;
  /** The unit of `value` when the type measures something; the value is then required. */
  readonly unit?: string;
  /** True for task outcomes whose values feed the latency histogram. */
  readonly latency?: boolean;
}

/** Every event type of the contract (event.schema.json, version 1), keyed by its JSON `type`. */
export const EVENT_TYPES = {
  'signal.received': { className: 'SignalReceived', pillar: 'kanban' },
  'signal.accepted': { className: 'SignalAccepted', pillar: 'kanban' },
  'signal.rejected': { className: 'SignalRejected', pillar: 'jidoka' },
  'signal.recovered': { className: 'SignalRecovered', pillar: 'kanban' },
  'signal.abandoned': { className: 'SignalAbandoned', pillar: 'kanban' },
  'task.started': { className: 'TaskStarted', pillar: 'kanban' },
  'task.completed': { className: 'TaskCompleted', pillar: 'kanban', unit: 'ms', latency: true },
  'task.failed': { className: 'TaskFailed', pillar: 'jidoka', unit: 'ms', latency: true },
  'queue.depth': { className: 'QueueDepthSampled', pillar: 'kanban', unit: 'tasks' },
  'circuit.opened': { className: 'CircuitOpened', pillar: 'jidoka' },
  'circuit.half_opened': { className: 'CircuitHalfOpened', pillar: 'jidoka' },
  'circuit.closed': { className: 'CircuitClosed', pillar: 'jidoka' },
  'failure.recorded': { className: 'FailureRecorded', pillar: 'jidoka' },
  'health.passed': { className: 'HealthCheckPassed', pillar: 'jidoka' },
  'health.failed': { className: 'HealthCheckFailed', pillar: 'jidoka' },
  'alert.fired': { className: 'AlertFired', pillar: 'andon' },
  'alert.cleared': { className: 'AlertCleared', pillar: 'andon' },
  'worker.activated': { className: 'WorkerActivated', pillar: 'heijunka' },
  'worker.deactivated': { className: 'WorkerDeactivated', pillar: 'heijunka' },
  'worker.crashed': { className: 'WorkerCrashed', pillar: 'heijunka' },
  'worker.load': { className: 'WorkerLoadSampled', pillar: 'heijunka', unit: 'tasks' },
  'rebalance.performed': { className: 'RebalancePerformed', pillar: 'heijunka' },
  'slo.evaluated': { className: 'SloEvaluated', pillar: 'kaizen' },
  'chaos.injected': { className: 'ChaosInjected', pillar: 'kaizen' },
  'chaos.cleared': { className: 'ChaosCleared', pillar: 'kaizen' },
} as const satisfies Record<string, EventTypeInfo>;

export type EventType = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

const BY_CLASS = new Map<string, EventType>(
  EVENT_TYPE_NAMES.map((type) => [EVENT_TYPES[type].className, type]),
);

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EVENT_TYPES, value);
}

export function eventTypeInfo(type: EventType): EventTypeInfo {
  return EVENT_TYPES[type];
}

/** The JSON type of an event class local name (`TaskCompleted` → `task.completed`). */
export function eventTypeOfClass(className: string): EventType | undefined {
  return BY_CLASS.get(className);
}

export function isPillar(value: string): value is Pillar {
  return (PILLARS as readonly string[]).includes(value);
}

/**
 * The bulk classes: receipts written for nearly every signal or on a timer — each signal's
 * lifecycle (received, accepted, started, completed, rejected) and the worker-load samples, 99 %
 * of the evidence — none of which a 5-Whys chain takes as a cause. A drill into an incident reads
 * every other receipt of the hours around it (PartitionRequest.drill): the state changes,
 * failures, alerts and faults. The day index records where those are.
 */
export const BULK_CLASSES: ReadonlySet<string> = new Set([
  'SignalReceived',
  'SignalAccepted',
  'TaskStarted',
  'TaskCompleted',
  'SignalRejected',
  'WorkerLoadSampled',
]);
