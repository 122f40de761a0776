// The discrete-event agenda: actions due at future times, run in time order (a binary min-heap).

interface Entry {
  readonly atMs: number;
  readonly seq: number;
  readonly action: () => void;
}

function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/**
 * Actions keyed by the time they are due. Ties run in the order they were scheduled, so a run is
 * deterministic. Nothing here waits: the owner asks for the next due time and runs what is due.
 */
export class Scheduler {
  #heap: Entry[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `action` to run at `atMs`. */
  schedule(atMs: number, action: () => void): void {
    const heap = this.#heap;
    const entry: Entry = { atMs, seq: this.#seq++, action };
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  /** The time of the next due action, or undefined when nothing is scheduled. */
  nextMs(): number | undefined {
    return this.#heap[0]?.atMs;
  }

  /** Removes and returns the next action if it is due at or before `toMs` (strictly before unless `inclusive`). */
  takeDue(toMs: number, inclusive = true): { atMs: number; action: () => void } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined || top.atMs > toMs || (!inclusive && top.atMs === toMs)) return undefined;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        const left = heap[l];
        if (left !== undefined && before(left, best)) {
          m = l;
          best = left;
        }
        const right = heap[r];
        if (right !== undefined && before(right, best)) m = r;
        if (m === i) break;
        heap[i] = heap[m] as Entry;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  }
}
