// The one error class of kaizen and the registry of its codes (docs/errors.md lists them).

/** What each code means, which HTTP status it maps to and which CLI exit code. */
export interface ErrorCodeInfo {
  readonly title: string;
  readonly httpStatus: number;
  readonly exitCode: number;
}

/**
 * The registry: every error kaizen raises has one of these codes.
 * Exit codes: 1 = a failure was found in the evidence, 2 = usage or input error, 3 = environment.
 */
export const ERROR_CODES = {
  KZN_USAGE: { title: 'Invalid command-line usage', httpStatus: 400, exitCode: 2 },
  KZN_INPUT_FILE: { title: 'Input file cannot be read', httpStatus: 400, exitCode: 2 },
  KZN_EVENT_INVALID: { title: 'Event does not match the event contract', httpStatus: 400, exitCode: 2 },
  KZN_RDF_SYNTAX: { title: 'RDF input cannot be parsed', httpStatus: 400, exitCode: 2 },
  KZN_TIME_INVALID: { title: 'Time, window or week is malformed', httpStatus: 400, exitCode: 2 },
  KZN_QUERY_UNKNOWN: { title: 'No query with that name', httpStatus: 404, exitCode: 2 },
  KZN_QUERY_SYNTAX: { title: 'SPARQL query cannot be parsed', httpStatus: 400, exitCode: 2 },
  KZN_QUERY_SCOPE: { title: 'Query reaches outside the evidence (SERVICE, FROM)', httpStatus: 403, exitCode: 2 },
  KZN_QUERY_PARAM: { title: 'Query parameter is missing or malformed', httpStatus: 400, exitCode: 2 },
  KZN_QUERY_HEADER: { title: 'Query file header is malformed', httpStatus: 500, exitCode: 2 },
  KZN_QUERY_FAILED: { title: 'Query evaluation failed', httpStatus: 500, exitCode: 2 },
  KZN_JOURNAL_CORRUPT: { title: 'Journal is corrupt', httpStatus: 500, exitCode: 1 },
  KZN_JOURNAL_FORMAT: { title: 'Journal has an unknown format', httpStatus: 500, exitCode: 2 },
  KZN_STORE_LOCKED: { title: 'Data directory is in use by another writer', httpStatus: 409, exitCode: 2 },
  KZN_STORE_READONLY: { title: 'Store was opened read-only', httpStatus: 500, exitCode: 2 },
  KZN_STORE_IO: { title: 'Evidence could not be written to disk', httpStatus: 500, exitCode: 3 },
  KZN_OUTPUT_FILE: { title: 'Output file cannot be written', httpStatus: 500, exitCode: 3 },
  KZN_CHAIN_BROKEN: { title: 'Receipt chain does not verify', httpStatus: 500, exitCode: 1 },
  KZN_REQUEST_INVALID: { title: 'HTTP request does not match the API schema', httpStatus: 400, exitCode: 2 },
  KZN_UNAUTHORIZED: { title: 'Bearer token is missing or wrong', httpStatus: 401, exitCode: 2 },
  KZN_CHAOS_DISABLED: { title: 'Chaos controls are off (no KAIZEN_ADMIN_TOKEN)', httpStatus: 403, exitCode: 2 },
  KZN_SPARQL_UPDATE: { title: 'SPARQL updates are refused', httpStatus: 403, exitCode: 2 },
  KZN_NOT_FOUND: { title: 'No such resource', httpStatus: 404, exitCode: 2 },
  KZN_NOT_ACCEPTABLE: { title: 'No representation matches the Accept header', httpStatus: 406, exitCode: 2 },
  KZN_BODY_TOO_LARGE: { title: 'Request body exceeds the size limit', httpStatus: 413, exitCode: 2 },
  KZN_UNSUPPORTED_MEDIA: { title: 'Request body has an unsupported media type', httpStatus: 415, exitCode: 2 },
  KZN_IDEMPOTENCY_CONFLICT: { title: 'Idempotency key or signal id was first used for another signal', httpStatus: 422, exitCode: 2 },
  KZN_QUERY_LIMIT: { title: 'Query result exceeds the result limit', httpStatus: 422, exitCode: 2 },
  KZN_QUERY_TIMEOUT: { title: 'Query stopped at its timeout', httpStatus: 503, exitCode: 2 },
  KZN_UNAVAILABLE: { title: 'Service is unavailable (journal failed or shutting down)', httpStatus: 503, exitCode: 3 },
  KZN_WAIT_TIMEOUT: { title: 'Signal had no outcome within the wait', httpStatus: 504, exitCode: 2 },
  KZN_ENDPOINT_UNREACHABLE: { title: 'SPARQL endpoint cannot be reached (evidence not yet sent is spooled)', httpStatus: 503, exitCode: 3 },
  KZN_ENDPOINT_AUTH: { title: 'SPARQL endpoint refused the credentials', httpStatus: 502, exitCode: 3 },
  KZN_ENDPOINT_ERROR: { title: 'SPARQL endpoint answered with an error', httpStatus: 502, exitCode: 3 },
  KZN_ENDPOINT_LIMIT: { title: 'SPARQL endpoint cut the result at its row limit', httpStatus: 502, exitCode: 3 },
  KZN_INTERNAL: { title: 'Internal error (a bug in kaizen)', httpStatus: 500, exitCode: 70 },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface KaizenErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** An error a person can act on: a registered code, a message naming what was wrong, a hint. */
export class KaizenError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: KaizenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KaizenError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }
}

/** True when `value` is a KaizenError with the given code (or any code when omitted). */
export function isKaizenError(value: unknown, code?: ErrorCode): value is KaizenError {
  return value instanceof KaizenError && (code === undefined || value.code === code);
}

/** Quotes a piece of user input for an error message, shortened so that messages stay one line. */
export function quoteInput(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
