// The production line: a signal through the Jidoka gate, the Kanban queue and a worker to its outcome.

import type { KaizenEvent } from '../evidence/event.js';
import { type EventType, eventTypeInfo } from '../evidence/event-types.js';
import { Andon, defaultAlertRules } from './andon.js';
import { ChaosState } from './chaos.js';
import { CircuitBreaker, DeadLetterList, type Transition } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import type { PipelineConfig } from './config.js';
import type { Downstream } from './downstream.js';
import { COMPONENTS, type EventFields, type EventSink, makeEvent } from './events.js';
import type { IdGenerator } from './ids.js';
import { KanbanQueue } from './kanban-queue.js';
import type { Random } from './random.js';
import { Scheduler } from './scheduler.js';
import type { Lane } from './signal.js';
import type { Task, TaskOutcome } from './task.js';
import { LatencyWindow, roundMs, stageAttributes } from './timing.js';
import { type Worker, WorkerPool } from './worker-pool.js';

/** What the line is built from. */
export interface LineParts {
  readonly config: PipelineConfig;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly ids: IdGenerator;
  readonly rng: Random;
  readonly downstream: Downstream;
}

/** Running totals since the line started. */
export interface Counters {
  submitted: number;
  accepted: number;
  rejected: number;
  completed: number;
  failed: number;
  requeued: number;
  events: number;
}

const LANES_PULL_ORDER: readonly Lane[] = ['slow', 'fast'];
const COMPLETED_PILLAR = eventTypeInfo('task.completed').pillar;

/**
 * The state of the whole pipeline and the flow of work through it. Time is `nowMs`, moved only by
 * the owner (the Pipeline) as it runs scheduled actions. Transitions of the breaker are handed to
 * `onTransition`, set by the supervisor.
 */
export class Line {
  readonly config: PipelineConfig;
  readonly parts: LineParts;
  nowMs: number;
  readonly scheduler = new Scheduler();
  readonly queue: KanbanQueue<Task>;
  readonly pool: WorkerPool<Task>;
  readonly breaker: CircuitBreaker;
  readonly timing: LatencyWindow;
  readonly chaos = new ChaosState();
  readonly andon: Andon;
  readonly deadLetters: DeadLetterList;
  readonly counters: Counters = { submitted: 0, accepted: 0, rejected: 0, completed: 0, failed: 0, requeued: 0, events: 0 };
  /** Ids of the latest circuit.opened and worker.crashed events, for causedBy. */
  lastOpenedId: string | undefined;
  /** The id of the latest failure.recorded event. */
  lastFailureId: string | undefined;
  lastCrashId: string | undefined;
  /** The last time the queue was empty or had an item pulled: how long it has been stalled. */
  lastQueueProgressMs: number;
  /** The worker.crashed id of each worker that is down. */
  readonly crashIds = new Map<string, string>();
  /**
   * When each accepted signal without an outcome yet arrived, oldest first (kept only when
   * signal.accepted is emitted: queue.depth samples tell a restarted server how far back to look).
   */
  readonly inFlight = new Map<string, number>();
  onTransition: (t: Transition, causeId: string | undefined) => void = () => {};

  constructor(parts: LineParts, startMs: number) {
    const c = parts.config;
    this.parts = parts;
    this.config = c;
    this.nowMs = startMs;
    this.lastQueueProgressMs = startMs;
    this.queue = new KanbanQueue<Task>({ capacity: c.queue.capacity, agingMs: c.queue.agingMs });
    this.pool = new WorkerPool<Task>(c.workers);
    this.breaker = new CircuitBreaker(c.breaker);
    this.timing = new LatencyWindow(c.timing.windowMs, c.timing.maxSamples);
    this.andon = new Andon(defaultAlertRules(c.andon), c.andon.historySize);
    this.deadLetters = new DeadLetterList(c.signals.deadLetterMax);
  }

  /** Emits an event at the current time and returns it. */
  emit(type: EventType, component: string, fields: EventFields): KaizenEvent {
    const event = makeEvent(type, this.nowMs, component, fields);
    this.counters.events += 1;
    this.parts.sink(event);
    return event;
  }

  /** Emits a fully built event (the hot paths build theirs directly). */
  emitFast(event: KaizenEvent): void {
    this.counters.events += 1;
    this.parts.sink(event);
  }

  /** Lets workers with room pull from the queue (unless a stall stops them) and start work. */
  pump(): void {
    if (this.chaos.queueStall !== undefined) return;
    for (const lane of LANES_PULL_ORDER) {
      while (this.queue.sizeOf(lane) > 0) {
        const worker = this.pool.pullerFor(lane);
        if (worker === undefined) break;
        const task = this.queue.poll(lane) as Task;
        this.lastQueueProgressMs = this.nowMs;
        if (worker.current === undefined) this.#runFrom(worker, task);
        else worker.local.push(task);
      }
    }
  }

  /** Gives work back to the queue (a crashed worker's), in order, at the front of its priority. */
  requeue(tasks: readonly Task[]): void {
    if (this.queue.size === 0) this.lastQueueProgressMs = this.nowMs;
    for (let i = tasks.length - 1; i >= 0; i--) this.queue.requeue(tasks[i] as Task);
    this.counters.requeued += tasks.length;
  }

  /** Starts the next buffered task of every idle live worker (after a rebalance or a restart). */
  startIdle(): void {
    for (const w of this.pool.workers) {
      if (w.alive && w.current === undefined && w.local.length > 0) this.#runFrom(w, w.local.shift() as Task);
    }
  }

  /** Runs `task` on `worker`, then its buffered tasks while they end at once (fail fast). */
  #runFrom(worker: Worker<Task>, first: Task): void {
    for (let task: Task | undefined = first; task !== undefined; task = worker.local.shift()) {
      if (this.#start(worker, task)) return;
    }
  }

  /** Starts a task; returns false when it ended at once without calling the downstream. */
  #start(worker: Worker<Task>, task: Task): boolean {
    const now = this.nowMs;
    task.attempt += 1;
    const timeoutMs = task.signal.timeoutMs ?? this.config.signals.defaultTimeoutMs;
    const waitedMs = now - task.arrivalMs;
    const epoch = this.breaker.epoch;
    const quick = { processMs: 0, jidokaCheckMs: 0, recordMs: 0, calledDownstream: false, epoch };
    if (timeoutMs !== undefined && waitedMs >= timeoutMs) {
      if (task.probe) this.breaker.releaseProbe();
      this.#finish(worker, task, { ...quick, ok: false, reason: 'timeout-in-queue' });
      return false;
    }
    if (!this.breaker.permitsCall(task.probe)) {
      const reason = this.breaker.state === 'open' ? 'circuit-open' : 'circuit-half-open';
      this.#finish(worker, task, { ...quick, ok: false, reason, ...(this.lastOpenedId !== undefined && { causedBy: this.lastOpenedId }) });
      return false;
    }
    const r = this.parts.downstream.call(task.signal, this.chaos, this.parts.rng);
    let outcome: TaskOutcome = { ...r, calledDownstream: true, epoch };
    if (timeoutMs !== undefined && waitedMs + r.processMs > timeoutMs) {
      const slowedBy = r.slowedBy;
      outcome = { ...outcome, ok: false, processMs: timeoutMs - waitedMs, reason: 'timeout', causedBy: slowedBy };
    }
    this.pool.begin(worker, task, now);
    const attempt = task.attempt;
    const endMs = now + outcome.processMs + outcome.jidokaCheckMs + outcome.recordMs;
    this.scheduler.schedule(endMs, () => {
      if (worker.current !== task || task.attempt !== attempt) return; // the worker crashed meanwhile
      this.pool.end(worker, this.nowMs);
      this.#finish(worker, task, outcome);
      const next = worker.local.shift();
      if (next !== undefined) this.#runFrom(worker, next);
      this.pump();
    });
    return true;
  }

  /** Records a task's outcome: the outcome event, the latency window and the breaker. */
  #finish(worker: Worker<Task>, task: Task, o: TaskOutcome): void {
    const now = this.nowMs;
    const s = task.signal;
    const latencyMs = now - task.arrivalMs;
    // Keys in sorted order, the order the receipt writes them in (it then needs no sort).
    const attributes = stageAttributes(
      {
        receiveMs: task.receiveMs,
        enqueueMs: task.enqueueMs,
        queueWaitMs: latencyMs - task.receiveMs - task.enqueueMs - o.processMs - o.jidokaCheckMs - o.recordMs,
        processMs: o.processMs,
        jidokaCheckMs: o.jidokaCheckMs,
        recordMs: o.recordMs,
      },
      { attempts: task.attempt, lane: task.lane, priority: s.priority, signal_type: s.signalType },
    );
    this.timing.add(now, latencyMs, !o.ok);
    this.inFlight.delete(s.id);
    const recorded = o.calledDownstream ? this.breaker.record(now, !o.ok, o.epoch) : undefined;
    if (o.ok) {
      this.counters.completed += 1;
      this.emitFast({
        type: 'task.completed',
        timeMs: Math.floor(now),
        component: s.signalType,
        pillar: COMPLETED_PILLAR,
        value: roundMs(latencyMs),
        unit: 'ms',
        signalId: s.id,
        traceId: s.traceId,
        spanId: s.spanId,
        worker: worker.name,
        attributes,
      });
    } else {
      this.counters.failed += 1;
      const id = recorded?.counted === true ? this.parts.ids.eventId('task-failed') : undefined;
      const ref = { signalId: s.id, traceId: s.traceId, spanId: s.spanId, worker: worker.name };
      this.emit('task.failed', s.signalType, { ...ref, id, value: roundMs(latencyMs), reason: o.reason, causedBy: o.causedBy, attributes });
      if (id !== undefined) this.#failureRecorded(task, id, o.reason);
    }
    if (recorded?.transition !== undefined) this.onTransition(recorded.transition, this.lastFailureId);
  }

  #failureRecorded(task: Task, failedId: string, reason: string | undefined): void {
    const id = this.parts.ids.eventId('failure');
    const { calls, failures } = this.breaker.windowCounts(this.nowMs);
    this.lastFailureId = id;
    this.emit('failure.recorded', COMPONENTS.breaker, {
      id,
      signalId: task.signal.id,
      traceId: task.signal.traceId,
      reason,
      causedBy: failedId,
      attributes: { state: this.breaker.state, window_calls: calls, window_failures: failures },
    });
  }
}
