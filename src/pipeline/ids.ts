// Identifiers for signals, traces, spans and cited events, drawn from an injected generator.

import { Random } from './random.js';

/** Where the pipeline gets identifiers from; inject a seeded one to make a run repeatable. */
export interface IdGenerator {
  /** A signal id, UUID-shaped. */
  signalId(): string;
  /** A W3C trace-context trace id: 32 lowercase hex digits, not all zero. */
  traceId(): string;
  /** A W3C trace-context span id: 16 lowercase hex digits, not all zero. */
  spanId(): string;
  /** The id of an event that other events cite in `causedBy`; `kind` makes it readable. */
  eventId(kind: string): string;
}

const ALL_ZERO = /^0+$/;

function nonZeroHex(rng: Random, digits: number): string {
  for (;;) {
    const hex = rng.hex(digits);
    if (!ALL_ZERO.test(hex)) return hex;
  }
}

/** Identifiers drawn from a seeded random source: the same seed gives the same ids. */
export function seededIds(seed: number): IdGenerator {
  const rng = new Random(seed);
  return {
    signalId() {
      const h = rng.hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
    },
    traceId: () => nonZeroHex(rng, 32),
    spanId: () => nonZeroHex(rng, 16),
    eventId: (kind) => `${kind}-${rng.hex(16)}`,
  };
}
