// The fields of an event receipt's body, in the order its N-Quads lines sort in, for whichever
// sink builds something from them: the journal text, the quads, the field values. Pure.

import type { NamedNode } from 'n3';
import type { KaizenEvent } from './event.js';
import { eventTypeInfo } from './event-types.js';
import { bucketOf } from './histogram.js';
import { hourKey } from './time.js';
import { classNode, pillarNode, V } from './vocabulary.js';

/** A predicate of a receipt body, with its N-Quads text written once. */
export interface Field {
  readonly node: NamedNode;
  /** `<iri> ` */
  readonly text: string;
  /** `<iri> <` and `<iri> "`: the line up to an IRI object's or a literal's text. */
  readonly iriOpen: string;
  readonly literalOpen: string;
  /** Its position in F. */
  readonly index: number;
  /** Whether its values repeat from receipt to receipt (a component, a class), so that their text is worth keeping. */
  readonly repeats: boolean;
}

let fields = 0;
const field = (node: NamedNode, repeats = false): Field => ({
  node,
  text: `<${node.value}> `,
  iriOpen: `<${node.value}> <`,
  literalOpen: `<${node.value}> "`,
  index: fields++,
  repeats,
});

/**
 * The body predicates of an event receipt. visitEventFields visits them in the order their lines
 * sort in (`<http://www.w3.org/1999/…#type>`, then `<http://www.w3.org/ns/prov#…>`, then
 * `<https://w3id.org/kaizen/ns#…>` by local name; every line of a receipt starts with the same
 * subject and no predicate occurs twice), so that a receipt's lines need no sort for its digest.
 */
export const F = {
  type: field(V.type, true),
  atTime: field(V.atTime),
  wasInformedBy: field(V.wasInformedBy),
  alert: field(V.alert, true),
  attributes: field(V.attributes),
  bucket: field(V.bucket),
  causedBy: field(V.causedBy),
  component: field(V.component, true),
  day: field(V.day, true),
  epochMs: field(V.epochMs),
  eventId: field(V.eventId),
  hour: field(V.hour, true),
  pillar: field(V.pillar, true),
  reason: field(V.reason, true),
  seq: field(V.seq),
  severity: field(V.severity, true),
  signal: field(V.signal),
  span: field(V.span),
  trace: field(V.trace),
  unit: field(V.unit, true),
  value: field(V.value),
  worker: field(V.worker, true),
  /** The digest line's, which ends every receipt and is not part of what its digest covers. */
  digest: field(V.digest),
} as const;

/** A datatype, with the N-Quads text that closes a literal of it (`"^^<iri>`). */
export interface Datatype {
  readonly node: NamedNode;
  readonly close: string;
  /** Its position among the datatypes. */
  readonly index: number;
}

let datatypes = 0;
const datatype = (node: NamedNode): Datatype => ({ node, close: `"^^<${node.value}>`, index: datatypes++ });
export const INTEGER = datatype(V.xsdInteger);
export const DOUBLE = datatype(V.xsdDouble);
export const DATE_TIME = datatype(V.xsdDateTime);
export const JSON_TYPE = datatype(V.json);

/** How many datatypes there are (INTEGER … JSON_TYPE). */
export const DATATYPES = datatypes;

/** How many fields F has. */
export const FIELDS = fields;

/** Receives the fields of a receipt body, one (predicate, object) at a time. */
export interface FieldSink {
  /** An IRI object. */
  iri(f: Field, value: string): void;
  /** A plain string literal, whatever characters it holds. */
  string(f: Field, value: string): void;
  /**
   * A literal whose text needs no escaping (a number as String() writes it, a time, an hour or
   * day key), typed unless `type` is undefined.
   */
  plain(f: Field, value: string, type: Datatype | undefined): void;
  /** The attributes, as their JSON with keys sorted (an rdf:JSON literal). */
  attributes(f: Field, attributes: Readonly<Record<string, string | number>>): void;
}

/**
 * The fields of an event's receipt body (all but the digest), in the order their lines sort in.
 * `informedBy` is the IRI of the receipt of the event named in `causedBy`, when the caller could
 * resolve it. This one list feeds the journal lines, the quads and the fields of a receipt.
 */
export function visitEventFields(event: KaizenEvent, seq: number, informedBy: string | undefined, sink: FieldSink): void {
  const info = eventTypeInfo(event.type);
  const hour = hourKey(event.timeMs);
  sink.iri(F.type, classNode(info.className).value);
  sink.plain(F.atTime, new Date(event.timeMs).toISOString(), DATE_TIME);
  if (informedBy !== undefined) sink.iri(F.wasInformedBy, informedBy);
  if (event.alert !== undefined) sink.string(F.alert, event.alert);
  if (event.attributes !== undefined) sink.attributes(F.attributes, event.attributes);
  if (event.value !== undefined && info.latency === true) sink.plain(F.bucket, String(bucketOf(event.value)), INTEGER);
  if (event.causedBy !== undefined) sink.string(F.causedBy, event.causedBy);
  sink.string(F.component, event.component);
  sink.plain(F.day, hour.slice(0, 10), undefined);
  sink.plain(F.epochMs, String(event.timeMs), INTEGER);
  if (event.id !== undefined) sink.string(F.eventId, event.id);
  sink.plain(F.hour, hour, undefined);
  sink.iri(F.pillar, pillarNode(event.pillar).value);
  if (event.reason !== undefined) sink.string(F.reason, event.reason);
  sink.plain(F.seq, String(seq), INTEGER);
  if (event.severity !== undefined) sink.string(F.severity, event.severity);
  if (event.signalId !== undefined) sink.string(F.signal, event.signalId);
  if (event.spanId !== undefined) sink.string(F.span, event.spanId);
  if (event.traceId !== undefined) sink.string(F.trace, event.traceId);
  if (event.value !== undefined) {
    if (event.unit !== undefined) sink.string(F.unit, event.unit);
    sink.plain(F.value, String(event.value), DOUBLE);
  }
  if (event.worker !== undefined) sink.string(F.worker, event.worker);
}

/** The attributes as JSON, keys sorted (as the receipt holds them). */
export function attributesJson(attributes: Readonly<Record<string, string | number>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1))));
}
