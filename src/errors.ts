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
  KZN_QUERY_PARAM: { title: 'Query parameter is missing or malformed', httpStatus: 400, exitCode: 2 },
  KZN_QUERY_HEADER: { title: 'Query file header is malformed', httpStatus: 500, exitCode: 2 },
  KZN_QUERY_FAILED: { title: 'Query evaluation failed', httpStatus: 500, exitCode: 2 },
  KZN_JOURNAL_CORRUPT: { title: 'Journal is corrupt', httpStatus: 500, exitCode: 1 },
  KZN_JOURNAL_FORMAT: { title: 'Journal has an unknown format', httpStatus: 500, exitCode: 2 },
  KZN_STORE_LOCKED: { title: 'Data directory is in use by another writer', httpStatus: 409, exitCode: 2 },
  KZN_STORE_READONLY: { title: 'Store was opened read-only', httpStatus: 500, exitCode: 2 },
  KZN_STORE_IO: { title: 'Evidence could not be written to disk', httpStatus: 500, exitCode: 3 },
  KZN_CHAIN_BROKEN: { title: 'Receipt chain does not verify', httpStatus: 500, exitCode: 1 },
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
