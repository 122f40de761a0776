// Every error of the HTTP API as application/problem+json (RFC 9457) with a code of the registry
// (src/errors.ts), from one error handler; and the schema validators that feed it.

import { randomBytes } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode, isKaizenError, KaizenError, quoteInput } from '../errors.js';

export const PROBLEM_TYPE = 'application/problem+json';

/** The body of an error response. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly hint?: string;
  readonly instance: string;
  readonly trace_id: string;
}

/** The schema of a problem body, for the OpenAPI description. */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details; code is one of docs/errors.md',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    detail: { type: 'string' },
    hint: { type: 'string' },
    instance: { type: 'string' },
    trace_id: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code', 'detail', 'instance', 'trace_id'],
} as const;

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The request's trace id: from a W3C traceparent header when it has one, else a fresh one. */
export function traceIdOf(headers: Record<string, string | string[] | undefined>): string {
  const header = headers['traceparent'];
  const m = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  if (m !== null && !/^0+$/.test(m[1] as string)) return m[1] as string;
  return randomBytes(16).toString('hex');
}

/** One ajv error as a person reads it: where, then what was expected. */
function describeAjvError(where: string, e: ErrorObject): string {
  const path = `${where}${e.instancePath.replace(/\//g, '.')}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${path}: unknown field ${quoteInput(String(p['additionalProperty']))}`;
    case 'required':
      return `${path}: missing required field ${quoteInput(String(p['missingProperty']))}`;
    case 'enum':
      return `${path}: expected one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${path}: ${e.message ?? 'is invalid'}`;
  }
}

/** Turns anything thrown in a request into a KaizenError with a registered code. */
export function toKaizenError(error: unknown): KaizenError {
  // The analyzer's input errors speak of options; over HTTP they are request errors.
  if (isKaizenError(error, 'KZN_USAGE')) return new KaizenError('KZN_REQUEST_INVALID', error.message, { ...(error.hint !== undefined && { hint: error.hint }), cause: error });
  if (isKaizenError(error)) return error;
  const e = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
  if (Array.isArray(e.validation)) {
    const where = e.validationContext === 'querystring' ? 'query' : (e.validationContext ?? 'request');
    const detail = e.validation.map((v) => describeAjvError(where, v)).join('; ');
    return new KaizenError('KZN_REQUEST_INVALID', detail, { hint: 'GET /openapi.json describes every request.' });
  }
  switch (e.code) {
    case 'FST_ERR_BAD_URL':
      return new KaizenError('KZN_REQUEST_INVALID', 'url: expected a URL whose percent-encoding decodes to UTF-8 text');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new KaizenError('KZN_REQUEST_INVALID', 'url: a path segment is longer than 100 characters');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KaizenError('KZN_BODY_TOO_LARGE', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KaizenError('KZN_UNSUPPORTED_MEDIA', e.message, { hint: 'Send JSON as Content-Type: application/json.' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KaizenError('KZN_REQUEST_INVALID', `body: ${e.message}`);
  }
  if (e instanceof SyntaxError || e.statusCode === 400) return new KaizenError('KZN_REQUEST_INVALID', `body: ${e.message}`);
  if (e.statusCode === 404) return new KaizenError('KZN_NOT_FOUND', e.message);
  return new KaizenError('KZN_INTERNAL', e instanceof Error ? e.message : String(error), { cause: error });
}

/** Sends a problem body for an error. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: KaizenError): FastifyReply {
  const info = ERROR_CODES[error.code];
  const problem: Problem = {
    type: `https://w3id.org/kaizen/errors#${error.code}`,
    title: info.title,
    status: info.httpStatus,
    code: error.code,
    detail: error.message,
    ...(error.hint !== undefined && { hint: error.hint }),
    instance: request.url,
    trace_id: request.id,
  };
  if (error.code === 'KZN_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="kaizen"');
  return reply.code(info.httpStatus).type(PROBLEM_TYPE).send(problem);
}

/** Validators: bodies are taken as they are (no coercion, no silent removal of unknown fields); query strings are coerced from text. */
export function installValidation(app: FastifyInstance): void {
  const strict = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: true, strict: false });
  const coercing = new Ajv({ allErrors: false, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });
  addFormats.default(strict);
  addFormats.default(coercing);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}

/** The one error handler and the not-found handler. */
export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const k = toKaizenError(error);
    if (k.code === 'KZN_INTERNAL') request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: k.code, detail: k.message }, 'request refused');
    return sendProblem(request, reply, k);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new KaizenError('KZN_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, { hint: 'GET /openapi.json lists the routes.' }),
    ),
  );
}
