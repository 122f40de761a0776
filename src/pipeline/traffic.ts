// Simulated traffic: the arrival rate over time and the signals that arrive, from a seeded source.

import type { Random } from './random.js';
import type { TrafficShape } from './scenario.js';
import { weekdayOf } from './scenario.js';
import { type Priority, SIGNAL_TYPES, type SignalInput } from './signal.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PRIORITIES: readonly Priority[] = [1, 2, 3, 4];

/** A period in which the rate is multiplied (a burst, or a traffic-spike incident). */
export interface RateWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly multiplier: number;
}

/**
 * The traffic of a run. The shape's multiplier (daily cosine around the peak hour, weekend factor)
 * is normalised so that its mean over the run is 1: `ratePerSecond` is then the run's mean rate
 * before bursts and spikes. Arrivals are a Poisson process, drawn one second at a time.
 */
export class Traffic {
  readonly shape: TrafficShape;
  readonly ratePerSecond: number;
  readonly windows: readonly RateWindow[];
  readonly #rng: Random;
  readonly #norm: number;
  readonly #typeTotal: number;
  readonly #priorityTotal: number;

  constructor(shape: TrafficShape, range: { startMs: number; endMs: number }, rng: Random, options: { rate?: number; spikes?: readonly RateWindow[] } = {}) {
    this.shape = shape;
    this.ratePerSecond = options.rate ?? shape.ratePerSecond;
    this.#rng = rng;
    this.#norm = this.#meanShape(range.startMs, range.endMs);
    this.windows = [...this.#drawBursts(range.startMs, range.endMs), ...(options.spikes ?? [])];
    this.#typeTotal = shape.mix.signalTypes.reduce((a, b) => a + b, 0);
    this.#priorityTotal = shape.mix.priorities.reduce((a, b) => a + b, 0);
  }

  /** The arrival rate at `tMs`, signals per second. */
  rateAt(tMs: number): number {
    let rate = (this.ratePerSecond * this.#shapeAt(tMs)) / this.#norm;
    for (const w of this.windows) if (tMs >= w.startMs && tMs < w.endMs) rate *= w.multiplier;
    return rate;
  }

  /** Fills `out` with the arrival times in [fromMs, fromMs + 1000), sorted; returns how many. */
  arrivalsInSecond(fromMs: number, out: number[]): number {
    const n = this.#rng.poisson(this.rateAt(fromMs + 500));
    out.length = n;
    for (let i = 0; i < n; i++) out[i] = fromMs + this.#rng.next() * 1000;
    if (n > 1) out.sort((a, b) => a - b);
    return n;
  }

  /** The next signal: its type, priority and work drawn from the mix. */
  nextSignal(): SignalInput {
    const rng = this.#rng;
    const mix = this.shape.mix;
    const type = SIGNAL_TYPES[rng.weighted(mix.signalTypes, this.#typeTotal)] ?? 'execute';
    const priority = PRIORITIES[rng.weighted(mix.priorities, this.#priorityTotal)] ?? 3;
    const slow = rng.chance(mix.slowFraction);
    return {
      signal_type: type,
      priority,
      payload: { type: slow ? 'slow' : 'quick' },
      ...(mix.timeoutMs !== undefined && { timeout_ms: mix.timeoutMs }),
    };
  }

  /** The shape's multiplier at `tMs`, before normalisation. */
  #shapeAt(tMs: number): number {
    if (this.shape.shape !== 'daily-cycle') return 1;
    const { peakHourUtc, amplitude, weekendFactor } = this.shape.daily;
    const hour = (tMs % DAY_MS) / HOUR_MS;
    const daily = 1 + amplitude * Math.cos((2 * Math.PI * (hour - peakHourUtc)) / 24);
    return weekdayOf(tMs) >= 5 ? daily * weekendFactor : daily;
  }

  /** The mean of the shape over the run, sampled each minute. */
  #meanShape(startMs: number, endMs: number): number {
    let sum = 0;
    let n = 0;
    for (let t = startMs; t < endMs; t += 60_000) {
      sum += this.#shapeAt(t + 30_000);
      n += 1;
    }
    return n === 0 || sum === 0 ? 1 : sum / n;
  }

  /** Bursts at random times: their count is Poisson with mean perDay × days. */
  #drawBursts(startMs: number, endMs: number): RateWindow[] {
    const b = this.shape.bursts;
    if (b === undefined || b.perDay === 0) return [];
    const count = this.#rng.poisson((b.perDay * (endMs - startMs)) / DAY_MS);
    const out: RateWindow[] = [];
    for (let i = 0; i < count; i++) {
      const s = startMs + this.#rng.next() * (endMs - startMs);
      out.push({ startMs: s, endMs: s + b.durationMs, multiplier: b.multiplier });
    }
    return out.sort((x, y) => x.startMs - y.startMs);
  }
}
