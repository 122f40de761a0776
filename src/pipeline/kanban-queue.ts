// Kanban: the bounded priority queue that workers pull from, with backpressure and aging.

import { Deque } from './deque.js';
import type { Lane, Priority } from './signal.js';

/** What the queue needs to know about an item. */
export interface QueueItem {
  readonly priority: Priority;
  readonly lane: Lane;
  /** When the item entered the queue; aging counts from here. */
  readonly enqueuedMs: number;
}

/** The answer to an offer: accepted, or refused because the queue is full (backpressure). */
export type OfferResult =
  | { readonly accepted: true; readonly depth: number }
  | { readonly accepted: false; readonly reason: 'queue-full'; readonly depth: number };

/** How the queue is sized and how fast waiting work gains priority. */
export interface KanbanQueueOptions {
  readonly capacity: number;
  /**
   * Aging: each priority level is worth this many ms of waiting. An item is pulled by its
   * virtual deadline `enqueuedMs + (priority - 1) * agingMs`, so work of priority p waits at most
   * (p - 1) * agingMs behind work that arrived after it: the lowest priority is never starved.
   */
  readonly agingMs: number;
}

const LANES: readonly Lane[] = ['fast', 'slow'];
const PRIORITIES: readonly Priority[] = [1, 2, 3, 4];

/**
 * A bounded priority queue with one FIFO per lane and priority. `offer` refuses at once when the
 * queue holds `capacity` items. `requeue` (work given back by a crashed worker) is never refused:
 * that work was already admitted and must not be lost, so only it can take the queue past capacity.
 */
export class KanbanQueue<T extends QueueItem> {
  readonly capacity: number;
  readonly agingMs: number;
  readonly #fifos = new Map<Lane, Deque<T>[]>();
  #size = 0;

  constructor(options: KanbanQueueOptions) {
    this.capacity = options.capacity;
    this.agingMs = options.agingMs;
    for (const lane of LANES) {
      this.#fifos.set(
        lane,
        PRIORITIES.map(() => new Deque<T>()),
      );
    }
  }

  /** Items waiting, all lanes. */
  get size(): number {
    return this.#size;
  }

  /** Items waiting in one lane. */
  sizeOf(lane: Lane): number {
    let n = 0;
    for (const fifo of this.#lane(lane)) n += fifo.length;
    return n;
  }

  /** True when an offer would be refused. */
  get isFull(): boolean {
    return this.#size >= this.capacity;
  }

  /** Adds an item unless the queue is full. */
  offer(item: T): OfferResult {
    if (this.#size >= this.capacity) return { accepted: false, reason: 'queue-full', depth: this.#size };
    this.#fifo(item).push(item);
    this.#size += 1;
    return { accepted: true, depth: this.#size };
  }

  /** Puts admitted work back at the front of its priority (it keeps its original enqueue time). */
  requeue(item: T): void {
    this.#fifo(item).unshift(item);
    this.#size += 1;
  }

  /** Removes and returns the item of the lane with the earliest virtual deadline. */
  poll(lane: Lane): T | undefined {
    const fifos = this.#lane(lane);
    let best: Deque<T> | undefined;
    let bestDeadline = Number.POSITIVE_INFINITY;
    for (const fifo of fifos) {
      const head = fifo.peek();
      if (head === undefined) continue;
      const deadline = this.deadlineOf(head);
      // Strictly earlier wins; on a tie the higher priority (visited first) keeps its place.
      if (deadline < bestDeadline) {
        best = fifo;
        bestDeadline = deadline;
      }
    }
    const item = best?.shift();
    if (item !== undefined) this.#size -= 1;
    return item;
  }

  /** The virtual deadline by which an item is ordered. */
  deadlineOf(item: QueueItem): number {
    return item.enqueuedMs + (item.priority - 1) * this.agingMs;
  }

  /** The waiting items of a lane (in FIFO order per priority, highest priority first). */
  itemsOf(lane: Lane): T[] {
    return this.#lane(lane).flatMap((fifo) => fifo.toArray());
  }

  #lane(lane: Lane): Deque<T>[] {
    return this.#fifos.get(lane) as Deque<T>[];
  }

  #fifo(item: QueueItem): Deque<T> {
    return this.#lane(item.lane)[item.priority - 1] as Deque<T>;
  }
}
