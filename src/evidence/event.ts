// The event contract: the typed event, its validation from JSON (event.schema.json) and back.

import { createHash } from 'node:crypto';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { KaizenError, quoteInput } from '../errors.js';
import schema from './event.schema.json' with { type: 'json' };
import { type EventType, eventTypeInfo, type Pillar } from './event-types.js';

/** An event as kaizen holds it: validated, time in UTC epoch milliseconds, pillar resolved. */
export interface KaizenEvent {
  readonly id?: string;
  readonly type: EventType;
  readonly timeMs: number;
  readonly component: string;
  readonly pillar: Pillar;
  readonly value?: number;
  readonly unit?: string;
  readonly signalId?: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly worker?: string;
  readonly alert?: string;
  readonly severity?: 'info' | 'warning' | 'critical';
  readonly reason?: string;
  readonly causedBy?: string;
  readonly attributes?: Readonly<Record<string, string | number>>;
}

/** The JSON form of an event (contract version 1). */
export interface EventJson {
  v?: 1;
  id?: string;
  type: EventType;
  time: string;
  component: string;
  value?: number;
  unit?: string;
  pillar?: Pillar;
  signal_id?: string;
  trace_id?: string;
  span_id?: string;
  worker?: string;
  alert?: string;
  severity?: 'info' | 'warning' | 'critical';
  reason?: string;
  caused_by?: string;
  attributes?: Record<string, string | number>;
}

type Validator = ((data: unknown) => data is EventJson) & { errors?: ErrorObject[] | null };
let compiled: Validator | undefined;

/** The schema validator, compiled on first use (commands that read no events do not pay for it). */
function validator(): Validator {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats.default(ajv, ['date-time']);
    compiled = ajv.compile(schema) as Validator;
  }
  return compiled;
}

const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses an ISO-8601 time that carries a zone into UTC epoch milliseconds.
 * `where` names the input in the error (`line 3: time`).
 */
export function parseZonedTime(text: string, where: string): number {
  const ms = ZONED_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new KaizenError(
      'KZN_TIME_INVALID',
      `${where}: expected an ISO-8601 time with a zone like 2026-11-23T10:00:00.123Z, got ${quoteInput(text)}`,
    );
  }
  return ms;
}

function describeSchemaError(error: ErrorObject, data: unknown): string {
  const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const base = field === '' ? '' : `${field}.`;
      return `unknown field "${base}${extra}" (the event contract does not define it)`;
    }
    case 'required':
      return `missing required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      const found = field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], data);
      const list = allowed.length > 8 ? `one of the ${allowed.length} types listed in event.schema.json` : allowed.join(', ');
      return `field "${field}": expected ${list}, got ${quoteInput(String(found))}`;
    }
    case 'format':
      return `field "${field}": expected an ISO-8601 time with a zone, like 2026-11-23T10:00:00.123Z`;
    case 'type':
      return field === ''
        ? 'expected a JSON object'
        : `field "${field}": expected ${(error.params as { type: string }).type}`;
    default:
      return `field "${field || '(event)'}": ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Validates one JSON value against the event contract and returns the typed event.
 * Throws KZN_EVENT_INVALID (or KZN_TIME_INVALID) with `where` in the message.
 */
export function parseEvent(json: unknown, where: string): KaizenEvent {
  const validate = validator();
  if (!validate(json)) {
    const first = validate.errors?.[0];
    const detail = first === undefined ? 'does not match the event contract' : describeSchemaError(first, json);
    throw new KaizenError('KZN_EVENT_INVALID', `${where}: ${detail}`, {
      hint: 'The event contract is src/evidence/event.schema.json (README: "The event contract").',
    });
  }
  const e = json;
  const info = eventTypeInfo(e.type);
  const broken = firstIllFormedString(e);
  if (broken !== undefined) {
    throw new KaizenError('KZN_EVENT_INVALID', `${where}: field "${broken}": expected well-formed Unicode text (it holds a lone surrogate)`);
  }
  if (e.unit !== undefined && e.value === undefined) {
    throw new KaizenError('KZN_EVENT_INVALID', `${where}: field "unit": a unit needs a value, and the event has none`);
  }
  if (e.value !== undefined && !Number.isFinite(e.value)) {
    throw new KaizenError('KZN_EVENT_INVALID', `${where}: field "value": expected a finite number`);
  }
  if (info.unit !== undefined && e.unit !== undefined && e.unit !== info.unit) {
    throw new KaizenError(
      'KZN_EVENT_INVALID',
      `${where}: field "unit": ${e.type} is measured in ${info.unit}, got ${quoteInput(e.unit)}`,
    );
  }
  const timeMs = Math.floor(parseZonedTime(e.time, `${where}: field "time"`));
  const unit = e.unit ?? (e.value !== undefined ? info.unit : undefined);
  return {
    type: e.type,
    timeMs,
    component: e.component,
    pillar: e.pillar ?? info.pillar,
    ...(e.id !== undefined && { id: e.id }),
    ...(e.value !== undefined && { value: e.value }),
    ...(unit !== undefined && { unit }),
    ...(e.signal_id !== undefined && { signalId: e.signal_id }),
    ...(e.trace_id !== undefined && { traceId: e.trace_id }),
    ...(e.span_id !== undefined && { spanId: e.span_id }),
    ...(e.worker !== undefined && { worker: e.worker }),
    ...(e.alert !== undefined && { alert: e.alert }),
    ...(e.severity !== undefined && { severity: e.severity }),
    ...(e.reason !== undefined && { reason: e.reason }),
    ...(e.caused_by !== undefined && { causedBy: e.caused_by }),
    ...(e.attributes !== undefined && { attributes: { ...e.attributes } }),
  };
}

/** The name of the first string field (or attribute key) that is not well-formed UTF-16, if any. */
function firstIllFormedString(e: EventJson): string | undefined {
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string' && !v.isWellFormed()) return k;
  }
  for (const [k, v] of Object.entries(e.attributes ?? {})) {
    if (!k.isWellFormed() || (typeof v === 'string' && !v.isWellFormed())) return `attributes.${k}`;
  }
  return undefined;
}

/** Parses one line of JSON Lines into an event; `lineNo` is 1-based and names the line in errors. */
export function parseEventLine(line: string, lineNo: number, source = 'line'): KaizenEvent {
  const where = source === 'line' ? `line ${lineNo}` : `${source}:${lineNo}`;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (cause) {
    throw new KaizenError('KZN_EVENT_INVALID', `${where}: expected a JSON object, found ${quoteInput(line)}`, {
      cause,
    });
  }
  return parseEvent(json, where);
}

/** The JSON form of an event, the inverse of parseEvent (times in UTC, ms precision). */
export function toEventJson(event: KaizenEvent): EventJson {
  return {
    ...(event.id !== undefined && { id: event.id }),
    type: event.type,
    time: new Date(event.timeMs).toISOString(),
    component: event.component,
    ...(event.value !== undefined && { value: event.value }),
    ...(event.unit !== undefined && { unit: event.unit }),
    pillar: event.pillar,
    ...(event.signalId !== undefined && { signal_id: event.signalId }),
    ...(event.traceId !== undefined && { trace_id: event.traceId }),
    ...(event.spanId !== undefined && { span_id: event.spanId }),
    ...(event.worker !== undefined && { worker: event.worker }),
    ...(event.alert !== undefined && { alert: event.alert }),
    ...(event.severity !== undefined && { severity: event.severity }),
    ...(event.reason !== undefined && { reason: event.reason }),
    ...(event.causedBy !== undefined && { caused_by: event.causedBy }),
    ...(event.attributes !== undefined && { attributes: { ...event.attributes } }),
  };
}

/**
 * What makes two events the same event (for an import that must not add one twice): its own id
 * when it has one, else the SHA-256 of its canonical JSON (toEventJson, attributes by key).
 */
export function eventIdentity(event: KaizenEvent): string {
  if (event.id !== undefined) return `id:${event.id}`;
  const json = toEventJson(event);
  if (json.attributes !== undefined) json.attributes = Object.fromEntries(Object.entries(json.attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `sha256:${createHash('sha256').update(JSON.stringify(json)).digest('hex')}`;
}
