// Hostile input for the fuzz suites: strings, numbers, JSON values and raw bodies of the kinds
// that break parsers and validators (random, truncated, oversized, deeply nested, wrong types,
// prototype keys, invalid UTF-8, huge numbers), and the bounds every case must keep.

import fc from 'fast-check';
import { expect } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

/** Cases per input kind: KAIZEN_FUZZ_SCALE multiplies them (npm run soak runs 10×). */
export const FUZZ_SCALE = Number(process.env.KAIZEN_FUZZ_SCALE ?? '1');
export const runs = (n: number): number => Math.max(1, Math.round(n * FUZZ_SCALE));

/** How long one case may take before it counts as a hang, ms. */
export const CASE_TIMEOUT_MS = 15_000;

/** Resolves with the promise's value, or fails the case when it has not settled within the bound. */
export async function within<T>(what: string, promise: Promise<T>, ms = CASE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Words that mean something to some layer: prototype keys, paths, numbers as text, markup, template syntax. */
export const NASTY_WORDS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '\u0000',
  '\uFEFF',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  'file:///etc/passwd',
  'http://127.0.0.1:1/',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e400',
  '-1e400',
  '9'.repeat(400),
  '0x1F',
  '2026-W47',
  '2026-W99',
  'last',
  'this',
  '2026-11-17T10:00:00Z',
  '2026-02-30T25:61:61Z',
  '+275760-09-13T00:00:00.000Z',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '{{#each this}}{{/each}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal is the hostile input
  '${process.exit()}',
  "'; DROP TABLE receipts; --",
  '\ud800',
  '\udfff\ud800',
  '🦄'.repeat(20),
  'Europe/Berlin',
  '../../etc/localtime',
] as const;

/** A UTF-16 string holding lone surrogates now and then (not well-formed Unicode). */
const surrogateString = fc.string({ unit: fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), fc.string({ minLength: 1, maxLength: 1 })) });

/** Any hostile string: random text of several alphabets, nasty words, long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: surrogateString },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_WORDS) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '9', '{', '[', '%', '\\'), fc.integer({ min: 1_000, max: 70_000 })).map(([c, n]) => c.repeat(n)) },
);

/** Numbers at the edges: huge, tiny, negative zero, past the safe integers. */
export const hugeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, -(2 ** 63), -0, 5e-324),
  fc.double(),
  fc.integer(),
);

/** Object keys, prototype keys among them. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', ''));

/** A JSON value of any type, with hostile strings, numbers and keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hugeNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** An object whose fields are `fields` (the real names of an endpoint) or hostile keys, with hostile values. */
export function hostileObject(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.oneof(fc.constantFrom(...fields), hostileKey), hostileJson, { maxKeys: 6 });
}

/** JSON text of a value, with the prototype keys written as own keys (JSON.stringify drops none, but an object literal cannot hold __proto__ as a key). */
function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** Raw bodies: JSON of hostile values, truncated JSON, deep nesting, invalid UTF-8, oversized, random bytes. */
export function hostileBody(fields: readonly string[]): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileObject(fields).map(jsonText) },
    { weight: 2, arbitrary: hostileJson.map(jsonText) },
    { weight: 2, arbitrary: fc.tuple(hostileObject(fields).map(jsonText), fc.nat()).map(([t, n]) => t.slice(0, n % Math.max(1, t.length))) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"signal_type":"execute","payload":{"__proto__":{"x":1}}}') },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80])) },
    { weight: 1, arbitrary: fc.integer({ min: 70_000, max: 200_000 }).map((n) => `{"payload":"${'x'.repeat(n)}"}`) },
  );
}

/** Media types a client might send, right and wrong. */
export const hostileContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/sparql-query',
      'application/sparql-update',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '*/*',
      ';;;',
      'application/json\u0000',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)) },
);

/** A query string from an endpoint's parameter names and hostile keys and values, sometimes with broken percent-encoding. */
export function hostileQuery(params: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(params.length > 0 ? params : ['x'])) }, { weight: 1, arbitrary: hostileKey });
  const pair = fc.tuple(key, hostileString).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.isWellFormed() ? v : v.toWellFormed())}`);
  const broken = fc.constantFrom('%', '%zz', '%E0%A4%A', '%ff%fe', '%00', 'a=%C0%AF', '=&=&', '&&&', 'a[b]=1', 'a[__proto__][x]=1', '__proto__[x]=1');
  return fc.array(fc.oneof({ weight: 5, arbitrary: pair }, { weight: 1, arbitrary: broken }), { maxLength: 5 }).map((ps) => ps.join('&'));
}

/** The codes of the registry. */
export const CODES = new Set(Object.keys(ERROR_CODES));

/** An HTTP answer as the fuzz cases see it. */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/**
 * The bounds of every HTTP answer to hostile input: no 5xx but the intended 503s, and every 4xx
 * (and 503) a problem+json body whose code is in the registry — except the pipeline's own
 * refusals of a signal (429 / 503 with status "rejected") and /health's unhealthy 503.
 */
export function expectClearAnswer(label: string, res: Answer, allowed503: boolean): void {
  const { statusCode, body } = res;
  const type = String(res.headers['content-type'] ?? '');
  expect(statusCode < 500 || (statusCode === 503 && allowed503), `${label}: status ${statusCode}: ${body.slice(0, 300)}`).toBe(true);
  if (statusCode < 400) return;
  if (type.startsWith('application/json')) {
    const json = JSON.parse(body) as { status?: string };
    // The pipeline's refusal of a signal (queue full, circuit open) or /health while unhealthy: not errors.
    if (json.status === 'rejected' || json.status === 'unhealthy') return;
  }
  expect(type, `${label}: a ${statusCode} without a problem body: ${body.slice(0, 300)}`).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(body) as { code: string; detail: string; status: number };
  expect(CODES.has(problem.code), `${label}: unknown code ${problem.code}`).toBe(true);
  expect(problem.status).toBe(statusCode);
  expect(problem.detail.length, `${label}: an empty detail`).toBeGreaterThan(0);
}
