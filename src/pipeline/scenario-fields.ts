// Reading a parsed scenario file field by field, with errors that name the file, field and expectation.

import { KaizenError, quoteInput } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses a duration like `20m`, `1h30m`, `90s`, `500ms` or `7d` into ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms;
}

/** A value quoted for a message. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  return quoteInput(typeof value === 'string' ? value : String(JSON.stringify(value)));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One mapping of the file, at a path (`traffic.bursts`, `incidents[2]`). Every getter checks its
 * field and throws KZN_INPUT_FILE as `<file>: <path>.<field>: expected …, got …`.
 */
export class Fields {
  readonly source: string;
  readonly path: string;
  readonly #data: Record<string, unknown>;

  private constructor(source: string, path: string, data: Record<string, unknown>, allowed: readonly string[]) {
    this.source = source;
    this.path = path;
    this.#data = data;
    for (const key of Object.keys(data)) {
      if (!allowed.includes(key)) {
        throw this.#error(`${this.#where(key)}: unknown field (expected ${allowed.join(', ')})`);
      }
    }
  }

  /** The top mapping of a file. */
  static root(source: string, data: unknown, allowed: readonly string[]): Fields {
    if (!isMapping(data)) {
      throw new KaizenError('KZN_INPUT_FILE', `${source}: expected a mapping of fields (${allowed.join(', ')}), got ${showValue(data)}`);
    }
    return new Fields(source, '', data, allowed);
  }

  /** Throws for `key`: expected `expected`, got its value. */
  fail(key: string, expected: string): never {
    throw this.#error(`${this.#where(key)}: expected ${expected}, got ${showValue(this.#data[key])}`);
  }

  has(key: string): boolean {
    return this.#data[key] !== undefined && this.#data[key] !== null;
  }

  /** The raw value of a field. */
  raw(key: string): unknown {
    return this.#data[key];
  }

  string(key: string, fallback?: string): string {
    const v = this.#data[key] ?? fallback;
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, 'a non-empty string');
    return v;
  }

  /** A number within [min, max]; `integer` also requires a whole number. */
  number(key: string, fallback: number | undefined, range: { min?: number; max?: number; integer?: boolean; above?: number } = {}): number {
    const v = this.#data[key] ?? fallback;
    const { min, max, integer, above } = range;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (min === undefined || v >= min) &&
      (max === undefined || v <= max) &&
      (above === undefined || v > above) &&
      (!integer || Number.isInteger(v));
    if (!ok) {
      const bounds = [
        above !== undefined ? `> ${above}` : undefined,
        min !== undefined ? `>= ${min}` : undefined,
        max !== undefined ? `<= ${max}` : undefined,
      ].filter((b) => b !== undefined);
      this.fail(key, `${integer ? 'an integer' : 'a number'}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}`);
    }
    return v;
  }

  /** One of the given words. */
  oneOf<T extends string>(key: string, values: readonly T[], fallback?: T): T {
    const v = this.#data[key] ?? fallback;
    if (!(values as readonly unknown[]).includes(v)) this.fail(key, `one of ${values.join(', ')}`);
    return v as T;
  }

  /** A duration such as `20m` or `1h30m`, in ms (must be > 0). */
  duration(key: string, fallback?: string): number {
    const v = this.#data[key] ?? fallback;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0) this.fail(key, 'a duration like 20m, 1h30m, 90s or 7d');
    return ms;
  }

  /** A nested mapping, or undefined when absent. */
  section(key: string, allowed: readonly string[]): Fields | undefined {
    const v = this.#data[key];
    if (v === undefined || v === null) return undefined;
    if (!isMapping(v)) this.fail(key, `a mapping of ${allowed.join(', ')}`);
    return new Fields(this.source, this.#where(key), v, allowed);
  }

  /** A list of mappings (empty when absent). */
  list(key: string, allowed: readonly string[]): Fields[] {
    const v = this.#data[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(key, 'a list');
    return v.map((item, i) => {
      const path = `${this.#where(key)}[${i}]`;
      if (!isMapping(item)) throw this.#error(`${path}: expected a mapping of ${allowed.join(', ')}, got ${showValue(item)}`);
      return new Fields(this.source, path, item, allowed);
    });
  }

  /** Non-negative weights over `names`, summing to more than 0, in the order of `names`. */
  weights(key: string, names: readonly string[], fallback: readonly number[]): number[] {
    const v = this.#data[key];
    if (v === undefined || v === null) return [...fallback];
    if (!isMapping(v)) this.fail(key, `a mapping of weights for ${names.join(', ')}`);
    const w = new Fields(this.source, this.#where(key), v, names);
    const out = names.map((n) => (w.has(n) ? w.number(n, undefined, { min: 0 }) : 0));
    if (out.every((x) => x === 0)) this.fail(key, 'weights that are not all zero');
    return out;
  }

  /** The path of a field, for messages. */
  #where(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  #error(message: string): KaizenError {
    return new KaizenError('KZN_INPUT_FILE', `${this.source}: ${message}`, {
      hint: 'Scenario files are described in scenarios/README.md.',
    });
  }
}
