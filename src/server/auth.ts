// Bearer tokens of the API: the admin token of /chaos and the optional signal token of /signal,
// compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { KaizenError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when two tokens are equal. Both are hashed first, so that timingSafeEqual compares two
 * 32-byte digests: the time taken says nothing about where they differ, nor about the length of
 * the expected token.
 */
export function tokensMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer TOKEN` header (the scheme is case-insensitive, RFC 7235 §2.1), or undefined. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer +(.*?) *$/i.exec(header);
  return m === null || m[1] === '' ? undefined : (m[1] as string);
}

/** Which token a route needs, for the messages: its name and the variable it is set from. */
export interface TokenName {
  readonly name: string;
  readonly variable: string;
}

/** Throws KZN_UNAUTHORIZED unless the request carries `Authorization: Bearer <expected>`. */
export function requireBearer(request: FastifyRequest, expected: string, { name, variable }: TokenName): void {
  const header = request.headers.authorization;
  const given = bearerTokenOf(header);
  // Compared even when the header is missing, so that a missing and a wrong token take the same time.
  const ok = tokensMatch(given ?? '', expected) && given !== undefined;
  if (ok) return;
  throw new KaizenError(
    'KZN_UNAUTHORIZED',
    header === undefined || header === '' ? 'Authorization: expected a bearer token' : `Authorization: the bearer token is not the ${name}`,
    { hint: `Send Authorization: Bearer followed by the value of ${variable} the server was started with.` },
  );
}

/** An onRequest hook that lets a request through only with the token; none configured lets every request through. */
export function bearerGuard(expected: string | undefined, token: TokenName): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (expected !== undefined) requireBearer(request, expected, token);
  };
}
