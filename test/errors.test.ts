// The error registry and its documented table agree, and every code maps to a sensible status.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KaizenError } from '../src/errors.js';

const doc = readFileSync(join(import.meta.dirname, '../docs/errors.md'), 'utf8');

describe('the error registry', () => {
  it.each(Object.entries(ERROR_CODES))('documents %s with its status and exit code in docs/errors.md', (code, info) => {
    expect(doc).toContain(`| \`${code}\` | ${info.title} | ${info.httpStatus} | ${info.exitCode} |`);
  });

  it('lists no code in the docs that the registry lacks', () => {
    const documented = [...doc.matchAll(/^\| `(KZN_[A-Z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('gives input errors a 4xx status and exit code 2', () => {
    for (const code of ['KZN_USAGE', 'KZN_EVENT_INVALID', 'KZN_QUERY_SYNTAX', 'KZN_QUERY_PARAM', 'KZN_TIME_INVALID'] as const) {
      const e = new KaizenError(code, 'x');
      expect(e.httpStatus).toBeGreaterThanOrEqual(400);
      expect(e.httpStatus).toBeLessThan(500);
      expect(e.exitCode).toBe(2);
    }
  });
});
