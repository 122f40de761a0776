// A small seeded pseudo-random generator (mulberry32) and the distributions the simulation draws.

const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Mixes a seed and a stream number into an independent 32-bit seed (splitmix-style finaliser). */
export function deriveSeed(seed: number, stream: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = (lo ^ Math.imul(hi, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A deterministic random source. mulberry32 (Tommy Ettinger, public domain) has a 2^32 period,
 * plenty for a week of signals, and is fast in JavaScript because it stays in 32-bit integers.
 */
export class Random {
  #state: number;
  #spareNormal: number | undefined;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal draw (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare !== undefined) {
      this.#spareNormal = undefined;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal draw with the given median and shape `sigma` (the spread of its logarithm). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * A Poisson draw with mean `lambda`: Knuth's multiplication method, split into pieces of at
   * most 30 so that exp(-lambda) never underflows for large means.
   */
  poisson(lambda: number): number {
    let count = 0;
    let rest = lambda;
    while (rest > 0) {
      const piece = Math.min(rest, 30);
      rest -= piece;
      const limit = Math.exp(-piece);
      let product = this.next();
      while (product > limit) {
        count += 1;
        product *= this.next();
      }
    }
    return count;
  }

  /** An index into `weights` drawn in proportion to them (weights are non-negative, sum > 0). */
  weighted(weights: readonly number[], total: number): number {
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] ?? 0;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** `digits` lowercase hex digits (a multiple of 8). */
  hex(digits: number): string {
    let out = '';
    for (let i = 0; i < digits; i += 8) {
      const x = this.nextUint32();
      out += (BYTE_HEX[x >>> 24] as string) + BYTE_HEX[(x >>> 16) & 0xff] + BYTE_HEX[(x >>> 8) & 0xff] + BYTE_HEX[x & 0xff];
    }
    return out;
  }
}
