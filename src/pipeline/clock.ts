// Time for the pipeline: an injected clock, so simulated time and real time drive the same code.

/** Where the pipeline reads the current time from: UTC epoch milliseconds. */
export interface Clock {
  now(): number;
}

/**
 * A clock that moves only when told to: for simulation and tests. It never goes backwards, so a
 * pipeline driven by it sees time the way it would see a real clock.
 */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`ManualClock: expected a finite start time, got ${startMs}`);
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  /** Moves the clock to `ms`; moving it backwards is a programming error. */
  set(ms: number): void {
    if (!(ms >= this.#nowMs)) {
      throw new RangeError(`ManualClock: cannot move from ${this.#nowMs} back to ${ms}`);
    }
    this.#nowMs = ms;
  }

  /** Moves the clock forward by `deltaMs`. */
  advance(deltaMs: number): void {
    this.set(this.#nowMs + deltaMs);
  }
}
