// One at a time through the store's partitions: analysis, drill-downs and hourly rollups take
// turns, so that one never releases the partitions another is reading.

/**
 * A first-come, first-served lock. Appends of the live hour do not take it (the writer alone
 * appends); what loads, queries and releases partitions does.
 */
export class StoreGate {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** How many operations are queued or running. */
  get pending(): number {
    return this.#waiting;
  }

  /** Runs `work` once every operation queued before it has finished; its result or error is the caller's. */
  run<T>(work: () => Promise<T>): Promise<T> {
    this.#waiting += 1;
    const result = this.#tail.then(work);
    this.#tail = result.then(
      () => this.#done(),
      () => this.#done(),
    );
    return result;
  }

  #done(): void {
    this.#waiting -= 1;
  }
}
