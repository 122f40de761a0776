// A growable ring-buffer double-ended queue: O(1) at both ends, for queues that see millions of items.

/** A FIFO that also accepts items at its front (for requeued work). */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length += 1;
  }

  /** Adds an item at the front. */
  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
    this.#items[this.#head] = item;
    this.#length += 1;
  }

  /** Removes and returns the front item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length -= 1;
    return item;
  }

  /** Removes and returns the back item. */
  pop(): T | undefined {
    if (this.#length === 0) return undefined;
    const index = (this.#head + this.#length - 1) % this.#items.length;
    const item = this.#items[index];
    this.#items[index] = undefined;
    this.#length -= 1;
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = new Array(16);
    this.#head = 0;
    this.#length = 0;
  }

  /** The front item, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** The items front to back. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.#items[(this.#head + i) % this.#items.length] as T);
    return out;
  }

  #grow(): void {
    const items = this.toArray() as (T | undefined)[];
    items.length = this.#items.length * 2;
    this.#items = items;
    this.#head = 0;
  }
}
